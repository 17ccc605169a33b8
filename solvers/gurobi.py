"""Gurobi (gurobipy) on the shared MILP models.

Incumbents come from the MIPSOL callback, the bound from MIPSOL_OBJBND / ObjBound. The pip
package carries a size-limited license (2000 variables and constraints): a larger model is
``skipped`` with Gurobi's own message.
"""

from __future__ import annotations

import time

import numpy as np

from schedbench.solvers.base import Outcome, SolveContext, Status
from schedbench.solvers.formulations import Formulation
from schedbench.solvers.milp_model import CLASSES, RunModel, check, solve_each

LIBRARY = "gurobipy"
__all__ = ["CLASSES", "check", "run", "version"]
PIP = "gurobipy (or schedbench[gurobi])"


def version() -> str:
    import gurobipy

    return "gurobi {}.{}.{}".format(*gurobipy.gurobi.version())


def run(ctx: SolveContext, formulation: Formulation = "paper", log: bool = False) -> Outcome:
    """The class's model (one per candidate II for modulo: ``milp_model.solve_each``)."""
    built = time.perf_counter()
    return solve_each(ctx, formulation, lambda c, run_model: _solve(c, run_model, log, built))


def _solve(ctx: SolveContext, run_model: RunModel, log: bool, built: float) -> Outcome:
    """One solve of ``run_model``, every schedule reported, its status and bound."""
    import gurobipy as gp
    from gurobipy import GRB

    lm = run_model.model
    try:
        env = gp.Env(empty=True)
        env.setParam("OutputFlag", int(log))
        env.start()
        model = gp.Model(env=env)
        vtypes = [GRB.INTEGER if flag else GRB.CONTINUOUS for flag in lm.integer]
        ub = [GRB.INFINITY if not np.isfinite(u) else float(u) for u in lm.ub]
        x = model.addVars(lm.num_cols, lb=lm.lb.tolist(), ub=ub, obj=lm.obj.tolist(), vtype=vtypes)
        xs = [x[j] for j in range(lm.num_cols)]
        senses = {"==": GRB.EQUAL, ">=": GRB.GREATER_EQUAL, "<=": GRB.LESS_EQUAL}
        for cols, vals, sense, rhs in lm.constraints():
            model.addLConstr(gp.LinExpr(vals, [xs[j] for j in cols]), senses[sense], rhs)
        model.Params.Threads = max(1, ctx.threads)
        model.Params.Seed = ctx.seed
        if run_model.start is not None:
            for var, val in zip(xs, run_model.start.tolist(), strict=True):
                var.Start = val
        model.update()
        model.Params.TimeLimit = max(0.01, ctx.remaining())
        build_time = time.perf_counter() - built

        def incumbents(m, where) -> None:
            if where == GRB.Callback.MIPSOL:
                values = np.asarray(m.cbGetSolution(xs))
                ctx.report(run_model.decode(values), bound=m.cbGet(GRB.Callback.MIPSOL_OBJBND))

        model.optimize(incumbents)
    except gp.GurobiError as err:
        if err.errno == 10010 or "size-limited" in str(err):
            return Outcome(Status.SKIPPED, message=f"Gurobi: {err}")
        raise
    if model.SolCount > 0:
        ctx.report(run_model.decode(np.asarray([v.X for v in xs])))
    status = {
        GRB.OPTIMAL: Status.OPTIMAL,
        GRB.INFEASIBLE: Status.NO_SOLUTION,
        GRB.TIME_LIMIT: Status.TIMEOUT,
    }.get(model.Status, Status.ERROR)
    bound = model.ObjBound if model.SolCount > 0 or status is Status.OPTIMAL else None
    return Outcome(
        status,
        bound=bound,
        build_time=build_time,
        message=f"gurobi status {model.Status}",
    )
