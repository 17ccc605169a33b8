"""CBC through PuLP (PuLP's bundled binary) on the shared MILP models.

CBC runs as a separate program that returns only its final solution, so this back-end
reports one incumbent, at the end of the run (the result's message says so). The CBC
log's intermediate objective values carry no schedule and are not used.
"""

from __future__ import annotations

import time

import numpy as np

from schedbench.solvers.base import Outcome, SolveContext, Status
from schedbench.solvers.formulations import Formulation
from schedbench.solvers.milp_model import CLASSES, RunModel, check, solve_each

LIBRARY = "pulp"
__all__ = ["CLASSES", "check", "run", "version"]
PIP = "pulp"
FINAL_ONLY = "CBC reports only its final solution (one incumbent at the end of the run)"


def version() -> str:
    import pulp

    return f"pulp {pulp.__version__} (cbc bundled)"


def run(ctx: SolveContext, formulation: Formulation = "paper", log: bool = False) -> Outcome:
    """The class's model (one per candidate II for modulo: ``milp_model.solve_each``)."""
    built = time.perf_counter()
    return solve_each(ctx, formulation, lambda c, run_model: _solve(c, run_model, log, built))


def _solve(ctx: SolveContext, run_model: RunModel, log: bool, built: float) -> Outcome:
    """One solve of ``run_model``, every schedule reported, its status and bound."""
    import pulp

    lm = run_model.model
    prob = pulp.LpProblem("schedule", pulp.LpMinimize)
    xs = [
        pulp.LpVariable(
            f"c{j}",
            lowBound=float(lo),
            upBound=None if not np.isfinite(hi) else float(hi),
            cat=pulp.LpInteger if flag else pulp.LpContinuous,
        )
        for j, (lo, hi, flag) in enumerate(zip(lm.lb, lm.ub, lm.integer, strict=True))
    ]
    used = np.flatnonzero(lm.obj)
    prob += pulp.LpAffineExpression([(xs[j], float(lm.obj[j])) for j in used])
    for cols, vals, sense, rhs in lm.constraints():
        expr = pulp.LpAffineExpression([(xs[j], v) for j, v in zip(cols, vals, strict=True)])
        if sense == "==":
            prob += expr == rhs
        elif sense == ">=":
            prob += expr >= rhs
        else:
            prob += expr <= rhs
    if run_model.start is not None:
        for var, val in zip(xs, run_model.start.tolist(), strict=True):
            var.setInitialValue(val)
    build_time = time.perf_counter() - built
    solver = pulp.PULP_CBC_CMD(
        msg=log,
        timeLimit=max(1, int(ctx.remaining())),
        threads=max(1, ctx.threads),
        warmStart=run_model.start is not None,
        options=[f"randomCbcSeed {ctx.seed + 1}"],
    )
    prob.solve(solver)
    if prob.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        values = np.array([v.value() if v.value() is not None else 0.0 for v in xs])
        ctx.report(run_model.decode(values))
    status = {
        pulp.LpSolutionOptimal: Status.OPTIMAL,
        pulp.LpSolutionIntegerFeasible: Status.TIMEOUT,
        pulp.LpSolutionInfeasible: Status.NO_SOLUTION,
        pulp.LpSolutionNoSolutionFound: Status.TIMEOUT,
    }.get(prob.sol_status, Status.ERROR)
    if prob.status == pulp.LpStatusInfeasible:  # proved in the search: sol_status says "none found"
        status = Status.NO_SOLUTION
    bound = ctx.best_cost if status is Status.OPTIMAL else None
    return Outcome(status, bound=bound, build_time=build_time, message=FINAL_ONLY)
