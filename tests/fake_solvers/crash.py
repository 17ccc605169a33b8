"""Reports one incumbent, then kills its own process (as the OOM killer would)."""

import os
import signal
import time

LIBRARY = PIP = "none"
CLASSES = ("icml24", "rcs", "tcs")


def version() -> str:
    return "crash 1"


def run(ctx, **options):
    ctx.tracker.offer(ctx.problem.asap)
    time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGKILL)
