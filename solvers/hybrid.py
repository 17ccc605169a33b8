"""hybrid: a fast solver for a share of the budget, then an exact back-end warm-started
from its best schedule (MIP start / CP-SAT hint) for the rest.

Both phases offer their schedules to the run's one tracker, so the best-so-far curve is
continuous across the hand-over (the exact phase only shows when it improves), and the
budget is the run's: the first phase stops at ``share`` of it, the exact phase at its end.
The bound and the final status are the exact back-end's.
"""

from __future__ import annotations

import time
from typing import Any

from schedbench.solvers.base import Outcome, SolveContext, Status
from schedbench.solvers.formulations import Formulation

LIBRARY = "ortools"
PIP = "ortools"


def version() -> str:
    from schedbench.solvers.registry import backend

    return f"{backend('gauss').version()} + {backend('cpsat').version()}"


def run(
    ctx: SolveContext,
    first: str = "gauss",
    share: float = 0.1,
    exact: str = "cpsat",
    formulation: Formulation = "compact",
    first_options: dict[str, Any] | None = None,
) -> Outcome:
    from schedbench.solvers.registry import backend

    if not 0 < share < 1:
        raise ValueError(f"share={share} must lie strictly between 0 and 1")
    started = time.perf_counter()
    quick = SolveContext(
        ctx.problem, ctx.time_limit * share, ctx.threads, ctx.seed, ctx.tracker, ctx.warm_start
    )
    opening = backend(first).run(quick, **(first_options or {}))
    handover = ctx.tracker.elapsed()
    rest = SolveContext(
        ctx.problem,
        ctx.time_limit,
        ctx.threads,
        ctx.seed,
        ctx.tracker,
        ctx.tracker.best_schedule,
    )
    closing = backend(exact).run(rest, formulation=formulation)
    status = closing.status
    if status in (Status.NO_SOLUTION, Status.ERROR) and ctx.tracker.best_schedule is not None:
        status = Status.TIMEOUT
    return Outcome(
        status,
        bound=closing.bound,
        build_time=opening.build_time + closing.build_time,
        solve_time=time.perf_counter() - started,
        message=f"{first} until {handover:.1f} s, then {exact} ({formulation}); "
        f"{closing.message}".strip("; "),
        records=opening.records,
    )
