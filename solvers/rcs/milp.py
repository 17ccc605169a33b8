"""The time-indexed MILP of RCS on the shared :class:`~schedbench.solvers.formulations.LinearModel`.

x[i, t] = 1 when operation i starts at cycle t, for t in its window [ASAP_i, H - tail_i -
d_i] (H: a known schedule's latency); sum_t x[i, t] = 1; precedence sum_t t x[j, t] -
sum_t t x[i, t] >= d_i per edge; per type r and cycle c, the operations busy at c (started
in (c - d_i, c]) use at most G_r units; the latency M >= start_i + d_i for every sink; min M.
The model is library-neutral: HiGHS solves it here (``to_highs``), and the MILP back-ends
that read a LinearModel can take it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from schedbench.problems.rcs import RCSProblem
from schedbench.solvers.base import Outcome, SolveContext, host_memory_gb, too_large
from schedbench.solvers.formulations import LinearModel, ModelBuilder
from schedbench.solvers.rcs import ExactResult

LIBRARY = "highspy"
PIP = "highspy"
CLASSES = ("rcs",)
BYTES_PER_NONZERO = 200  # HiGHS's copy, presolve and search of a time-indexed model


def version() -> str:
    from schedbench.solvers.highs import version as highs_version

    return highs_version()


def run(ctx: SolveContext) -> Outcome:
    """HiGHS on the time-indexed model from the list schedule (or the warm start),
    every improving schedule reported as it is found."""
    import time

    from schedbench.solvers.rcs import exact_outcome, first_schedule

    built = time.perf_counter()
    hint = first_schedule(ctx, report=False)
    nonzeros = model_nonzeros(ctx.problem, int((hint + ctx.problem.node_delay).max()))
    what = f"the time-indexed model ({nonzeros:,} nonzeros)"
    if skip := too_large(nonzeros * BYTES_PER_NONZERO / 2**30, host_memory_gb(), what):
        return skip  # before the first schedule: a skipped run holds none
    ctx.report(hint)
    result = solve_highs(
        ctx.problem, 0.0, hint, threads=ctx.threads, seed=ctx.seed, ctx=ctx, built=built
    )
    return exact_outcome(ctx, result)


def window_nonzeros(problem: Any, lo: np.ndarray, hi: np.ndarray) -> int:
    """The nonzeros of :func:`start_windows`' rows and of the busy rows RCS and TCS add,
    counted from the windows [lo_i, hi_i] alone (before anything is built): each x column
    once in its start row, once per incident edge, once per cycle it keeps a unit busy
    (busy rows that cannot bind are left out by the builds: an upper bound there)."""
    d = problem.node_delay.astype(np.int64)
    width = np.maximum(np.asarray(hi) - np.asarray(lo) + 1, 0).astype(np.int64)
    edges = width[problem.src].sum() + width[problem.dst].sum()
    return int((width * (1 + d)).sum() + edges)


def model_nonzeros(problem: RCSProblem, horizon: int) -> int:
    """The nonzeros :func:`build` would write for ``horizon``: the windows' rows, and each
    sink's columns once more in its latency row."""
    hi = horizon - problem.tail - problem.node_delay
    sinks = np.asarray([not succ for succ in problem.successors], bool)
    width = np.maximum(hi - problem.asap + 1, 0)
    return window_nonzeros(problem, problem.asap, hi) + int(width[sinks].sum() + sinks.sum())


@dataclass(frozen=True)
class TimeIndexed:
    """The model, and each operation's first column and window start (to decode)."""

    model: LinearModel
    first: np.ndarray  # column of x[i, window start]
    lo: np.ndarray  # window start per operation
    width: np.ndarray  # window length per operation
    delay: np.ndarray  # per operation
    makespan: int  # column of M

    def decode(self, x: np.ndarray) -> np.ndarray:
        """Start cycles from a solution vector."""
        return decode_starts(x, self.first, self.lo, self.width)

    def encode(self, start: np.ndarray) -> np.ndarray:
        """A solution vector for a feasible schedule (a MIP start)."""
        x = np.zeros(self.model.num_cols)
        x[self.first + (np.asarray(start) - self.lo)] = 1.0
        x[self.makespan] = float(np.max(np.asarray(start) + self.delay))
        return x


def decode_starts(
    x: np.ndarray, first: np.ndarray, lo: np.ndarray, width: np.ndarray
) -> np.ndarray:
    """Start cycles of a time-indexed solution: per operation, the cycle of the largest
    x[i, t] in its window (columns first_i .. first_i + width_i, cycles from lo_i)."""
    x = np.asarray(x, dtype=np.float64)
    return np.asarray(
        [
            low + int(np.argmax(x[start : start + size]))
            for start, low, size in zip(first, lo, width, strict=True)
        ],
        dtype=np.int64,
    )


def start_windows(b: ModelBuilder, problem: Any, lo: np.ndarray, hi: np.ndarray) -> tuple:
    """The part of a time-indexed model RCS and TCS share: a binary x[i, t] per operation
    i and cycle t of its window [lo_i, hi_i], one start per operation, and each edge's
    delay (sum t x[j, t] - sum t x[i, t] >= d_i). Returns (first column of each
    operation, each column's operation, each column's cycle, window widths)."""
    d = problem.node_delay
    width = (hi - lo + 1).astype(np.int64)
    first = np.concatenate([[0], np.cumsum(width)[:-1]]).astype(np.int64)
    owner = np.repeat(np.arange(problem.n), width)  # operation of each x column
    cycle = np.concatenate([np.arange(a, z + 1) for a, z in zip(lo, hi, strict=True)])
    b.columns([f"x{i}_{t}" for i, t in zip(owner, cycle, strict=True)], 0, 1, True)
    x = np.arange(len(owner))
    b.constraints(owner, x, np.ones(len(x)), problem.n, 1.0, 1.0)  # one start each
    rows, cols, vals = [], [], []
    for e, (s, t) in enumerate(zip(problem.src.tolist(), problem.dst.tolist(), strict=True)):
        for op, sign in ((t, 1.0), (s, -1.0)):
            span = np.arange(first[op], first[op] + width[op])
            rows.append(np.full(len(span), e))
            cols.append(span)
            vals.append(sign * cycle[span])
    if rows:
        b.constraints(
            np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), problem.m,
            d[problem.src].astype(float), np.inf,
        )  # fmt: skip
    return first, owner, cycle, width


def build(problem: RCSProblem, horizon: int) -> TimeIndexed:
    """The time-indexed model with latency at most ``horizon``."""
    d = problem.node_delay
    lo = problem.asap.astype(np.int64)
    hi = horizon - problem.tail - d
    if (hi < lo).any():
        raise ValueError(f"horizon {horizon} is below the critical path {problem.critical_path}")
    b = ModelBuilder()
    first, owner, cycle, width = start_windows(b, problem, lo, hi)
    makespan = int(b.columns(["latency"], problem.lower_bound, horizon, True, 1.0)[0])
    # units: per type and cycle, the operations started in (c - d_i, c]
    rows, cols, caps, count = [], [], [], 0
    for k in range(len(problem.types)):
        mine = np.flatnonzero(problem.op_type[owner] == k)
        busy_from, busy_to = cycle[mine], cycle[mine] + d[owner[mine]]
        for c in range(horizon):
            hit = mine[(busy_from <= c) & (c < busy_to)]
            if len(hit) > int(problem.units[k]):  # a row that can bind
                rows.append(np.full(len(hit), count))
                cols.append(hit)
                caps.append(float(problem.units[k]))
                count += 1
    if count:
        b.constraints(
            np.concatenate(rows), np.concatenate(cols), np.ones(sum(map(len, cols))), count,
            -np.inf, np.asarray(caps),
        )  # fmt: skip
    # latency >= start + d for every sink
    sinks = [i for i in range(problem.n) if not problem.successors[i]]
    rows, cols, vals = [], [], []
    for r, op in enumerate(sinks):
        span = np.arange(first[op], first[op] + width[op])
        rows += [np.full(len(span), r), [r]]
        cols += [span, [makespan]]
        vals += [-cycle[span].astype(float), [1.0]]
    b.constraints(
        np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), len(sinks),
        d[sinks].astype(float), np.inf,
    )  # fmt: skip
    model = b.build_for("rcs-time-indexed", problem.n, horizon)
    return TimeIndexed(model, first, lo, width, d, makespan)


def proved_latency(lower: int, dual: float) -> int:
    """The latency HiGHS proved: its dual bound rounded up, never below the class's bound.
    A run the harness stops (its schedule met the class's bound) can end before HiGHS has
    a dual bound at all (infinite): then the class's bound is what is proved."""
    return max(lower, int(np.ceil(dual - 1e-6))) if np.isfinite(dual) else lower


def solve_highs(
    problem: RCSProblem,
    time_limit: float,
    hint: np.ndarray,
    threads: int = 1,
    seed: int = 0,
    ctx: SolveContext | None = None,
    built: float | None = None,
) -> ExactResult:
    """HiGHS on the time-indexed model over the hint's horizon, the hint as MIP start
    (``ctx``: report every improving schedule and stop at its budget instead)."""
    import time

    import highspy

    from schedbench.solvers.highs import to_highs

    built = time.perf_counter() if built is None else built
    indexed = build(problem, int((hint + problem.node_delay).max()))
    h = to_highs(indexed.model)
    highspy.Highs.resetGlobalScheduler(True)
    h.setOptionValue("threads", max(1, threads))
    h.setOptionValue("random_seed", seed)
    if ctx is not None:

        def improving(event) -> None:
            ctx.report(indexed.decode(np.asarray(event.data_out.mip_solution)))

        h.cbMipImprovingSolution.subscribe(improving)
        time_limit = ctx.remaining()
    h.setOptionValue("time_limit", max(0.01, float(time_limit)))
    build_time = time.perf_counter() - built
    solution = highspy.HighsSolution()
    solution.col_value = indexed.encode(hint).tolist()
    h.setSolution(solution)
    h.run()
    info = h.getInfo()
    bound = proved_latency(problem.lower_bound, info.mip_dual_bound)
    if info.primal_solution_status != 2:
        return ExactResult(None, None, bound, False, build_time)
    start = indexed.decode(np.asarray(h.getSolution().col_value))
    latency = int((start + problem.node_delay).max())
    optimal = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return ExactResult(start, latency, bound, optimal, build_time)
