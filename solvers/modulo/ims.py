"""Iterative modulo scheduling (Rau 1994), the baseline of loop pipelining.

From MinII up, one II at a time: operations by HeightR (the longest path to the end at
that II), each at the first free slot within II cycles of its earliest start, evicting
when none is free, for at most ``budget_ratio * n`` placements; the first II that
schedules wins and is compacted (the shortest schedule with its start residues). A run
stops at once when that schedule meets the class's lower bound, else it tries seeded
perturbed priorities at the same II until the budget ends when ``restarts`` (by default
it stops at its first schedule, as the field runs it).
"""

from __future__ import annotations

import numpy as np

from schedbench.solvers.base import Outcome, SolveContext, Status
from schedbench.solvers.modulo import first_schedule, height, iterative_modulo

LIBRARY = PIP = "numpy"
CLASSES = ("modulo",)
FAMILY = "heuristic"  # how the verdict groups it (studies.families)


def version() -> str:
    return "schedbench"


def run(ctx: SolveContext, budget_ratio: float = 6.0, restarts: bool = False,
        noise: float = 1.0) -> Outcome:  # fmt: skip
    """See the module docstring."""
    problem = ctx.problem
    reference = first_schedule(ctx)
    found = None
    ii = problem.min_ii
    while not ctx.should_stop() and ii < int(reference[-1]):
        start = iterative_modulo(problem, ii, height(problem, ii), budget_ratio)
        if start is not None:
            found = problem.join(start, ii)
            ctx.report(found)
            break
        ii += 1
    tries = 0
    rng = np.random.default_rng(ctx.seed)
    ii = int(ctx.best_schedule[-1])
    base = height(problem, ii)
    while restarts and not ctx.should_stop() and ctx.best_cost > problem.lower_bound:
        start = iterative_modulo(problem, ii, base + noise * rng.random(problem.n_ops),
                                 budget_ratio)  # fmt: skip
        if start is not None:
            ctx.report(problem.join(start, ii))
        tries += 1
    status = Status.OPTIMAL if ctx.best_cost <= problem.lower_bound else None
    return Outcome(status, message=f"II {ii}; {tries} restarts")
