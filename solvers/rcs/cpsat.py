"""CP-SAT for RCS: one interval per operation, a cumulative per operation type.

Start variables live in [ASAP, horizon - tail - delay] (horizon: a known schedule's
latency), precedences are linear, each type's intervals share a cumulative of capacity
its unit count (a no-overlap when it has one unit), and the objective is the makespan.
A known schedule is given as a hint; the latency lower bound is posted as the
makespan's floor, so a proof of optimality is a proof against that bound too.
"""

from __future__ import annotations

import numpy as np

from schedbench.problems.rcs import RCSProblem
from schedbench.solvers.base import Outcome, SolveContext, interruptible
from schedbench.solvers.rcs import ExactResult

LIBRARY = "ortools"
PIP = "ortools"
CLASSES = ("rcs",)


def version() -> str:
    import ortools

    return f"ortools {ortools.__version__}"


def run(ctx: SolveContext) -> Outcome:
    """CP-SAT from the list schedule (or the run's warm start), every improving schedule
    reported as it is found."""
    import time

    from schedbench.solvers.rcs import exact_outcome, first_schedule

    built = time.perf_counter()
    hint = first_schedule(ctx)
    result = solve_cpsat(
        ctx.problem,
        max(0.01, ctx.remaining()),
        hint,
        threads=ctx.threads,
        seed=ctx.seed,
        on_solution=ctx.report,
        built=built,
    )
    return exact_outcome(ctx, result)


def solve_cpsat(
    problem: RCSProblem,
    time_limit: float,
    hint: np.ndarray,
    threads: int = 2,
    seed: int = 0,
    on_solution=None,
    built: float | None = None,
) -> ExactResult:
    """Minimize the latency within ``time_limit`` s, starting from the feasible ``hint``;
    ``on_solution(start)`` hears every improving schedule."""
    import time

    from ortools.sat.python import cp_model

    built = time.perf_counter() if built is None else built

    d = problem.node_delay
    horizon = int((hint + d).max())
    model = cp_model.CpModel()
    starts, intervals = [], []
    for i in range(problem.n):
        lo, hi = int(problem.asap[i]), horizon - int(problem.tail[i]) - int(d[i])
        start = model.new_int_var(lo, max(lo, hi), f"s{i}")
        starts.append(start)
        intervals.append(model.new_fixed_size_interval_var(start, int(d[i]), f"i{i}"))
    for s, t in zip(problem.src.tolist(), problem.dst.tolist(), strict=True):
        model.add(starts[s] + int(d[s]) <= starts[t])
    for k in range(len(problem.types)):
        ops = np.flatnonzero(problem.op_type == k).tolist()
        if int(problem.units[k]) == 1:
            model.add_no_overlap([intervals[i] for i in ops])
        else:
            model.add_cumulative([intervals[i] for i in ops], [1] * len(ops), int(problem.units[k]))
    makespan = model.new_int_var(problem.lower_bound, horizon, "latency")
    for i in range(problem.n):
        model.add(makespan >= starts[i] + int(d[i]))
    model.minimize(makespan)
    for i in range(problem.n):
        model.add_hint(starts[i], int(hint[i]))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit)
    solver.parameters.num_workers = int(threads)
    solver.parameters.random_seed = int(seed)

    class Improving(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self) -> None:
            if on_solution is not None:
                on_solution(np.asarray([self.value(s) for s in starts], dtype=np.int64))

    build_time = time.perf_counter() - built
    with interruptible(solver.stop_search):
        status = solver.solve(model, Improving())
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return ExactResult(None, None, problem.lower_bound, False, build_time)
    start = np.asarray([solver.value(s) for s in starts], dtype=np.int64)
    return ExactResult(
        start,
        int(solver.value(makespan)),
        max(problem.lower_bound, int(solver.best_objective_bound)),
        status == cp_model.OPTIMAL,
        build_time,
    )
