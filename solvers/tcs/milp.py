"""The time-indexed MILP of TCS on the shared :class:`~schedbench.solvers.formulations.LinearModel`.

x[i, t] = 1 when operation i starts at cycle t, for t in [ASAP_i, ALAP_i] under the
latency bound; sum_t x[i, t] = 1; precedence sum_t t x[j, t] - sum_t t x[i, t] >= d_i per
edge; per kind k and cycle c, the operations of the kind busy at c (started in
(c - d_i, c]) use at most u_k units, an integer from the kind's lower bound up; min
sum_k cost_k u_k. The EDS repository's TC ILP states the same model (its rows over
cycles where a single operation could run are implied by u_k >= 1). HiGHS solves it here;
Gurobi, CPLEX and CBC take it through :mod:`schedbench.solvers.milp_model`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from schedbench.problems.tcs import TCSProblem
from schedbench.solvers.base import Outcome, SolveContext, Status, host_memory_gb, too_large
from schedbench.solvers.formulations import LinearModel, ModelBuilder
from schedbench.solvers.rcs.milp import (
    BYTES_PER_NONZERO,
    decode_starts,
    start_windows,
    window_nonzeros,
)
from schedbench.solvers.tcs import first_schedule

LIBRARY = "highspy"
PIP = "highspy"
CLASSES = ("tcs",)


def version() -> str:
    from schedbench.solvers.highs import version as highs_version

    return highs_version()


@dataclass(frozen=True)
class TimeIndexed:
    """The model and, per operation, its first column and window (to decode and encode)."""

    model: LinearModel
    first: np.ndarray
    lo: np.ndarray
    width: np.ndarray
    units: np.ndarray  # column of u_k per kind
    problem: TCSProblem

    def decode(self, x: np.ndarray) -> np.ndarray:
        """Start cycles from a solution vector."""
        return decode_starts(x, self.first, self.lo, self.width)

    def encode(self, start: np.ndarray) -> np.ndarray:
        """A solution vector for a feasible schedule (a MIP start)."""
        x = np.zeros(self.model.num_cols)
        x[self.first + (np.asarray(start) - self.lo)] = 1.0
        x[self.units] = self.problem.evaluate(start).units[0]
        return x


def build(problem: TCSProblem) -> TimeIndexed:
    """The time-indexed model of ``problem``."""
    d = problem.node_delay
    lo, hi = problem.asap.astype(np.int64), problem.alap.astype(np.int64)
    b = ModelBuilder()
    first, owner, cycle, width = start_windows(b, problem, lo, hi)
    low = problem.unit_lower_bounds()
    units = np.concatenate(
        [
            b.columns([f"units_{k}"], float(low[i]), problem.n, True, float(problem.kind_cost[i]))
            for i, k in enumerate(problem.kinds)
        ]
    ).astype(np.int64)
    rows, cols, vals, count = [], [], [], 0
    kind = problem.node_kind[owner]
    for k in range(len(problem.kinds)):
        mine = np.flatnonzero(kind == k)
        busy_from, busy_to = cycle[mine], cycle[mine] + d[owner[mine]]
        for c in range(problem.latency):
            hit = mine[(busy_from <= c) & (c < busy_to)]
            if len(hit) > int(low[k]):  # a row that can bind (u_k >= low[k] holds anyway)
                rows += [np.full(len(hit), count), [count]]
                cols += [hit, [units[k]]]
                vals += [np.ones(len(hit)), [-1.0]]
                count += 1
    if count:
        b.constraints(
            np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), count, -np.inf, 0.0
        )
    model = b.build_for("tcs-time-indexed", problem.n, problem.latency)
    return TimeIndexed(model, first, lo, width, units, problem)


def model_nonzeros(problem: TCSProblem) -> int:
    """The nonzeros :func:`build` would write: the windows' rows, and each busy row's unit
    column (one per kind and cycle at most)."""
    windows = window_nonzeros(problem, problem.asap, problem.alap)
    return windows + len(problem.kinds) * int(problem.latency)


def run(ctx: SolveContext) -> Outcome:
    """HiGHS on the time-indexed model from ASAP (or the warm start), every improving
    schedule reported as it is found."""
    import highspy

    from schedbench.solvers.highs import to_highs

    built = time.perf_counter()
    problem = ctx.problem
    nonzeros = model_nonzeros(problem)
    what = f"the time-indexed model ({nonzeros:,} nonzeros)"
    if skip := too_large(nonzeros * BYTES_PER_NONZERO / 2**30, host_memory_gb(), what):
        return skip  # before the first schedule: a skipped run holds none
    hint = first_schedule(ctx)
    indexed = build(problem)
    h = to_highs(indexed.model)
    highspy.Highs.resetGlobalScheduler(True)
    h.setOptionValue("threads", max(1, ctx.threads))
    h.setOptionValue("random_seed", ctx.seed)

    def improving(event) -> None:
        ctx.report(indexed.decode(np.asarray(event.data_out.mip_solution)))

    h.cbMipImprovingSolution.subscribe(improving)
    h.setOptionValue("time_limit", max(0.01, ctx.remaining()))
    solution = highspy.HighsSolution()
    solution.col_value = indexed.encode(hint).tolist()
    h.setSolution(solution)
    build_time = time.perf_counter() - built
    h.run()
    info = h.getInfo()
    if info.primal_solution_status == 2:
        ctx.report(indexed.decode(np.asarray(h.getSolution().col_value)))
    optimal = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    bound = float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else None
    return Outcome(Status.OPTIMAL if optimal else None, bound=bound, build_time=build_time)
