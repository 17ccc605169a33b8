"""Reports the ASAP schedule, then hangs and ignores its budget."""

import time

LIBRARY = PIP = "none"


def version() -> str:
    return "hang 1"


def run(ctx, **options):
    ctx.tracker.offer(ctx.problem.asap)
    while True:
        time.sleep(1)
