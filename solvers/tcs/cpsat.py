"""CP-SAT for TCS: one interval per operation, a cumulative per unit kind whose capacity
is the kind's unit count, a variable; the objective is the cost-weighted unit count.

Start variables live in [ASAP, ALAP] under the latency bound, precedences are linear; a
unit count ranges from the kind's lower bound (:meth:`TCSProblem.unit_lower_bounds`) to
its ASAP peak (the first schedule's, always feasible). The first schedule is the hint.
"""

from __future__ import annotations

import time

import numpy as np

from schedbench.solvers.base import Outcome, SolveContext, Status, interruptible
from schedbench.solvers.tcs import first_schedule

LIBRARY = "ortools"
PIP = "ortools"
CLASSES = ("tcs",)


def version() -> str:
    import ortools

    return f"ortools {ortools.__version__}"


def run(ctx: SolveContext) -> Outcome:
    """CP-SAT from ASAP (or the run's warm start), every improving schedule reported."""
    from ortools.sat.python import cp_model

    built = time.perf_counter()
    problem = ctx.problem
    hint = first_schedule(ctx)
    d = problem.node_delay
    model = cp_model.CpModel()
    starts, intervals = [], []
    for i in range(problem.n):
        start = model.new_int_var(int(problem.asap[i]), int(problem.alap[i]), f"s{i}")
        starts.append(start)
        intervals.append(model.new_fixed_size_interval_var(start, int(d[i]), f"i{i}"))
    for s, t in zip(problem.src.tolist(), problem.dst.tolist(), strict=True):
        model.add(starts[s] + int(d[s]) <= starts[t])
    low = problem.unit_lower_bounds()
    high = np.maximum(problem.evaluate(hint).units[0], low)
    units = []
    for k, name in enumerate(problem.kinds):
        count = model.new_int_var(int(low[k]), int(high[k]), f"units_{name}")
        units.append(count)
        ops = np.flatnonzero(problem.node_kind == k).tolist()
        if ops:
            model.add_cumulative([intervals[i] for i in ops], [1] * len(ops), count)
    model.minimize(sum(int(c) * u for c, u in zip(problem.kind_cost, units, strict=True)))
    for i in range(problem.n):
        model.add_hint(starts[i], int(hint[i]))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, ctx.remaining())
    solver.parameters.num_workers = max(1, ctx.threads)
    solver.parameters.random_seed = ctx.seed

    class Improving(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self) -> None:
            schedule = np.asarray([self.value(s) for s in starts], dtype=np.int64)
            ctx.report(schedule, bound=self.best_objective_bound)

    build_time = time.perf_counter() - built
    with interruptible(solver.stop_search):
        status = solver.solve(model, Improving())
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        ctx.report(np.asarray([solver.value(s) for s in starts], dtype=np.int64))
    bound = solver.best_objective_bound if status != cp_model.UNKNOWN else None
    final = Status.OPTIMAL if status == cp_model.OPTIMAL else None
    return Outcome(final, bound=bound, build_time=build_time)
