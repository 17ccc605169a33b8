"""Reports ASAP, then a second later a better chunked schedule, then waits out its budget."""

import time

from schedbench.solvers.base import Outcome, Status
from schedbench.solvers.icml24.topo_chunk import best_chunking

LIBRARY = PIP = "none"
CLASSES = ("icml24", "rcs", "tcs")


def version() -> str:
    return "slow 1"


def run(ctx, **options):
    ctx.tracker.offer(ctx.problem.asap)
    time.sleep(1.0)
    ctx.tracker.offer(best_chunking(ctx.problem, ctx.problem.topological_order))
    while ctx.remaining() > 0:
        time.sleep(0.1)
    return Outcome(Status.TIMEOUT)
