"""CPLEX (the ``cplex`` Python API) on the shared MILP models.

Incumbents come from a generic callback in the candidate context; the bound is the best
bound CPLEX reports. The pip package is the Community Edition (1000 variables and
constraints): a larger model is ``skipped`` with CPLEX's message.
"""

from __future__ import annotations

import time

import numpy as np

from schedbench.solvers.base import Outcome, SolveContext, Status
from schedbench.solvers.formulations import Formulation
from schedbench.solvers.milp_model import CLASSES, RunModel, check, solve_each

LIBRARY = "cplex"
__all__ = ["CLASSES", "check", "run", "version"]
PIP = "cplex docplex (or schedbench[cplex])"


def version() -> str:
    import cplex

    return f"cplex {cplex.__version__}"


def run(ctx: SolveContext, formulation: Formulation = "paper", log: bool = False) -> Outcome:
    """The class's model (one per candidate II for modulo: ``milp_model.solve_each``)."""
    built = time.perf_counter()
    return solve_each(ctx, formulation, lambda c, run_model: _solve(c, run_model, log, built))


def _solve(ctx: SolveContext, run_model: RunModel, log: bool, built: float) -> Outcome:
    """One solve of ``run_model``, every schedule reported, its status and bound."""
    import cplex
    from cplex.exceptions import CplexSolverError

    lm = run_model.model
    c = cplex.Cplex()
    if not log:
        for stream in (
            c.set_log_stream,
            c.set_results_stream,
            c.set_warning_stream,
            c.set_error_stream,
        ):
            stream(None)
    c.objective.set_sense(c.objective.sense.minimize)
    c.variables.add(
        obj=lm.obj.tolist(),
        lb=lm.lb.tolist(),
        ub=[cplex.infinity if not np.isfinite(u) else float(u) for u in lm.ub],
        types=["I" if flag else "C" for flag in lm.integer],
    )
    code = {"==": "E", ">=": "G", "<=": "L"}
    rows, senses, rhs = [], [], []
    for cols, vals, sense, value in lm.constraints():
        rows.append(cplex.SparsePair(cols, vals))
        senses.append(code[sense])
        rhs.append(value)
    c.linear_constraints.add(lin_expr=rows, senses=senses, rhs=rhs)
    c.parameters.threads.set(max(1, ctx.threads))
    c.parameters.randomseed.set(ctx.seed)
    if run_model.start is not None:
        values = run_model.start.tolist()
        c.MIP_starts.add(
            cplex.SparsePair(list(range(lm.num_cols)), values),
            c.MIP_starts.effort_level.check_feasibility,
        )

    class Candidates:
        def invoke(self, context) -> None:
            if context.in_candidate() and context.is_candidate_point():
                info = cplex.callbacks.Context.info
                ctx.report(
                    run_model.decode(np.asarray(context.get_candidate_point())),
                    bound=context.get_double_info(info.best_bound),
                )

    c.set_callback(Candidates(), cplex.callbacks.Context.id.candidate)
    c.parameters.timelimit.set(max(0.01, ctx.remaining()))
    build_time = time.perf_counter() - built
    try:
        c.solve()
    except CplexSolverError as err:
        if "size" in str(err).lower() or getattr(err, "args", [None, None, None])[2] == 1016:
            return Outcome(Status.SKIPPED, build_time=build_time, message=f"CPLEX: {err}")
        raise
    solution = c.solution
    code = solution.get_status()
    has_solution = solution.is_primal_feasible()
    if has_solution:
        ctx.report(run_model.decode(np.asarray(solution.get_values())))
    status_codes = solution.status
    if code in (status_codes.MIP_optimal, status_codes.optimal_tolerance):
        status = Status.OPTIMAL
    elif code in (status_codes.MIP_infeasible,):
        status = Status.NO_SOLUTION
    elif code in (
        status_codes.MIP_time_limit_feasible,
        status_codes.MIP_time_limit_infeasible,
        status_codes.abort_time_limit,
    ):
        status = Status.TIMEOUT
    else:
        status = Status.ERROR
    bound = solution.MIP.get_best_objective() if has_solution else None
    return Outcome(
        status,
        bound=bound,
        build_time=build_time,
        message=solution.get_status_string(),
    )
