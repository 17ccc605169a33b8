"""SDC-based modulo scheduling with backtracking (Zhang and Liu 2013; Canis, Brown and
Anderson 2014), the LegUp scheduler.

Dependences are a system of difference constraints (SDC) t_j - t_i >= lat_i + delay -
distance * II, solved exactly by longest paths (its least solution, which is also the
shortest schedule). From MinII up: the resource-limited operations, earliest first in
the current SDC solution, are fixed one at a time (t_i = t) at the first time from their
SDC start, within II cycles and below their latest SDC start, whose reservation-table
slots are free; when none is, the operation takes its SDC start (or one past its
last try), evicting the holders of its slots and, if the SDC then fails, the other fixed
operations latest-fixed first (backtracking, at most ``budget_ratio * n`` fixings per
II). The first II that schedules wins (``restarts``: then seeded perturbed orders until
the budget).
"""

from __future__ import annotations

import numpy as np

from schedbench.problems.modulo import ModuloProblem, longest_paths
from schedbench.solvers.base import Outcome, SolveContext, Status
from schedbench.solvers.modulo import ReservationTable, compact, first_schedule

LIBRARY = PIP = "numpy"
CLASSES = ("modulo",)
FAMILY = "heuristic"  # how the verdict groups it (studies.families)


def version() -> str:
    return "schedbench"


def run(ctx: SolveContext, budget_ratio: float = 1.0, restarts: bool = False) -> Outcome:
    """See the module docstring."""
    problem = ctx.problem
    reference = first_schedule(ctx)
    ii = problem.min_ii
    rng = np.random.default_rng(ctx.seed)
    while not ctx.should_stop() and ii < int(reference[-1]):
        start = sdc_modulo(problem, ii, budget_ratio, ctx=ctx)
        if start is not None:
            ctx.report(problem.join(start, ii))
            break
        ii += 1
    ii = int(ctx.best_schedule[-1])
    tries = 0
    while restarts and not ctx.should_stop() and ctx.best_cost > problem.lower_bound:
        start = sdc_modulo(problem, ii, budget_ratio, rng.random(problem.n_ops), ctx=ctx)
        if start is not None:
            ctx.report(problem.join(start, ii))
        tries += 1
    status = Status.OPTIMAL if ctx.best_cost <= problem.lower_bound else None
    return Outcome(status, message=f"II {ii}; {tries} restarts")


class SDC:
    """The difference constraints at one II plus fixed starts: ``solve()`` is the least
    solution (None when infeasible), ``latest()`` each start's largest feasible value
    (a start is feasible exactly between the two: difference constraints)."""

    def __init__(self, problem: ModuloProblem, ii: int):
        self.n = problem.n_ops
        self.src, self.dst = problem.src, problem.dst
        self.weight = problem.weight - problem.distance * ii
        self.fixed: dict[int, int] = {}

    def _graph(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Edges with a root (node n, time 0): root -> i (t_i >= 0 and t_i >= fixed) and
        i -> root (t_i <= fixed)."""
        ops = np.fromiter(self.fixed, np.int64, len(self.fixed))
        at = np.fromiter(self.fixed.values(), np.int64, len(self.fixed))
        root = self.n
        src = np.concatenate([self.src, np.full(self.n, root), np.full(len(ops), root), ops])
        dst = np.concatenate([self.dst, np.arange(self.n), ops, np.full(len(ops), root)])
        weight = np.concatenate([self.weight, np.zeros(self.n, np.int64), at, -at])
        return src, dst, weight

    def solve(self) -> np.ndarray | None:
        src, dst, weight = self._graph()
        start = longest_paths(self.n + 1, src, dst, weight)
        if start is None or start[self.n] != 0:
            return None
        return start[: self.n]

    def latest(self) -> np.ndarray:
        """Per start, the largest value the system allows (a large number if none caps it):
        minus the longest path from it to the root."""
        src, dst, weight = self._graph()
        unreached = np.iinfo(np.int64).min // 4
        init = np.full(self.n + 1, unreached)
        init[self.n] = 0
        reach = longest_paths(self.n + 1, dst, src, weight, init=init)  # reversed edges
        reach = reach[: self.n]
        return np.where(reach > unreached // 2, -reach, np.iinfo(np.int64).max // 4)


def sdc_modulo(problem: ModuloProblem, ii: int, budget_ratio: float = 1.0,
               noise: np.ndarray | None = None, ctx=None) -> np.ndarray | None:  # fmt: skip
    """One SDC modulo schedule at ``ii`` (see the module docstring), or None."""
    sdc = SDC(problem, ii)
    current = sdc.solve()
    if current is None:
        return None
    table = ReservationTable(problem, ii)
    limited = [int(i) for i in problem.limited]
    jitter = np.zeros(problem.n_ops) if noise is None else noise
    last = {op: -1 for op in limited}
    order: list[int] = []  # fixed operations, oldest first
    budget = int(budget_ratio * problem.n_ops) + len(limited)
    waiting = set(limited)
    while waiting and budget > 0:
        if ctx is not None and ctx.should_stop():
            return None
        budget -= 1
        op = min(waiting, key=lambda v: (current[v] + jitter[v], v))
        base = int(current[op])
        top = min(int(sdc.latest()[op]), base + ii - 1)
        placed = next((t for t in range(base, top + 1) if table.fits(op, t)), None)
        if placed is not None:
            sdc.fixed[op] = placed
            current = sdc.solve()
        else:  # backtrack: take a slot by force
            placed = base if last[op] < base else last[op] + 1
            for other in table.conflicts(op, placed):
                table.remove(other, sdc.fixed.pop(other))
                order.remove(other)
                waiting.add(other)
            sdc.fixed[op] = placed
            trial = sdc.solve()
            while trial is None and order:
                other = order.pop()
                table.remove(other, sdc.fixed.pop(other))
                waiting.add(other)
                trial = sdc.solve()
            if trial is None:
                return None
            current = trial
        table.add(op, placed)
        order.append(op)
        last[op] = placed
        waiting.discard(op)
    if waiting:
        return None
    return compact(problem, current, ii)
