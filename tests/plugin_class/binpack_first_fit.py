"""First fit (decreasing): the fourth class's solver, found through its class's entry point."""

from __future__ import annotations

import numpy as np

LIBRARY = PIP = "numpy"
CLASSES = ("binpack",)


def version() -> str:
    return "first-fit 1"


def run(ctx, decreasing: bool = True):
    from schedbench.solvers.base import Outcome

    problem = ctx.problem
    ctx.report(problem.reference_schedule)  # one item per bin
    order = np.argsort(problem.sizes)[::-1] if decreasing else np.arange(problem.n)
    loads, assignment = np.zeros(problem.bins, dtype=np.int64), np.zeros(problem.n, np.int64)
    for item in order:
        room = np.flatnonzero(loads + problem.sizes[item] <= problem.capacity)
        assignment[item] = room[0]
        loads[room[0]] += problem.sizes[item]
    ctx.report(assignment)
    return Outcome()
