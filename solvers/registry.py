"""Find solvers by short name and run them behind one interface.

``solve(problem, "cpsat", time_limit=60, threads=2, seed=0, on_incumbent=cb)`` imports the
back-end lazily (a missing optional library only matters to whoever asks for it), times
the whole call, checks every schedule with the evaluator and returns a SolveResult.
"""

from __future__ import annotations

import importlib
import inspect
import time
import traceback
import typing
from typing import Any

import numpy as np

from schedbench.classes import Instance
from schedbench.solvers.base import (
    OnIncumbent,
    OnRejected,
    Outcome,
    SolveContext,
    SolveResult,
    Status,
    Tracker,
    decide_status,
    integral_bound,
)


def modules() -> dict[str, str]:
    """Every solver name -> its module path, from the installed problem classes (each
    class lists the back-ends it ships; one back-end may serve several classes)."""
    from schedbench.classes import classes

    found: dict[str, str] = {}
    for plugin in classes().values():
        found.update(plugin.solvers)
    return found


EXACT = ("cpsat", "highs", "gurobi", "cplex", "cbc")
BASELINES = ("asap", "topo_chunk", "list", "fds")


def names() -> list[str]:
    return list(modules())


def backend(name: str, module: str | None = None) -> Any:
    """The module implementing solver ``name``, or the module path ``module`` of your own.

    A back-end module defines LIBRARY, PIP, ``version()`` and ``run(ctx, **options)``,
    and optionally REVISION (see :func:`revision`).
    """
    if module:
        return importlib.import_module(module)
    known = modules()
    if name not in known:
        raise ValueError(
            f"unknown solver {name!r}; choose one of {', '.join(known)} (python -m schedbench "
            "list solvers), or give solver.module=<your module>"
        )
    return importlib.import_module(known[name])


def classes_of(impl: Any, name: str) -> tuple[str, ...]:
    """The problem classes a back-end declares (``CLASSES``, required)."""
    declared = getattr(impl, "CLASSES", None)
    if not declared:
        raise ValueError(
            f"solver {name!r} ({impl.__name__}) does not declare CLASSES; add e.g. "
            'CLASSES = ("icml24",) naming the problem classes it solves'
        )
    return tuple(declared)


def check_class(
    solver: str, problem: Any, module: str | None = None, options: dict[str, Any] | None = None
) -> None:
    """A one-line error when solver ``solver`` does not solve ``problem``'s class, or when
    its ``check(problem, options)``, where it has one, rejects the options for it."""
    wanted = problem.CLASS
    impl = backend(solver, module)
    if wanted in classes_of(impl, solver):
        if (check := getattr(impl, "check", None)) is not None:
            check(problem, resolved_options(solver, dict(options or {}), module))
        return
    raise ValueError(
        f"solver {solver!r} does not solve {wanted!r} problems; use one of "
        f"{', '.join(serving(wanted))}"
    )


def serving(cls: str) -> list[str]:
    """The solver names whose back-ends solve class ``cls`` (importable ones)."""
    fits = []
    for name in modules():
        try:
            if cls in classes_of(backend(name), name):
                fits.append(name)
        except ImportError:
            continue
    return fits


def revision(solver: str, module: str | None = None) -> int | None:
    """The back-end's ``REVISION`` (None when it has none): bumped when a change to its
    code changes what a run finds in a given budget, so the run key changes with it."""
    try:
        return getattr(backend(solver, module), "REVISION", None)
    except (ImportError, ValueError):
        return None


def resolved_options(
    solver: str, options: dict[str, Any], module: str | None = None
) -> dict[str, Any]:
    """The options a run will use: the back-end's ``run`` defaults with ``options`` on top.

    A run's key hashes these, so changing a default in code makes a new run instead of
    reusing records made under the old default. A back-end that cannot be imported here
    (a missing library, an unknown name) keeps the options as given: such a run cannot run anyway.
    """
    try:
        impl = backend(solver, module)
    except (ImportError, ValueError):  # a missing library or an unknown name
        return dict(options)
    parameters = list(inspect.signature(impl.run).parameters.values())[1:]
    defaults = {
        p.name: p.default
        for p in parameters
        if p.default is not inspect.Parameter.empty and p.kind is not p.VAR_KEYWORD
    }
    return {**defaults, **options}


def check_options(solver: str, options: dict[str, Any], module: str | None = None) -> None:
    """A one-line error for an option the back-end's ``run`` does not take (a typo would
    otherwise surface as a failed run after the dataset was built)."""
    impl = backend(solver, module)
    parameters = list(inspect.signature(impl.run).parameters.values())[1:]
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return
    known = [p.name for p in parameters]
    unknown = sorted(set(options) - set(known))
    if unknown:
        offer = f"its options are {', '.join(known)}" if known else "it takes no options"
        raise ValueError(f"solver {solver!r} has no option {unknown[0]!r}; {offer}")
    try:
        hints = typing.get_type_hints(impl.run)
    except Exception:  # an annotation that does not resolve: nothing more to check
        return
    for name, value in options.items():
        choices = typing.get_args(hints.get(name)) if name in hints else ()
        if typing.get_origin(hints.get(name)) is typing.Literal and value not in choices:
            allowed = ", ".join(map(str, choices))
            raise ValueError(f"solver {solver!r} option {name}={value!r} is not one of {allowed}")


def solve(
    problem: Instance,
    solver: str,
    *,
    time_limit: float = 60.0,
    threads: int = 1,
    seed: int = 0,
    on_incumbent: OnIncumbent | None = None,
    on_rejected: OnRejected | None = None,
    warm_start: np.ndarray | None = None,
    lp_bound: bool = False,
    module: str | None = None,
    started: float | None = None,
    **options: Any,
) -> SolveResult:
    """Run ``solver`` on ``problem`` within ``time_limit`` wall-clock seconds.

    ``warm_start`` seeds exact back-ends (MIP start / CP-SAT hint); it must be feasible.
    ``lp_bound=True`` adds the compact model's LP relaxation bound (HiGHS) to the result.
    ``module`` runs a back-end of your own (a module path) under the name ``solver``.
    ``started`` (a ``time.perf_counter()`` value) is when the budget began, if before the
    call: the harness worker passes its own start, so the run has one clock.
    """
    started = time.perf_counter() if started is None else started
    impl = backend(solver, module)
    check_class(solver, problem, module)
    tracker = Tracker(problem, on_incumbent, started, on_rejected)
    result = SolveResult(
        solver=solver,
        status=Status.ERROR,
        trivial_bound=float(problem.trivial_lower_bound),
        formulation=options.get("formulation"),
    )
    try:
        result.version = impl.version()
    except ImportError as err:
        result.status = Status.SKIPPED
        result.message = f"{impl.LIBRARY} is not installed ({err}); pip install {impl.PIP}"
        result.wall_time = time.perf_counter() - started
        return result
    check_options(solver, options, module)
    if warm_start is not None:
        warm_start = np.asarray(warm_start, np.int64)
        if not problem.evaluate(warm_start).feasible[0]:
            raise ValueError("the warm start schedule is infeasible; pass a feasible schedule")
    context = SolveContext(problem, float(time_limit), int(threads), int(seed), tracker, warm_start)
    entered = time.perf_counter() - started  # imports and checks before the back-end
    try:
        outcome: Outcome = impl.run(context, **options)
    except Exception as err:  # a library failure is a recorded status, not a crash
        where = traceback.extract_tb(err.__traceback__)[-1]
        outcome = Outcome(
            Status.ERROR,
            message=f"{type(err).__name__}: {err} "
            f"(at {where.filename.rsplit('/', 1)[-1]}:{where.lineno})",
        )
    result.wall_time = time.perf_counter() - started
    result.bound = integral_bound(problem, outcome.bound)
    result.build_time = outcome.build_time
    result.solve_time = max(0.0, result.wall_time - outcome.build_time)  # one clock for all
    result.startup_time = entered + outcome.build_time
    result.message = outcome.message
    result.records = outcome.records
    result.device = outcome.device
    has_schedule = tracker.best_schedule is not None
    result.status = decide_status(
        outcome.status,
        has_schedule,
        result.wall_time,
        time_limit,
        rejected=bool(tracker.rejected),
    )
    if tracker.rejected:
        result.message = f"the solver reported an infeasible schedule: {tracker.rejected}"
    elif not has_schedule and outcome.status in (Status.FEASIBLE, Status.OPTIMAL):
        result.message = "the solver claimed a solution but reported no schedule"
    if has_schedule:
        best = problem.evaluate(tracker.best_schedule)
        result.schedule = tracker.best_schedule
        result.cost = best.cost[0].item()
        result.terms = {name: values[0].item() for name, values in best.terms.items()}
        result.peak, result.comm = result.terms.get("peak"), result.terms.get("comm")
        result.incumbents = list(tracker.history)
        result.first_incumbent_time = tracker.history[0][0]
        result.time_to_best = tracker.history[-1][0]
    claimed = result.status is Status.OPTIMAL and result.bound is not None
    if claimed and result.cost is not None and result.cost > result.bound + 1e-6 * result.cost:
        result.message += f" (solver said optimal; cost {result.cost} > bound {result.bound})"
    if lp_bound:
        from schedbench.solvers.icml24.lower_bounds import lp_relaxation_bound

        result.lp_bound = lp_relaxation_bound(problem, time_limit=max(1.0, time_limit))
    return result
