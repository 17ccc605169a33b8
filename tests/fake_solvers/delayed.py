"""Waits ``delay`` seconds, reports a chunked schedule, then waits out its budget."""

import time

from schedbench.solvers.base import Outcome, Status
from schedbench.solvers.icml24.topo_chunk import best_chunking

LIBRARY = PIP = "none"
CLASSES = ("icml24", "rcs", "tcs")


def version() -> str:
    return "delayed 1"


def run(ctx, delay: float = 1.0):
    time.sleep(delay)
    ctx.tracker.offer(best_chunking(ctx.problem, ctx.problem.topological_order))
    while ctx.remaining() > 0:
        time.sleep(0.05)
    return Outcome(Status.TIMEOUT, message=f"{ctx.threads} thread(s)")
