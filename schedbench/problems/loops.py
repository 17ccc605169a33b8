"""Loop bodies as graphs with cycles: longest paths (Bellman-Ford), one iteration's list
schedule, and the modulo class's bounds (ResMII, RecMII, MinII, the length at an II and
the horizon that makes a per-II model complete), as a mixin of
:class:`~schedbench.problems.modulo.ModuloProblem`'s arrays."""

from __future__ import annotations

from functools import cached_property

import numpy as np

LENGTH_SCALE = 10**6  # cost = II * LENGTH_SCALE + length; a length must stay below it


class LoopBounds:
    """The bounds of a loop body with ``src``, ``dst``, ``weight`` (lat + delay per edge),
    ``distance``, ``latency``, ``resource``, ``blocking`` and ``limit`` arrays."""

    n_ops: int
    src: np.ndarray
    dst: np.ndarray
    weight: np.ndarray
    distance: np.ndarray
    latency: np.ndarray
    resource: np.ndarray
    blocking: np.ndarray
    limit: np.ndarray

    @cached_property
    def res_mii(self) -> int:
        """max over limited resources of ceil(total blocking time / limit)."""
        best = 1
        for r, cap in enumerate(self.limit.tolist()):
            if cap > 0:
                work = int(self.blocking[self.resource == r].sum())
                best = max(best, -(-work // cap))
        return best

    @cached_property
    def rec_mii(self) -> int:
        """The smallest II >= 1 at which no cycle has positive weight sum(lat + delay) -
        II * sum(distance): the ceiling of the maximum cycle ratio (binary search)."""
        low, high = 1, max(1, int(np.maximum(self.weight, 0).sum()) + 1)
        if self.earliest(low) is not None:
            return low
        while high - low > 1:  # earliest(low) fails, earliest(high) succeeds
            mid = (low + high) // 2
            if self.earliest(mid) is None:
                low = mid
            else:
                high = mid
        return high

    @property
    def min_ii(self) -> int:
        return max(self.res_mii, self.rec_mii)

    def earliest(self, ii: int) -> np.ndarray | None:
        """Earliest starts at ``ii`` ignoring resources (longest paths from 0 with edge
        weights lat + delay - distance * II), or None when a cycle is positive (II too
        small for the recurrences)."""
        return longest_paths(self.n_ops, self.src, self.dst, self.weight - self.distance * ii)

    def tails(self, ii: int) -> np.ndarray:
        """Per operation, the cycles from its start to the schedule's end at ``ii`` that
        every schedule needs: the longest path to any operation's end."""
        w = self.weight - self.distance * ii
        tail = longest_paths(self.n_ops, self.dst, self.src, w, init=self.latency.copy())
        if tail is None:
            raise ValueError(f"II {ii} is below RecMII {self.rec_mii}")
        return tail

    def length_bound(self, ii: int) -> int:
        """A lower bound on the length at ``ii``: the longest path from a start at 0 to an
        operation's end, with edge weights lat + delay - distance * II."""
        start = self.earliest(ii)
        if start is None:
            raise ValueError(f"II {ii} is below RecMII {self.rec_mii}")
        return int((start + self.latency).max())

    def cost_bound(self, ii: int) -> int:
        """The cost every schedule at II >= ``ii`` reaches at least (``ii`` >= MinII)."""
        return ii * LENGTH_SCALE + self.length_bound(ii)

    @cached_property
    def trivial_lower_bound(self) -> int:
        """MinII, then the longest path at MinII, as one cost."""
        return self.cost_bound(self.min_ii)

    @property
    def lower_bound(self) -> int:
        return self.trivial_lower_bound

    def horizon(self, ii: int) -> int:
        """A start every schedule at ``ii`` can be moved within without losing length or
        feasibility: with the start residues fixed, the least solution of the edge
        constraints starts each operation at most II - 1 + the longest simple path of
        weights (lat + delay - distance * II + II - 1) from a root (or the sum of each
        operation's largest such weight when that graph has a positive cycle)."""
        w = self.weight - self.distance * ii + ii - 1
        paths = longest_paths(self.n_ops, self.src, self.dst, w)
        if paths is not None:
            reach = int(paths.max())
        else:
            most = np.zeros(self.n_ops, np.int64)
            np.maximum.at(most, self.src, w)
            reach = int(most.sum())
        return ii - 1 + reach


def longest_paths(
    n: int, src: np.ndarray, dst: np.ndarray, weight: np.ndarray, init: np.ndarray | None = None
) -> np.ndarray | None:
    """Longest paths to every node from a virtual root (``init``: each node's own start,
    0 by default) along src -> dst edges of ``weight``; None when a cycle is positive
    (Bellman-Ford, one vectorized relaxation per round, at most n rounds)."""
    dist = np.zeros(n, np.int64) if init is None else np.asarray(init, np.int64).copy()
    for _ in range(n + 1):
        new = dist.copy()
        np.maximum.at(new, dst, dist[src] + weight)
        if np.array_equal(new, dist):
            return dist
        dist = new
    return None


def flat_schedule(problem) -> np.ndarray:
    """One iteration alone: operations in topological order of the distance-0 edges,
    each at its earliest start after its predecessors where its resource has a free unit
    for its blocking time (a growing busy table per resource)."""
    from graphlib import TopologicalSorter

    n = problem.n_ops
    zero = np.flatnonzero(problem.distance == 0)
    preds: list[list[int]] = [[] for _ in range(n)]
    for e in zero.tolist():
        preds[int(problem.dst[e])].append(e)
    order = TopologicalSorter({v: {int(problem.src[e]) for e in preds[v]} for v in range(n)})
    start = np.zeros(n, np.int64)
    busy: dict[int, list[int]] = {}
    for v in order.static_order():
        t = max((int(start[problem.src[e]] + problem.weight[e]) for e in preds[v]), default=0)
        r, b = int(problem.resource[v]), int(problem.blocking[v])
        cap = int(problem.limit[r]) if r >= 0 else -1
        if cap > 0 and b > 0:
            table = busy.setdefault(r, [])
            while True:
                need = t + b
                if len(table) < need:
                    table.extend([0] * (need - len(table)))
                if all(table[c] < cap for c in range(t, need)):
                    break
                t += 1
            for c in range(t, t + b):
                table[c] += 1
        start[v] = t
    return start
