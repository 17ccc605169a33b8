"""HiGHS (highspy) on the shared MILP models.

Incumbents come from the improving-solution callback (cbMipImprovingSolution); the dual
bound is HiGHS's ``mip_dual_bound``. A warm start is passed with ``setSolution``.
"""

from __future__ import annotations

import time

import numpy as np

from schedbench.solvers.base import Outcome, SolveContext, Status, host_memory_gb, too_large
from schedbench.solvers.formulations import Formulation, LinearModel, build, encode

LIBRARY = "highspy"
PIP = "highspy"
CLASSES = ("icml24",)  # the problem classes it solves


BYTES_PER_NONZERO = 400  # HiGHS's copy of the model, presolve and factorization


def version() -> str:
    import highspy

    h = highspy.Highs()
    return f"highs {h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"


def to_highs(model: LinearModel, *, relax: bool = False):
    """A highspy.Highs holding ``model`` (continuous when ``relax``)."""
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = model.num_cols, model.num_rows
    lp.col_cost_ = model.obj
    lp.col_lower_, lp.col_upper_ = model.lb, model.ub
    lp.row_lower_, lp.row_upper_ = model.row_lo, model.row_hi
    start, index, value = model.csc()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = model.num_cols, model.num_rows
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = start, index, value
    if not relax:
        kinds = (highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger)
        lp.integrality_ = [kinds[int(flag)] for flag in model.integer]
    if h.passModel(lp) != highspy.HighsStatus.kOk:
        raise RuntimeError(f"HiGHS rejected the {model.formulation} model")
    return h


def run(ctx: SolveContext, formulation: Formulation = "paper", log: bool = False) -> Outcome:
    import highspy

    problem = ctx.problem
    built = time.perf_counter()
    estimate = 3 * problem.n * problem.stages + 2 * problem.m  # the compact model's nonzeros
    for nonzeros in (estimate, None):  # before building (a lower bound), then exactly
        if nonzeros is None:
            model = build(problem, formulation)
            nonzeros = model.nnz
        need = nonzeros * BYTES_PER_NONZERO / 2**30
        what = f"the {formulation} model ({nonzeros:,} nonzeros)"
        if (skip := too_large(need, host_memory_gb(), what)) is not None:
            return skip
    h = to_highs(model)
    h.setOptionValue("output_flag", log)
    # HiGHS keeps one global thread pool; a pool sized by an earlier run makes this run
    # fail unless it is reset to the thread count asked for now.
    highspy.Highs.resetGlobalScheduler(True)
    h.setOptionValue("threads", max(1, ctx.threads))
    h.setOptionValue("random_seed", ctx.seed)
    if ctx.warm_start is not None:
        solution = highspy.HighsSolution()
        solution.col_value = encode(model, ctx.problem, ctx.warm_start).tolist()
        h.setSolution(solution)

    def improving(event) -> None:
        data = event.data_out
        ctx.report(model.decode(np.asarray(data.mip_solution)), bound=data.mip_dual_bound)

    h.cbMipImprovingSolution.subscribe(improving)
    h.setOptionValue("time_limit", max(0.01, ctx.remaining()))
    build_time = time.perf_counter() - built
    h.run()
    info = h.getInfo()
    status = h.getModelStatus()
    if info.primal_solution_status == 2:  # the final incumbent, in case no callback fired
        ctx.report(model.decode(np.asarray(h.getSolution().col_value)))
    return Outcome(
        _status(status, highspy),
        bound=info.mip_dual_bound,
        build_time=build_time,
        message=h.modelStatusToString(status),
    )


def _status(status, highspy) -> Status:
    ms = highspy.HighsModelStatus
    if status == ms.kOptimal:
        return Status.OPTIMAL
    if status == ms.kInfeasible:
        return Status.NO_SOLUTION
    if status in (ms.kTimeLimit, ms.kInterrupt, ms.kIterationLimit, ms.kSolutionLimit):
        return Status.TIMEOUT
    return Status.ERROR
