"""Reports the ASAP schedule, then hangs and ignores its budget (any problem class whose
ASAP schedule is feasible)."""

import time

LIBRARY = PIP = "none"
CLASSES = ("icml24", "rcs", "tcs")


def version() -> str:
    return "hang 1"


def run(ctx, **options):
    ctx.tracker.offer(ctx.problem.asap)
    while True:
        time.sleep(1)
