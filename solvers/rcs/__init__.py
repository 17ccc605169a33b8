"""Solvers of resource-constrained minimum-latency scheduling (schedbench.problems.rcs)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class ExactResult:
    """What an exact RCS model returned: its best schedule and latency (None: none), the
    proven bound, whether it proved optimality, and the seconds it took to build."""

    start: np.ndarray | None
    latency: int | None
    bound: int
    optimal: bool
    build_time: float = 0.0


def first_schedule(ctx: Any, report: bool = True) -> np.ndarray:
    """What an exact back-end starts from: the run's warm start or the critical-path list
    schedule, reported at once (unless ``report`` is false) so the run has a schedule
    before the model is solved."""
    from schedbench.solvers.rcs.list_scheduling import best_list_schedule

    start = ctx.warm_start if ctx.warm_start is not None else best_list_schedule(ctx.problem)
    if report:
        ctx.report(start)
    return start


def exact_outcome(ctx: Any, result: Any) -> Any:
    """An exact back-end's final schedule reported, and its proof (optimal) and bound."""
    from schedbench.solvers.base import Outcome, Status

    if result.start is not None:
        ctx.report(result.start)
    status = Status.OPTIMAL if result.optimal else None
    return Outcome(status, bound=result.bound, build_time=result.build_time)
