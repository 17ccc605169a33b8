"""Modulo scheduling (``modulo``): a loop body pipelined at an initiation interval II.

Operations with a latency, optionally on a resource with a blocking time and a limit
(-1: unlimited); edges i -> j with a delay and an iteration distance (distance > 0: a
loop-carried dependence, so the graph may have cycles, each of positive total distance).
A schedule is II and a start t_i >= 0 per operation with t_i + lat_i + delay_ij <= t_j +
distance_ij * II on every edge, and for every limited resource and slot k in 0..II-1 at
most ``limit`` operations busy at a time congruent to k (an operation is busy for its
blocking time from its start). Objective: II, then the length max(t_i + lat_i).

The harness's schedule vector is [t_0, ..., t_{n-1}, II] (labels: the operations', then
``"II"``); the cost is II * LENGTH_SCALE + length, which orders schedules exactly as the
lexicographic objective since a length >= LENGTH_SCALE is refused. The statement is
docs/problems/modulo.md; readers are in :mod:`.modulo_formats`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from schedbench.node_arrays import ProblemError
from schedbench.problems.common import Report, cheapest

LENGTH_SCALE = 10**6  # cost = II * LENGTH_SCALE + length; a length must stay below it
II_LABEL = "II"  # the schedule vector's last entry
MAX_II = 10**9  # keeps every cost an exact integer in float64


@dataclass(frozen=True, eq=False)
class ModuloProblem:
    """A validated loop body; build it with :meth:`from_lists` (one-line errors)."""

    name: str
    operations: tuple[str, ...]  # labels, as the input named them
    op_type: np.ndarray  # per operation: index into ``types``
    types: tuple[str, ...]
    latency: np.ndarray  # per operation
    resource: np.ndarray  # per operation: index into ``resources``, -1 for none
    blocking: np.ndarray  # per operation: cycles its resource stays busy (0 without one)
    resources: tuple[str, ...]
    limit: np.ndarray  # per resource; -1 is unlimited
    src: np.ndarray
    dst: np.ndarray
    delay: np.ndarray  # per edge
    distance: np.ndarray  # per edge

    CLASS = "modulo"
    integral_costs = True

    @classmethod
    def from_lists(
        cls,
        name: str,
        operations: list[tuple[str, str, str | None]],
        edges: list[tuple[str, str, int, int]],
        types: dict[str, int],
        resources: dict[str, tuple[int, int]],
    ) -> ModuloProblem:
        """From (label, operator type, resource or None) operations, (src, dst, delay,
        distance) edges, latency per operator type and (limit, blocking time) per
        resource. Every rule of the statement is checked here, one line per error."""
        if not operations:
            raise ProblemError(f"loop {name!r} has no operations; give at least one")
        labels = tuple(str(op[0]) for op in operations)
        index = {label: i for i, label in enumerate(labels)}
        if len(index) != len(labels):
            dup = next(x for x in labels if labels.count(x) > 1)
            raise ProblemError(f"loop {name!r}: operation {dup!r} is listed twice; name each once")
        if II_LABEL in index:
            raise ProblemError(
                f"loop {name!r}: an operation is named {II_LABEL!r}, which a schedule uses for "
                "the initiation interval; rename it"
            )
        for key, value in types.items():
            if not _whole(value, 0):
                raise ProblemError(
                    f"loop {name!r}: the latency of operator type {key!r} is {value!r}; give a "
                    "whole number >= 0"
                )
        for key, value in resources.items():
            if not (isinstance(value, tuple | list) and len(value) == 2 and _whole(value[1], 0)
                    and (_whole(value[0], 0) or value[0] == -1)):  # fmt: skip
                raise ProblemError(
                    f"loop {name!r}: resource {key!r} is {value!r}; give (limit, blocking time) "
                    "as whole numbers, limit >= 1 or -1 (unlimited), blocking time >= 0"
                )
        type_names = tuple(dict.fromkeys(str(op[1]) for op in operations))
        for label, kind, res in operations:
            if kind not in types:
                raise ProblemError(
                    f"loop {name!r}: operation {label!r} has operator type {kind!r}, which the "
                    "library does not describe; add its latency"
                )
            if res is not None and res not in resources:
                raise ProblemError(
                    f"loop {name!r}: operation {label!r} uses resource {res!r}, which is not "
                    "described; add its limit (and blocking time)"
                )
            if res is not None and resources[res][0] == 0:
                raise ProblemError(
                    f"loop {name!r}: resource {res!r} has limit 0 but operation {label!r} uses "
                    "it; give a limit >= 1 (or -1 for unlimited)"
                )
        res_names = tuple(dict.fromkeys(r for _, _, r in operations if r is not None))
        res_of = {r: k for k, r in enumerate(res_names)}
        src, dst, delay, distance = [], [], [], []
        for e, (a, b, d, q) in enumerate(edges):
            for end in (a, b):
                if end not in index:
                    raise ProblemError(
                        f"loop {name!r}: edge {e} ({a} -> {b}) names {end!r}, which is not an "
                        "operation"
                    )
            for what, v in (("delay", d), ("distance", q)):
                if not _whole(v, 0):
                    raise ProblemError(
                        f"loop {name!r}: edge {a} -> {b} has {what} {v!r}; give a whole number >= 0"
                    )
            src.append(index[a])
            dst.append(index[b])
            delay.append(int(d))
            distance.append(int(q))
        problem = cls(
            name=name,
            operations=labels,
            op_type=np.asarray([type_names.index(op[1]) for op in operations], np.int64),
            types=type_names,
            latency=np.asarray([int(types[op[1]]) for op in operations], np.int64),
            resource=np.asarray([res_of.get(op[2], -1) for op in operations], np.int64),
            blocking=np.asarray(
                [int(resources[op[2]][1]) if op[2] is not None else 0 for op in operations],
                np.int64,
            ),
            resources=res_names,
            limit=np.asarray([int(resources[r][0]) for r in res_names], np.int64),
            src=np.asarray(src, np.int64),
            dst=np.asarray(dst, np.int64),
            delay=np.asarray(delay, np.int64),
            distance=np.asarray(distance, np.int64),
        )
        problem._require_positive_cycles()
        return problem

    def _require_positive_cycles(self) -> None:
        """Every cycle needs a positive total distance: the distance-0 edges form a DAG."""
        import networkx as nx

        zero = self.distance == 0
        graph = nx.DiGraph()
        graph.add_nodes_from(range(self.n_ops))
        graph.add_edges_from(zip(self.src[zero].tolist(), self.dst[zero].tolist(), strict=True))
        try:
            cycle = nx.find_cycle(graph)
        except nx.NetworkXNoCycle:
            return
        names = " -> ".join(self.operations[u] for u, _ in cycle)
        raise ProblemError(
            f"loop {self.name!r}: the cycle {names} -> {self.operations[cycle[0][0]]} has total "
            "distance 0 (an operation would wait for itself); give one of its edges a distance >= 1"
        )

    # ------------------------------------------------------------------ the protocol

    @property
    def n_ops(self) -> int:
        return len(self.operations)

    @property
    def n(self) -> int:
        """The schedule vector's width: a start per operation, then II."""
        return self.n_ops + 1

    @property
    def m(self) -> int:
        return len(self.src)

    @property
    def labels(self) -> tuple[str, ...]:
        return (*self.operations, II_LABEL)

    @cached_property
    def weight(self) -> np.ndarray:
        """Per edge, the cycles from the source's start to the target's: lat_i + delay_ij."""
        return self.latency[self.src] + self.delay

    @cached_property
    def limited(self) -> np.ndarray:
        """Operations on a limited resource with a positive blocking time."""
        has = self.resource >= 0
        if not has.any():
            return np.flatnonzero(has)
        lim = np.where(has, self.limit[np.maximum(self.resource, 0)], -1)
        return np.flatnonzero(has & (lim > 0) & (self.blocking > 0))

    @cached_property
    def digest(self) -> str:
        blob = json.dumps(
            {
                "class": self.CLASS,
                "operations": list(self.operations),
                "latency": self.latency.tolist(),
                "resource": self.resource.tolist(),
                "blocking": self.blocking.tolist(),
                "limit": self.limit.tolist(),
                "edges": np.stack([self.src, self.dst, self.delay, self.distance], 1).tolist(),
            }
        )
        return hashlib.sha256(blob.encode()).hexdigest()

    # ------------------------------------------------------------------ bounds

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

    # ------------------------------------------------------------------ schedules

    def split(self, schedules: object) -> tuple[np.ndarray, np.ndarray]:
        """[B, n_ops] starts and [B] II from [B, n] (or [n]) schedule vectors."""
        s = np.atleast_2d(np.asarray(schedules))
        if s.ndim != 2 or s.shape[1] != self.n:
            raise ProblemError(
                f"a schedule has {s.shape[-1]} entries; this loop needs {self.n} "
                f"({self.n_ops} start cycles, then II)"
            )
        if not np.issubdtype(s.dtype, np.integer):
            if not np.all(np.isfinite(s)) or not np.all(s == np.round(s)):
                raise ProblemError("start cycles and II must be whole numbers")
            s = s.astype(np.int64)
        return s[:, :-1], s[:, -1]

    @staticmethod
    def join(start: np.ndarray, ii: int) -> np.ndarray:
        """The schedule vector of ``start`` at ``ii``."""
        return np.append(np.asarray(start, np.int64), np.int64(ii))

    def slot_usage(self, start: np.ndarray, ii: np.ndarray) -> np.ndarray:
        """[K, 4] rows (schedule, resource, slot, busy count) for every (resource, slot)
        of a schedule that someone holds; sparse, so a huge II costs nothing."""
        ops = self.limited
        if not ops.size or not len(start):
            return np.zeros((0, 4), np.int64)
        period = np.maximum(ii, 1)[:, None]
        keys = []
        for k in range(int(self.blocking[ops].max())):
            on = ops[self.blocking[ops] > k]
            slots = (start[:, on] + k) % period  # [B, len(on)]
            rows = np.broadcast_to(np.arange(len(start))[:, None], slots.shape)
            res = np.broadcast_to(self.resource[on], slots.shape)
            keys.append(np.stack([rows.ravel(), res.ravel(), slots.ravel()], 1))
        held, count = np.unique(np.concatenate(keys), axis=0, return_counts=True)
        return np.concatenate([held, count[:, None]], 1)

    def oversubscribed(self, start: np.ndarray, ii: np.ndarray) -> np.ndarray:
        """[K, 4] (schedule, resource, slot, count) where a count exceeds the limit."""
        usage = self.slot_usage(start, ii)
        cap = np.where(self.limit > 0, self.limit, np.iinfo(np.int64).max)
        return usage[usage[:, 3] > cap[usage[:, 1]]] if len(usage) else usage

    def evaluate(self, schedules: object) -> ModuloEvaluation:
        """Feasibility, II, length and cost of a batch of schedule vectors."""
        start, ii = self.split(schedules)
        length = (start + self.latency).max(axis=1)
        bad = (ii < 1) | (ii > MAX_II) | (start < 0).any(axis=1) | (length >= LENGTH_SCALE)
        late = start[:, self.src] + self.weight > start[:, self.dst] + self.distance * ii[:, None]
        bad |= late.any(axis=1)
        ok = ~bad
        if ok.any() and self.limited.size:
            over = self.oversubscribed(start[ok], ii[ok])
            bad[np.flatnonzero(ok)[np.unique(over[:, 0])]] = True
        return ModuloEvaluation(~bad, ii, length)

    def report(self, schedule: object) -> Report:
        s = np.asarray(schedule).reshape(-1)
        result = self.evaluate(s)
        why = "" if result.feasible[0] else self.check(s)
        return Report(bool(result.feasible[0]), float(result.cost[0]), why)

    def check(self, schedule: object) -> str:
        """'' for a feasible schedule, else its first broken rule, in one line."""
        start, ii = self.split(schedule)
        if self.evaluate(schedule).feasible[0]:
            return ""
        t, p = start[0], int(ii[0])
        if p < 1 or p > MAX_II:
            return f"the initiation interval is {p}; it must be a whole number in 1..{MAX_II:,}"
        if (t < 0).any():
            i = int(np.flatnonzero(t < 0)[0])
            return f"operation {self.operations[i]!r} starts at {t[i]} < 0"
        length = int((t + self.latency).max())
        if length >= LENGTH_SCALE:
            return f"the schedule length {length} is not below {LENGTH_SCALE} cycles"
        late = np.flatnonzero(t[self.src] + self.weight > t[self.dst] + self.distance * p)
        if late.size:
            e = int(late[0])
            a, b = self.src[e], self.dst[e]
            return (
                f"edge {self.operations[a]!r} -> {self.operations[b]!r} (delay {self.delay[e]}, "
                f"distance {self.distance[e]}) is broken at II {p}: {self.operations[a]!r} "
                f"starts at {t[a]} with latency {self.latency[a]}, {self.operations[b]!r} "
                f"starts at {t[b]}"
            )
        over = self.oversubscribed(start, ii)
        if len(over):
            _, r, k, count = (int(x) for x in over[0])
            return (
                f"resource {self.resources[r]!r} is oversubscribed: {count} operations are "
                f"busy in slot {k} of II {p}; its limit is {self.limit[r]}"
            )
        return "infeasible"

    @cached_property
    def reference_schedule(self) -> np.ndarray:
        """The loop without overlap: a resource-constrained list schedule of one iteration
        (the distance-0 edges, operations in topological order), at the II that keeps
        iterations apart (its span, and what each loop-carried edge asks)."""
        start = flat_schedule(self)
        span = int(max((start + np.maximum(self.latency, self.blocking)).max(), 1))
        need = start[self.src] + self.weight - start[self.dst]
        carried = self.distance > 0
        ii = span
        if carried.any():
            ii = max(ii, int(np.max(-(-need[carried] // self.distance[carried]))))
        schedule = self.join(start, ii)
        assert self.evaluate(schedule).feasible[0], self.check(schedule)
        return schedule

    def facts(self) -> dict[str, object]:
        return {
            "n": self.n,
            "m": self.m,
            "operations": self.n_ops,
            "carried": int((self.distance > 0).sum()),
            "limited": int(self.limited.size),
            "res_mii": self.res_mii,
            "rec_mii": self.rec_mii,
            "min_ii": self.min_ii,
        }

    def format_schedule(self, schedule: object) -> str:
        """``node,start`` lines, then ``II,<ii>``."""
        s = np.asarray(schedule).reshape(-1)
        return "node,start\n" + "".join(
            f"{label},{int(v)}\n" for label, v in zip(self.labels, s, strict=True)
        )

    def parse_schedule(self, text: str) -> np.ndarray:
        """A schedule vector from ``node,start`` CSV rows (a header, any order, the ``II``
        row included, quoted or not); a missing or repeated row is a one-line error."""
        import csv

        position = {label: i for i, label in enumerate(self.labels)}
        out = np.zeros(self.n, np.int64)
        seen = np.zeros(self.n, bool)
        for number, row in enumerate(csv.reader(text.splitlines()), 1):
            if not row or row == ["node", "start"]:
                continue
            value = row[-1].strip() if len(row) == 2 else ""
            if row[0] not in position or not value.lstrip("-").isdigit():
                raise ProblemError(
                    f"schedule line {number} ({','.join(row)!r}) is not '<operation>,<start>'"
                )
            if seen[position[row[0]]]:
                raise ProblemError(f"the schedule gives {row[0]!r} twice (line {number})")
            out[position[row[0]]] = int(value)
            seen[position[row[0]]] = True
        if not seen.all():
            raise ProblemError(
                f"the schedule has no entry for {self.labels[int(np.argmin(seen))]!r}"
            )
        return out


@dataclass(frozen=True)
class ModuloEvaluation:
    """Per schedule of a batch: feasible, II and length; the cost orders them
    lexicographically (II * LENGTH_SCALE + length)."""

    feasible: np.ndarray
    ii: np.ndarray
    length: np.ndarray

    @property
    def cost(self) -> np.ndarray:
        return self.ii * LENGTH_SCALE + self.length

    @property
    def terms(self) -> dict[str, np.ndarray]:
        return {"ii": self.ii, "length": self.length}

    def best(self) -> int | None:
        return cheapest(self.feasible, self.cost)


def _whole(value: object, least: int) -> bool:
    """``value`` is a whole number >= ``least`` (bools and strings are not)."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer):
        return False
    return value == int(value) and value >= least


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


def flat_schedule(problem: ModuloProblem) -> np.ndarray:
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


# ---------------------------------------------------------------- the class as a plugin


def _catalogue() -> list:
    from functools import partial

    from schedbench.classes import Dataset
    from schedbench.datasets import modulo as data

    chstone = [
        Dataset(f"{data.PREFIX}{loop}", partial(data.load_chstone, loop),
                "HatScheT's ChStone loop")
        for loop in data.loops("chstone")
    ]  # fmt: skip
    fast = [
        Dataset(f"{data.PREFIX_200}{loop}", partial(data.load_chstone, loop, "200MHz"),
                "HatScheT's ChStone loop at 200 MHz (chaining edges)")
        for loop in data.loops("chstone200")
    ]  # fmt: skip
    circt = [
        Dataset(f"modulo/circt/{name}", partial(data.load_circt, name),
                f"CIRCT's SSP test instance ({file})")
        for name, file in data.CIRCT.items()
    ]  # fmt: skip
    return [*chstone, *fast, *circt]


def _read_graphml(path, resources: str | None = None) -> ModuloProblem:
    from schedbench.problems.modulo_formats import read_hatschet

    return read_hatschet(path, resources)


def _read_ssp(path, instance: str | None = None) -> ModuloProblem:
    from schedbench.problems.modulo_formats import read_ssp

    found = {i.problem.name: i.problem for i in read_ssp(path)}
    if instance is None and len(found) > 1:
        raise ProblemError(
            f"{path.name} holds {len(found)} instances ({', '.join(found)}); pick one with "
            "+dataset.params.instance=<name>"
        )
    if instance is not None and instance not in found:
        raise ProblemError(f"{path.name} has no instance {instance!r}; it has {', '.join(found)}")
    return found[instance] if instance is not None else next(iter(found.values()))


def _problem_class() -> object:
    from schedbench.classes import ProblemClass

    return ProblemClass(
        name="modulo",
        title="modulo scheduling of a loop body (minimum II, then length)",
        cost=f"II * {LENGTH_SCALE:,} + schedule length (II first, then length)",
        unit="II*1e6+cycles",
        statement="docs/problems/modulo.md",
        terms={
            "ii": "the best schedule's initiation interval, in cycles",
            "length": "the best schedule's length max(t_i + lat_i), in cycles",
        },
        facts={
            "n": "schedule entries: operations + 1 (the II)",
            "m": "dependence edges",
            "operations": "operations of the loop body",
            "carried": "loop-carried edges (distance > 0)",
            "limited": "operations on a limited resource",
            "res_mii": "the resource-constrained minimum II",
            "rec_mii": "the recurrence-constrained minimum II (maximum cycle ratio)",
            "min_ii": "max(ResMII, RecMII)",
        },
        columns={
            "trivial_bound": "MinII * 1e6 + the longest path at MinII",
            "asap_cost": "the loop without overlap (one iteration's list schedule, II = its span)",
            "best_cost": "II * 1e6 + length of the best schedule",
            "bound": "a proved lower bound on the cost (II bound * 1e6 + length bound)",
        },
        catalogue=_catalogue,
        readers={".graphml": _read_graphml, ".mlir": _read_ssp},
        solvers={
            "modulo_cpsat": "schedbench.solvers.modulo.cpsat",
            "modulo_highs": "schedbench.solvers.modulo.milp",
            "modulo_ims": "schedbench.solvers.modulo.ims",
            "modulo_sdc": "schedbench.solvers.modulo.sdc",
            "modulo_gauss": "schedbench.solvers.modulo.gauss",
            "modulo_gs": "schedbench.solvers.modulo.gs",
        },
        schedule="start",
        picture="share",
        primary=(".graphml", ".mlir"),
    )


PROBLEM_CLASS = _problem_class()
