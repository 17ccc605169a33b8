"""What the modulo schedulers share: the II-by-II search, compaction of a schedule with
its start residues fixed, and iterative modulo scheduling (Rau 1994), which the
heuristics run and the differentiable schedulers legalize with.
"""

from __future__ import annotations

import numpy as np

from schedbench.problems.modulo import ModuloProblem, longest_paths


def first_schedule(ctx) -> np.ndarray:
    """The run's warm start, else the loop without overlap; reported at once."""
    problem = ctx.problem
    schedule = problem.reference_schedule if ctx.warm_start is None else ctx.warm_start
    ctx.report(schedule)
    return np.asarray(schedule, np.int64)


def heuristic_start(ctx) -> None:
    """The exact back-ends' first schedules: the loop without overlap, then iterative
    modulo scheduling from MinII up to the first II it schedules (both reported)."""
    problem = ctx.problem
    reference = first_schedule(ctx)
    for ii in range(problem.min_ii, int(reference[-1])):
        if ctx.should_stop():
            return
        start = iterative_modulo(problem, ii, height(problem, ii))
        if start is not None:
            ctx.report(problem.join(start, ii))
            return


def compact(problem: ModuloProblem, start: np.ndarray, ii: int) -> np.ndarray | None:
    """The shortest schedule at ``ii`` with the residues t_i mod II of ``start`` (the
    modulo reservation table depends on residues only, so it stays feasible): the least
    stage q_i >= 0 with q_j - q_i >= ceil((r_i - r_j + lat_i + delay) / II) - distance on
    every edge, by longest paths. None when those constraints have no solution."""
    r = np.asarray(start, np.int64) % ii
    need = -(-(r[problem.src] - r[problem.dst] + problem.weight) // ii) - problem.distance
    stage = longest_paths(problem.n_ops, problem.src, problem.dst, need)
    if stage is None:
        return None
    return stage * ii + r


class ReservationTable:
    """The modulo reservation table at one II: who holds each (resource, slot)."""

    def __init__(self, problem: ModuloProblem, ii: int):
        self.problem, self.ii = problem, ii
        self.holders: dict[tuple[int, int], list[int]] = {}
        self.cap = {r: int(c) for r, c in enumerate(problem.limit.tolist()) if c > 0}

    def slots(self, op: int, t: int) -> list[tuple[int, int]]:
        r = int(self.problem.resource[op])
        if r not in self.cap:
            return []
        return [(r, (t + k) % self.ii) for k in range(int(self.problem.blocking[op]))]

    def fits(self, op: int, t: int) -> bool:
        seen: dict[tuple[int, int], int] = {}
        for key in self.slots(op, t):
            seen[key] = seen.get(key, 0) + 1
            if len(self.holders.get(key, ())) + seen[key] > self.cap[key[0]]:
                return False
        return True

    def conflicts(self, op: int, t: int) -> set[int]:
        """Operations to evict so that ``op`` fits at ``t`` (the earliest holders)."""
        out: set[int] = set()
        for key in set(self.slots(op, t)):
            holders = [h for h in self.holders.get(key, ()) if h not in out]
            extra = len(holders) + self.slots(op, t).count(key) - self.cap[key[0]]
            out.update(holders[: max(0, extra)])
        return out

    def add(self, op: int, t: int) -> None:
        for key in self.slots(op, t):
            self.holders.setdefault(key, []).append(op)

    def remove(self, op: int, t: int) -> None:
        for key in self.slots(op, t):
            self.holders[key].remove(op)


def iterative_modulo(
    problem: ModuloProblem,
    ii: int,
    priority: np.ndarray,
    budget_ratio: float = 6.0,
    wish: np.ndarray | None = None,
) -> np.ndarray | None:
    """Rau's iterative modulo scheduling at ``ii``: operations by ``priority`` (larger
    first); each at the first slot from its earliest start (its scheduled predecessors)
    where its resource is free, within II cycles (``wish``: searched from its wished
    start first); when none is free it takes the earliest start (or one past its last
    try) and evicts the resource holders and the neighbours it breaks. Gives up after
    ``budget_ratio * n`` placements; the result is compacted (:func:`compact`)."""
    n = problem.n_ops
    table = ReservationTable(problem, ii)
    w = problem.weight - problem.distance * ii
    into: list[list[int]] = [[] for _ in range(n)]
    out: list[list[int]] = [[] for _ in range(n)]
    for e, (u, v) in enumerate(zip(problem.src.tolist(), problem.dst.tolist(), strict=True)):
        into[v].append(e)
        out[u].append(e)
    src, dst = problem.src, problem.dst
    time = np.full(n, -1, np.int64)
    last = np.full(n, -1, np.int64)
    order = sorted(range(n), key=lambda v: (-priority[v], v))
    waiting = set(range(n))
    budget = int(budget_ratio * n) + n
    while waiting and budget > 0:
        budget -= 1
        op = next(v for v in order if v in waiting)
        earliest = max([int(time[src[e]] + w[e]) for e in into[op] if time[src[e]] >= 0] + [0])
        first = earliest if wish is None else max(earliest, int(wish[op]))
        tries = [*range(first, earliest + ii), *range(earliest, first)]
        t = next((x for x in tries if table.fits(op, x)), None)
        if t is None:
            t = earliest if last[op] < 0 or earliest > last[op] else int(last[op]) + 1
            for other in table.conflicts(op, t):
                table.remove(other, int(time[other]))
                time[other] = -1
                waiting.add(other)
        for e in out[op]:  # successors it now starts too late for
            v = int(dst[e])
            if v != op and time[v] >= 0 and t + w[e] > time[v]:
                table.remove(v, int(time[v]))
                time[v] = -1
                waiting.add(v)
        for e in into[op]:  # predecessors scheduled after it was placed (not in earliest)
            u = int(src[e])
            if u != op and time[u] >= 0 and time[u] + w[e] > t:
                table.remove(u, int(time[u]))
                time[u] = -1
                waiting.add(u)
        time[op] = last[op] = t
        table.add(op, t)
        waiting.discard(op)
    if waiting:
        return None
    schedule = problem.join(time, ii)
    if not problem.evaluate(schedule).feasible[0]:  # a self-loop it cannot meet
        return None
    return compact(problem, time, ii)


def height(problem: ModuloProblem, ii: int) -> np.ndarray:
    """Rau's HeightR priority: each operation's longest path to the end at ``ii``."""
    return problem.tails(ii).astype(float)
