"""Reports ASAP, overruns its budget, then reports a better schedule and claims optimality."""

import time

from schedbench.solvers.base import Outcome, Status
from schedbench.solvers.icml24.topo_chunk import best_chunking

LIBRARY = PIP = "none"
CLASSES = ("icml24", "rcs", "tcs")


def version() -> str:
    return "late 1"


def run(ctx, **options):
    ctx.tracker.offer(ctx.problem.asap)
    while ctx.remaining() > 0:
        time.sleep(0.05)
    time.sleep(0.5)
    ctx.tracker.offer(best_chunking(ctx.problem, ctx.problem.topological_order))
    return Outcome(Status.OPTIMAL)
