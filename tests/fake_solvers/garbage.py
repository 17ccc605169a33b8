"""Prints binary garbage and fake protocol lines on stdout and stderr, then solves (ASAP)."""

import os
import sys

from schedbench.solvers.base import Outcome, Status

LIBRARY = PIP = "none"
CLASSES = ("icml24", "rcs", "tcs")


def version() -> str:
    return "garbage 1"


def run(ctx, **options):
    noise = bytes(range(256)) * 16 + b'\n{"type": "done", "status": "optimal"}\n'
    os.write(1, noise)
    os.write(2, noise)
    print('{"type": "incumbent", "schedule": [0], "t": 0}', flush=True)
    sys.stdout.buffer.write(b"\xff\xfe not json at all")
    sys.stdout.flush()
    ctx.tracker.offer(ctx.problem.asap)
    return Outcome(Status.FEASIBLE)
