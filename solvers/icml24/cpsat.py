"""CP-SAT (OR-Tools) on both formulations.

``compact`` is written natively for CP-SAT: an integer stage s_n in its ASAP/ALAP window
channelled to booleans x[n, t] (exactly one true), precedence s_u + d <= s_v, per-stage
load <= r, objective R r + sum of coeff (s_v - s_u). ``interval`` is the same problem as
scheduling: each node a unit interval at its stage, one cumulative of the weights under the
peak r (no booleans: n variables instead of n L, and CP-SAT's scheduling neighbourhoods
apply); a warm start hints it completely. ``paper`` is the reference model
(the shared :func:`~schedbench.solvers.formulations.build_paper`) posted row by row, which
is what the paper's CP-SAT numbers were measured on. Incumbents come from a
CpSolverSolutionCallback; the bound is the solver's best objective bound.
"""

from __future__ import annotations

import time
from typing import Literal

import numpy as np

from schedbench.solvers.base import (
    Outcome,
    SolveContext,
    Status,
    host_memory_gb,
    interruptible,
    too_large,
)
from schedbench.solvers.formulations import build_paper, encode

LIBRARY = "ortools"
PIP = "ortools"
CLASSES = ("icml24",)  # the problem classes it solves


BYTES_PER_ENTRY = 600  # the model (per boolean or edge), and a copy per search worker


def version() -> str:
    import ortools

    return f"ortools {ortools.__version__}"


def run(ctx: SolveContext, formulation: Literal["paper", "compact", "interval"] = "paper",
        log: bool = False) -> Outcome:  # fmt: skip
    from ortools.sat.python import cp_model

    problem = ctx.problem
    if not float(problem.ratio).is_integer():
        return Outcome(Status.SKIPPED, message="CP-SAT needs an integer ratio R")
    entries = problem.n * problem.stages + problem.m  # booleans and precedences
    need = entries * BYTES_PER_ENTRY * (1 + max(1, ctx.threads)) / 2**30
    what = f"the {formulation} model ({entries:,} variables and edges, {ctx.threads} workers)"
    if (skip := too_large(need, host_memory_gb(), what)) is not None:
        return skip
    built = time.perf_counter()
    model = cp_model.CpModel()
    if formulation == "compact":
        x, s, r = _compact(model, problem)
        if ctx.warm_start is not None:
            _hint_compact(model, problem, ctx.warm_start, x, s, r)
    elif formulation == "interval":
        x, s, r = None, *_interval(model, problem)
        if ctx.warm_start is not None:
            for v, stage in enumerate(np.asarray(ctx.warm_start).tolist()):
                model.add_hint(s[v], stage)
            model.add_hint(r, int(problem.evaluate(ctx.warm_start).peak[0]))
    elif formulation == "paper":
        x = _paper(model, problem, ctx.warm_start)
    else:
        raise ValueError(f"unknown formulation {formulation!r}")
    build_time = time.perf_counter() - built

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, ctx.remaining())
    solver.parameters.num_workers = max(1, ctx.threads)
    solver.parameters.random_seed = ctx.seed
    solver.parameters.log_search_progress = log
    stages = problem.stages

    class Incumbents(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self) -> None:
            if x is None:  # the interval model: the stages themselves
                schedule = np.array([self.value(v) for v in s])
            else:
                schedule = np.array(
                    [next(t for t in range(stages) if self.boolean_value(row[t])) for row in x]
                )
            ctx.report(schedule, bound=self.best_objective_bound)

    with interruptible(solver.stop_search):
        status = solver.solve(model, Incumbents())
    bound = solver.best_objective_bound if status != cp_model.UNKNOWN else None
    return Outcome(_status(status, cp_model), bound=bound, build_time=build_time)


def _status(status: int, cp_model: object) -> Status:
    return {
        cp_model.OPTIMAL: Status.OPTIMAL,
        cp_model.FEASIBLE: Status.TIMEOUT,
        cp_model.INFEASIBLE: Status.NO_SOLUTION,
        cp_model.UNKNOWN: Status.TIMEOUT,
        cp_model.MODEL_INVALID: Status.ERROR,
    }[status]


def _hint_compact(model, problem, schedule: np.ndarray, x, s, r) -> None:
    """Hint every variable (x, s and the peak r), not only x: CP-SAT takes a complete,
    feasible hint as its first solution at once, while with x alone it searched for
    10 s on RW1 before its first (much worse) solution."""
    from schedbench.evaluate import evaluate

    for v, stage in enumerate(schedule.tolist()):
        model.add_hint(s[v], stage)
        for t in range(problem.stages):
            model.add_hint(x[v][t], t == stage)
    model.add_hint(r, int(evaluate(problem, schedule).peak[0]))


def _compact(model, problem):
    from ortools.sat.python.cp_model import LinearExpr

    stages = problem.stages
    s = [
        model.new_int_var(int(lo), int(hi), f"s{v}")
        for v, (lo, hi) in enumerate(zip(problem.asap.tolist(), problem.alap.tolist(), strict=True))
    ]
    x = [[model.new_bool_var(f"x{v}_{t}") for t in range(stages)] for v in range(problem.n)]
    for v in range(problem.n):
        model.add_exactly_one(x[v])  # one stage per node
        model.add(s[v] == LinearExpr.weighted_sum(x[v], list(range(stages))))  # s = sum t x
    for u, v, d in zip(problem.src.tolist(), problem.dst.tolist(), problem.d.tolist(), strict=True):
        model.add(s[u] + d <= s[v])  # precedence (SDC)
    total = int(problem.w.sum())
    r = model.new_int_var(problem.peak_lower_bound, total, "r")
    weights = problem.w.tolist()
    heavy = [v for v, w in enumerate(weights) if w]
    for t in range(stages):  # per-stage memory <= r
        model.add(
            LinearExpr.weighted_sum([x[v][t] for v in heavy], [weights[v] for v in heavy]) <= r
        )
    # comm = sum over counted edges of coeff (s_v - s_u), folded into one weight per node
    comm = LinearExpr.weighted_sum(s, problem.comm_slope.tolist())
    model.minimize(int(problem.ratio) * r + comm)
    return x, s, r


def _interval(model, problem):
    """Stages as unit intervals under one cumulative of the weights (capacity: the peak)."""
    from ortools.sat.python.cp_model import LinearExpr

    s = [
        model.new_int_var(int(lo), int(hi), f"s{v}")
        for v, (lo, hi) in enumerate(zip(problem.asap.tolist(), problem.alap.tolist(), strict=True))
    ]
    for u, v, d in zip(problem.src.tolist(), problem.dst.tolist(), problem.d.tolist(), strict=True):
        model.add(s[u] + d <= s[v])
    total = int(problem.w.sum())
    r = model.new_int_var(problem.peak_lower_bound, max(total, problem.peak_lower_bound), "r")
    heavy = [v for v, w in enumerate(problem.w.tolist()) if w]
    intervals = [model.new_fixed_size_interval_var(s[v], 1, f"i{v}") for v in heavy]
    model.add_cumulative(intervals, [int(problem.w[v]) for v in heavy], r)
    model.minimize(int(problem.ratio) * r + LinearExpr.weighted_sum(s, problem.comm_slope.tolist()))
    return s, r


def _paper(model, problem, warm_start):
    """Post the shared paper model row by row (integer coefficients)."""
    from ortools.sat.python import cp_model

    lm = build_paper(problem)
    # finite stand-in for +inf bounds: at least the stage count, so indicator columns keep
    # their 0..1 range when every weight is 0 (unchanged whenever sum w >= L)
    big = max(int(problem.w.sum()), problem.stages, 1) * max(1, problem.m)
    variables = []
    for j in range(lm.num_cols):
        lo, hi = lm.lb[j], lm.ub[j]
        hi = big if not np.isfinite(hi) else int(hi)
        variables.append(model.new_int_var(int(lo), hi, lm.names[j]))
    for cols, vals, sense, rhs in lm.constraints():
        expr = cp_model.LinearExpr.weighted_sum(
            [variables[j] for j in cols], [int(c) for c in vals]
        )
        bound = int(rhs)
        model.add(
            expr == bound if sense == "==" else expr >= bound if sense == ">=" else expr <= bound
        )
    used = np.flatnonzero(lm.obj)
    model.minimize(
        cp_model.LinearExpr.weighted_sum(
            [variables[j] for j in used.tolist()], [int(c) for c in lm.obj[used].tolist()]
        )
    )
    if warm_start is not None:
        for j, val in enumerate(encode(lm, problem, warm_start).tolist()):
            model.add_hint(variables[j], round(val))
    n, stages = problem.n, problem.stages
    return [variables[v * stages : (v + 1) * stages] for v in range(n)]
