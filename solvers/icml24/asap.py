"""ASAP: every node at its earliest feasible stage (one incumbent; the common reference)."""

from __future__ import annotations

from schedbench.solvers.base import Outcome, SolveContext

LIBRARY = "numpy"
PIP = "numpy"
CLASSES = ("icml24",)  # the problem classes it solves


def version() -> str:
    return "schedbench"


def run(ctx: SolveContext) -> Outcome:
    ctx.report(ctx.problem.asap)
    return Outcome()
