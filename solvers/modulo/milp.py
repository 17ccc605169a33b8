"""The time-indexed MILP of modulo scheduling (Eichenberger and Davidson's modulo
reservation rows) on the shared :class:`~schedbench.solvers.formulations.LinearModel`,
solved with HiGHS one II at a time.

At a fixed II: x[i, t] = 1 when operation i starts at cycle t of its window [earliest_i,
min(top - tail_i, horizon)]; one start per operation; per edge sum_t t x[j, t] - sum_t t
x[i, t] >= lat_i + delay - distance * II; per limited resource and slot s < II, the
starts t with (t + k) mod II = s for k below the blocking time use at most its limit;
the length L >= sum_t (t + lat_i) x[i, t]; minimize L. ``top`` is the incumbent's length
at its own II and horizon(II) + max latency below it, which makes an infeasible model a
proof that the II is infeasible; a model over ``max_columns`` start columns is built on
a shorter horizon instead and then proves nothing (the message says so). The search
runs from MinII to the incumbent's II (iterative modulo scheduling gives the first).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from schedbench.problems.modulo import LENGTH_SCALE, ModuloProblem
from schedbench.solvers.base import Outcome, SolveContext, Status
from schedbench.solvers.formulations import LinearModel, ModelBuilder
from schedbench.solvers.modulo import heuristic_start

LIBRARY = "highspy"
PIP = "highspy"
CLASSES = ("modulo",)
FAMILY = "exact"  # how the verdict groups it (studies.families)


def version() -> str:
    from schedbench.solvers.highs import version as highs_version

    return highs_version()


@dataclass(frozen=True)
class AtII:
    """The model at one II, how to read starts from it, and whether it is complete (an
    infeasible model proves the II infeasible)."""

    model: LinearModel
    ii: int
    first: np.ndarray  # each operation's first column
    lo: np.ndarray  # each operation's first cycle
    width: np.ndarray
    length: int  # the column of L
    complete: bool
    latency: np.ndarray  # per operation

    def decode(self, x: np.ndarray) -> np.ndarray:
        """The schedule vector (starts, then II) of a solution."""
        x = np.asarray(x, np.float64)
        start = [lo + int(np.argmax(x[f : f + w]))
                 for f, lo, w in zip(self.first, self.lo, self.width, strict=True)]  # fmt: skip
        return np.append(np.asarray(start, np.int64), self.ii)

    def encode(self, start: np.ndarray) -> np.ndarray:
        x = np.zeros(self.model.num_cols)
        x[self.first + (np.asarray(start) - self.lo)] = 1.0
        x[self.length] = float((np.asarray(start) + self.latency).max())
        return x


def build(problem: ModuloProblem, ii: int, top: int | None = None,
          max_columns: int = 400_000) -> AtII | None:  # fmt: skip
    """The model at ``ii`` with lengths up to ``top`` (default: the horizon's), or None
    when no operation window is left."""
    lo = problem.earliest(ii)
    tail = problem.tails(ii)
    lat = problem.latency
    horizon = problem.horizon(ii)
    full = horizon + int(lat.max())
    complete = True
    top = full if top is None else min(top, full)
    hi = np.minimum(horizon, top - tail)
    if int(np.maximum(hi - lo + 1, 0).sum()) > max_columns:
        complete = False
        while top > int((lo + tail).max()) and int(np.maximum(hi - lo + 1, 0).sum()) > max_columns:
            top = int((lo + tail).max()) + (top - int((lo + tail).max())) // 2
            hi = np.minimum(horizon, top - tail)
    if (hi < lo).any():
        return None
    n = problem.n_ops
    width = (hi - lo + 1).astype(np.int64)
    first = np.concatenate([[0], np.cumsum(width)[:-1]]).astype(np.int64)
    owner = np.repeat(np.arange(n), width)
    cycle = np.concatenate([np.arange(a, z + 1) for a, z in zip(lo, hi, strict=True)])
    b = ModelBuilder()
    b.columns([f"x{i}_{t}" for i, t in zip(owner, cycle, strict=True)], 0, 1, True)
    columns = np.arange(len(owner))
    b.constraints(owner, columns, np.ones(len(columns)), n, 1.0, 1.0)
    rows, cols, vals, need = [], [], [], []
    r = 0
    for e in range(problem.m):
        a, z = int(problem.src[e]), int(problem.dst[e])
        gap = float(problem.weight[e] - problem.distance[e] * ii)
        if a == z:
            if gap > 0:
                return None
            continue
        for op, sign in ((z, 1.0), (a, -1.0)):
            span = np.arange(first[op], first[op] + width[op])
            rows.append(np.full(len(span), r))
            cols.append(span)
            vals.append(sign * cycle[span])
        need.append(gap)
        r += 1
    if r:
        b.constraints(np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), r,
                      np.asarray(need), np.inf)  # fmt: skip
    rows, cols, counts, caps = [], [], [], []
    r = 0
    for res, cap in enumerate(problem.limit.tolist()):
        ops = problem.limited[problem.resource[problem.limited] == res]
        if cap <= 0 or not ops.size:
            continue
        mine = np.flatnonzero(np.isin(owner, ops))
        for s in range(ii):
            blocks = range(int(problem.blocking[ops].max()))
            hit = [mine[((cycle[mine] + k) % ii == s) & (problem.blocking[owner[mine]] > k)]
                   for k in blocks]  # fmt: skip
            hit = np.concatenate(hit) if hit else np.zeros(0, np.int64)
            if len(hit) > cap:  # a start that wraps onto the slot twice counts twice
                column, count = np.unique(hit, return_counts=True)
                rows.append(np.full(len(column), r))
                cols.append(column)
                counts.append(count.astype(float))
                caps.append(float(cap))
                r += 1
    if r:
        b.constraints(np.concatenate(rows), np.concatenate(cols), np.concatenate(counts), r,
                      -np.inf, np.asarray(caps))  # fmt: skip
    floor = problem.length_bound(ii)
    length = int(b.columns(["length"], floor, max(floor, top), True, 1.0)[0])
    rows, cols, vals = [], [], []
    for i in range(n):
        span = np.arange(first[i], first[i] + width[i])
        rows += [np.full(len(span), i), [i]]
        cols += [span, [length]]
        vals += [-(cycle[span] + lat[i]).astype(float), [1.0]]
    b.constraints(np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), n, 0.0,
                  np.inf)  # fmt: skip
    model = b.build_for(f"modulo-time-indexed-ii{ii}", n, top)
    return AtII(model, ii, first, lo.astype(np.int64), width, length, complete, lat)


def run(ctx: SolveContext, max_columns: int = 400_000, ii_share: float = 0.5) -> Outcome:
    """HiGHS on the model of each II (see :func:`search`)."""
    return search(ctx, lambda at, start, limit: _highs(ctx, at, start, limit), max_columns,
                  ii_share)  # fmt: skip


Attempt = Callable[[AtII, "np.ndarray | None", float], tuple[str, "float | None"]]


def search(ctx: SolveContext, solve_at: Attempt, max_columns: int = 400_000,
           ii_share: float = 0.5) -> Outcome:  # fmt: skip
    """The II-by-II search any MILP library runs: the first schedules (the loop without
    overlap, iterative modulo scheduling), then ``solve_at(model, mip_start)`` at each II
    from MinII to the incumbent's for at most ``ii_share`` of the budget each (the
    incumbent's II: the time left), which reports its schedules and returns 'infeasible',
    'optimal', 'feasible', 'unknown' or 'skipped' and its proven length bound. An
    infeasible complete model proves the II infeasible (the bound moves to the next II);
    an unresolved one moves on unproved; a solved one ends the search."""
    problem = ctx.problem
    built = time.perf_counter()
    heuristic_start(ctx)
    ii = problem.min_ii
    build_time = time.perf_counter() - built
    floor = ii  # every II below it is proved infeasible
    bound, notes, status = problem.cost_bound(ii), [], None
    while not ctx.should_stop():
        best = ctx.best_schedule
        ii_best = int(best[-1])
        top = int((best[:-1] + problem.latency).max()) if ii == ii_best else None
        at = build(problem, ii, top, max_columns)
        if at is None:
            notes.append(f"II {ii}: no window")
            floor, bound = _proved(problem, ii, floor, bound)
            ii += 1
            continue
        limit = (
            ctx.remaining() if ii == ii_best else min(ctx.remaining(), ii_share * ctx.time_limit)
        )
        kind, proved = solve_at(at, best[:-1] if ii == ii_best else None, limit)
        if kind == "skipped":
            return Outcome(Status.SKIPPED, build_time=build_time,
                           message=f"II {ii}: the library refused the model")  # fmt: skip
        if kind == "infeasible":
            if not at.complete:
                notes.append(f"II {ii} infeasible within a shortened horizon (no proof)")
                if ii >= ii_best:
                    break
                ii += 1
                continue
            notes.append(f"II {ii} proved infeasible")
            floor, bound = _proved(problem, ii, floor, bound)
            ii += 1
            continue
        if kind == "unknown" and ii < ii_best and not ctx.should_stop():
            notes.append(f"II {ii} unresolved in its share (no proof)")
            ii += 1  # its share is spent: the next II, unproved
            continue
        if kind in ("optimal", "feasible"):
            # a solve stopped early (the run's best met its bound) may prove nothing: inf
            known = proved is not None and np.isfinite(proved)
            proved = max(problem.length_bound(ii), int(np.ceil(proved - 1e-6)) if known else 0)
            if ii == floor and (at.complete or ii == ii_best):
                bound = max(bound, ii * LENGTH_SCALE + proved)
            if kind == "optimal" and bound >= ctx.best_cost:
                status = Status.OPTIMAL
            if kind == "feasible" and ii < ii_best and not ctx.should_stop():
                continue  # a schedule at a lower II: shorten it with the time left
        break
    message = "; ".join([*notes, f"II {int(ctx.best_schedule[-1])}"])
    return Outcome(status, bound=bound, build_time=build_time, message=message)


def _proved(problem: ModuloProblem, ii: int, floor: int, bound: float) -> tuple[int, float]:
    """The floor (every II below it infeasible) and the bound once ``ii`` is proved
    infeasible: they move only when ``ii`` was the floor (no unproved II below it)."""
    if ii != floor:
        return floor, bound
    return floor + 1, problem.cost_bound(floor + 1)


def _highs(ctx: SolveContext, at: AtII, start: np.ndarray | None,
           limit: float) -> tuple[str, float | None]:  # fmt: skip
    """One HiGHS solve of ``at`` for ``limit`` seconds (gap 0: the length is proved)."""
    import highspy

    from schedbench.solvers.highs import to_highs

    h = to_highs(at.model)
    h.setOptionValue("output_flag", False)
    highspy.Highs.resetGlobalScheduler(True)
    h.setOptionValue("threads", max(1, ctx.threads))
    h.setOptionValue("random_seed", ctx.seed)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("time_limit", max(0.01, limit))
    if start is not None:
        solution = highspy.HighsSolution()
        solution.col_value = at.encode(start).tolist()
        h.setSolution(solution)
    h.cbMipImprovingSolution.subscribe(
        lambda event: ctx.report(at.decode(np.asarray(event.data_out.mip_solution)))
    )
    h.run()
    info, model_status = h.getInfo(), h.getModelStatus()
    if info.primal_solution_status == 2:
        ctx.report(at.decode(np.asarray(h.getSolution().col_value)))
    if model_status == highspy.HighsModelStatus.kInfeasible:
        return "infeasible", None
    if model_status == highspy.HighsModelStatus.kOptimal:
        return "optimal", info.mip_dual_bound
    if info.primal_solution_status == 2:
        return "feasible", info.mip_dual_bound
    return "unknown", None


class _Attempt:
    """The run's context as a shared MILP back-end sees it during one II: its reports'
    bounds are the model's (a length at that II), so they are not passed on, and its time
    is the attempt's ``limit``."""

    def __init__(self, ctx: SolveContext, limit: float):
        self._ctx, self._end = ctx, time.perf_counter() + limit

    def report(self, schedule, bound=None) -> bool:
        return self._ctx.report(schedule)

    def remaining(self) -> float:
        return max(0.0, min(self._ctx.remaining(), self._end - time.perf_counter()))

    def __getattr__(self, name: str):
        return getattr(self._ctx, name)


def search_with(ctx: SolveContext, solve: Callable[[Any, Any], Outcome]) -> Outcome:
    """:func:`search` for a shared MILP back-end (CBC, Gurobi, CPLEX): ``solve(ctx,
    run_model)`` is its solve of one LinearModel (:mod:`schedbench.solvers.milp_model`)."""
    from schedbench.solvers.milp_model import RunModel

    def attempt(at: AtII, start: np.ndarray | None, limit: float) -> tuple[str, float | None]:
        start_x = None if start is None else at.encode(start)
        outcome = solve(_Attempt(ctx, limit), RunModel(at.model, at.decode, start_x))
        if outcome.status is Status.SKIPPED:
            return "skipped", None
        if outcome.status is Status.NO_SOLUTION:
            return "infeasible", None
        best = ctx.best_schedule
        has = best is not None and int(best[-1]) == at.ii
        if outcome.status is Status.OPTIMAL and has:  # its bound may be in another unit
            return "optimal", float((best[:-1] + ctx.problem.latency).max())
        return ("feasible" if has else "unknown"), outcome.bound

    return search(ctx, attempt)
