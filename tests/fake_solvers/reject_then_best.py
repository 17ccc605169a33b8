"""Reports an infeasible schedule, then the class's reference schedule, then waits for
its budget (or the harness's request to end): the rejection must survive in the record."""

import time

import numpy as np

from schedbench.solvers.base import Outcome

LIBRARY = PIP = "none"
CLASSES = ("icml24", "rcs", "tcs")


def version() -> str:
    return "reject-then-best 1"


def run(ctx, reject: bool = True):
    if reject:
        ctx.report(np.zeros(ctx.problem.n, np.int64))  # every operation at 0: infeasible
    ctx.report(ctx.problem.reference_schedule)
    while not ctx.should_stop():
        time.sleep(0.02)
    return Outcome()
