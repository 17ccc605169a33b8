"""ASAP: every node at its earliest feasible stage (one incumbent; the common reference)."""

from __future__ import annotations

from schedbench.solvers.base import Outcome, SolveContext, Status

LIBRARY = "numpy"
PIP = "numpy"


def version() -> str:
    return "schedbench"


def run(ctx: SolveContext) -> Outcome:
    ctx.tracker.offer(ctx.problem.asap)
    return Outcome(Status.FEASIBLE, solve_time=ctx.tracker.elapsed())
