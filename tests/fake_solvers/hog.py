"""Reports ASAP, then allocates memory until the process runs out (8 GiB in 256 MiB steps)."""

import numpy as np

LIBRARY = PIP = "none"
CLASSES = ("icml24", "rcs", "tcs")


def version() -> str:
    return "hog 1"


def run(ctx, **options):
    ctx.tracker.offer(ctx.problem.asap)
    hoard = []
    for _ in range(32):
        hoard.append(np.ones(2**25))  # 256 MiB, touched so it is really used
    return None
