"""Reports ASAP, says in its message whether the file ``path`` exists at that moment, and
claims to have run on ``device``."""

from pathlib import Path

from schedbench.solvers.base import Outcome, Status

LIBRARY = PIP = "none"
CLASSES = ("icml24", "rcs", "tcs")


def version() -> str:
    return "probe 1"


def run(ctx, path: str = "", device: str = "cpu"):
    ctx.tracker.offer(ctx.problem.asap)
    return Outcome(Status.FEASIBLE, message=f"exists={Path(path).exists()}", device=device)
