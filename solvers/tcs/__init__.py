"""Solvers of latency-constrained minimum-resources scheduling (schedbench.problems.tcs)."""

from __future__ import annotations

from typing import Any

import numpy as np


def first_schedule(ctx: Any, report: bool = True) -> np.ndarray:
    """What an exact back-end starts from: the run's warm start or ASAP (feasible under
    the bound), reported at once (unless ``report`` is false) so the run has a schedule
    before the model is solved."""
    start = ctx.warm_start if ctx.warm_start is not None else ctx.problem.asap
    if report:
        ctx.report(start)
    return np.asarray(start, np.int64)
