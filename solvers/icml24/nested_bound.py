"""nested_bound: a lower bound for the paper's class that sees the nesting of the boundaries.

Any schedule of peak P is a chain of predecessor-closed sets S_0 ⊆ ... ⊆ S_{L-2} (S_k: the
nodes at stage k or earlier) with W - (L-1-k) P <= w(S_k) <= (k+1) P (the stages after k
hold at most P each, those up to k too), stage loads w(S_k) - w(S_{k-1}) <= P, every node
inside its window, and comm = sum over k of the counted edges leaving S_k. Relaxing the
chain into blocks of ``block`` consecutive boundaries that each only nest among themselves,
comm(P) >= sum over blocks of the block's minimum, and CP-SAT's proven objective bound for
each block (``seconds`` each) is a valid lower bound of that minimum whether or not it
finishes. The relaxations the LP and the Lagrangian give are the trivial bound here (a
uniform fractional spread cuts nothing; docs/problems/icml24.md); the blocks force whole
nodes to sit on one side of several nested boundaries at once.

The cost bound is min over peaks P >= the trivial peak bound of R P + comm(P); comm(P) does
not increase with P, so peaks are tried upwards until R P alone reaches the best bound so
far. The run reports no schedule, only the bound (``bound_source`` nested_bound in the
registry).
"""

from __future__ import annotations

import math
import time

import numpy as np

from schedbench.solvers.base import Outcome, SolveContext, Status, host_memory_gb, too_large

LIBRARY = "ortools"
PIP = "ortools"
CLASSES = ("icml24",)
FAMILY = "exact"
BYTES_PER_ENTRY = 900


def version() -> str:
    import ortools

    return f"ortools {ortools.__version__}"


def run(ctx: SolveContext, block: int = 3, seconds: float | None = None) -> Outcome:
    """See the module docstring; ``seconds`` per block model (default: the budget spread
    over the first peak's blocks)."""
    problem = ctx.problem
    if not float(problem.ratio).is_integer():
        return Outcome(Status.SKIPPED, message="nested_bound needs an integer ratio R")
    if block < 1:
        raise ValueError(f"block={block} must be at least 1 boundary")
    boundaries = problem.stages - 1
    entries = (problem.n + problem.m) * min(block, max(1, boundaries))
    need = entries * BYTES_PER_ENTRY * (1 + max(1, ctx.threads)) / 2**30
    what = f"a block model ({entries:,} booleans and edges, {ctx.threads} workers)"
    if (skip := too_large(need, host_memory_gb(), what)) is not None:
        return skip
    started = time.perf_counter()
    ratio = int(problem.ratio)
    blocks = [list(range(a, min(a + block, boundaries))) for a in range(0, boundaries, block)]
    if seconds is None:
        seconds = max(1.0, 0.8 * ctx.remaining() / max(1, len(blocks)))
    peak = int(problem.peak_lower_bound)
    best, tried, proved = math.inf, 0, True
    while ratio * peak < best and not ctx.should_stop():
        comm, exact = 0, True
        for chosen in blocks:
            value, closed = block_bound(problem, peak, chosen, seconds, ctx)
            comm, exact = comm + value, exact and closed
        best = min(best, ratio * peak + max(comm, int(problem.comm_lower_bound)))
        proved &= exact
        tried += 1
        peak += 1
    if ctx.should_stop() and ratio * peak < best:  # the peaks left unchecked: comm >= 0
        best = min(best, ratio * peak + int(problem.comm_lower_bound))
    best = max(best, float(problem.trivial_lower_bound))
    what = "all blocks solved to optimality" if proved else "some blocks only bounded"
    return Outcome(
        Status.NO_SOLUTION if math.isfinite(best) else Status.TIMEOUT,
        bound=best,
        build_time=0.0,
        message=f"bound {best:g} from {tried} peaks, blocks of {block} ({what}) "
        f"in {time.perf_counter() - started:.1f} s",
    )


def block_bound(problem, peak: int, chosen: list[int], seconds: float,
                ctx: SolveContext) -> tuple[int, bool]:  # fmt: skip
    """A proven lower bound on the least sum of cuts over the boundaries ``chosen`` at
    ``peak`` (and whether it is the block's optimum)."""
    from ortools.sat.python import cp_model

    from schedbench.solvers.base import interruptible

    n, stages = problem.n, problem.stages
    total = int(problem.w.sum())
    w = problem.w.astype(np.int64).tolist()
    asap, alap = problem.asap.tolist(), problem.alap.tolist()
    model = cp_model.CpModel()
    x = {k: [model.new_bool_var("") for _ in range(n)] for k in chosen}
    for k in chosen:
        for v in range(n):
            if alap[v] <= k:
                model.add(x[k][v] == 1)
            elif asap[v] > k:
                model.add(x[k][v] == 0)
        load = cp_model.LinearExpr.weighted_sum(x[k], w)
        model.add(load >= max(0, total - (stages - 1 - k) * peak))
        model.add(load <= min(total, (k + 1) * peak))
        if k - 1 in x:
            for v in range(n):
                model.add_implication(x[k - 1][v], x[k][v])  # nested
            model.add(load - cp_model.LinearExpr.weighted_sum(x[k - 1], w) <= peak)
    for u, v, d in zip(problem.src.tolist(), problem.dst.tolist(), problem.d.tolist(),
                       strict=True):  # fmt: skip
        for k in chosen:
            model.add_implication(x[k][v], x[k][u])  # s_u <= s_v in every schedule
            if d >= 1:
                if k - d in x:
                    model.add_implication(x[k][v], x[k - d][u])
                elif k - d < 0:
                    model.add(x[k][v] == 0)
    slope = (-problem.comm_slope).tolist()  # on a closed S_k: the counted edges leaving it
    model.minimize(sum(cp_model.LinearExpr.weighted_sum(x[k], slope) for k in chosen))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, min(seconds, ctx.remaining()))
    solver.parameters.num_workers = max(1, ctx.threads)
    solver.parameters.random_seed = ctx.seed
    with interruptible(solver.stop_search):
        status = solver.solve(model)
    if status == cp_model.INFEASIBLE:  # no chain at this peak: its schedules do not exist
        return 1 << 40, True
    if status == cp_model.MODEL_INVALID:
        raise RuntimeError("nested_bound built an invalid CP-SAT model")
    bound = solver.best_objective_bound if status != cp_model.UNKNOWN else 0.0
    return max(0, math.ceil(bound - 1e-6)), status == cp_model.OPTIMAL
