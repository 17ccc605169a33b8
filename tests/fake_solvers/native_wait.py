"""Reports the class's reference schedule, then blocks as a library's native solve does
(never checking the clock) until the harness interrupts it through ``interruptible``."""

import threading

from schedbench.solvers.base import Outcome, interruptible

LIBRARY = PIP = "none"
CLASSES = ("icml24", "rcs", "tcs")


def version() -> str:
    return "native-wait 1"


def run(ctx):
    ctx.report(ctx.problem.reference_schedule)
    done = threading.Event()
    with interruptible(done.set):
        done.wait(120)
    return Outcome(message="interrupted" if done.is_set() else "waited out")
