"""Exact local search and legalization shared by the solvers that go beyond the paper.

``improve`` moves single nodes inside their windows when that lowers the exact cost (or
keeps it and smooths the stage loads), then pair swaps at the peak stage; every accepted
move strictly lowers (cost, sum of squared loads), so it ends, or stops at its deadline.
It reports its progress on the way (``report``, at most every ``report_every`` s), so a
descent that takes the whole budget still counts. ``legalize`` turns any stage vectors
into feasible schedules (topological order, never past ALAP). ``PhasedRefinement`` runs
the search every phase of a budget; ``initial_schedule`` gives the solvers their start.
``docs/solvers.md`` gives the details.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numba
import numpy as np

from schedbench.problems.icml24 import Problem
from schedbench.solvers.base import SolveContext


class Neighbourhood:
    """Predecessor/successor lists (CSR arrays) and comm slopes, built once per problem."""

    def __init__(self, problem: Problem):
        self.problem = problem
        in_ptr, in_edges = problem.in_edges
        out_ptr, out_edges = problem.out_edges
        self.pred_ptr, self.pred, self.pred_d = in_ptr, problem.src[in_edges], problem.d[in_edges]
        self.succ_ptr, self.succ, self.succ_d = (
            out_ptr,
            problem.dst[out_edges],
            problem.d[out_edges],
        )
        self.slope = problem.comm_slope.astype(np.float64)
        self.weights = np.ascontiguousarray(problem.w, np.int64)

    def windows(self, stages: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """[lo, hi] per node given every other node's stage."""
        return _windows(
            stages,
            self.pred_ptr,
            self.pred,
            self.pred_d,
            self.succ_ptr,
            self.succ,
            self.succ_d,
            self.problem.stages - 1,
        )

    def adjacent(self, u: int, v: int) -> bool:
        succ = self.succ[self.succ_ptr[u] : self.succ_ptr[u + 1]]
        pred = self.pred[self.pred_ptr[u] : self.pred_ptr[u + 1]]
        return bool((succ == v).any() or (pred == v).any())


def improve(
    problem: Problem,
    schedule: np.ndarray,
    deadline: float | None = None,
    max_rounds: int = 200,
    neighbourhood: Neighbourhood | None = None,
    rng: np.random.Generator | None = None,
    pair_sample: int = 256,
    report: Callable[[np.ndarray], Any] | None = None,
    report_every: float = 0.5,
    max_passes: int = 50,
) -> np.ndarray:
    """A feasible schedule at least as good as ``schedule`` (which must be feasible):
    single moves to a local optimum (at most ``max_passes`` sweeps over the nodes), then
    pair moves at the peak, repeated; ``report`` sees the progress on the way."""
    hood = neighbourhood or Neighbourhood(problem)
    rng = rng or np.random.default_rng(0)
    progress = _Progress(report, report_every)
    stages = np.asarray(schedule, np.int64).reshape(-1).copy()
    for _ in range(max_rounds):
        stages = _single_moves(problem, stages, hood, deadline, rng, progress, max_passes)
        if deadline is not None and time.perf_counter() > deadline:
            break
        swapped = _pair_move(problem, stages, hood, rng, pair_sample)
        if swapped is None:
            break
        stages = swapped
        progress(stages)
    return stages


class _Progress:
    """Hands the current schedule to ``report`` at most every ``every`` seconds, and never
    more than a fifth of the time (checking a 10^7-node schedule takes seconds)."""

    def __init__(self, report: Callable[[np.ndarray], Any] | None, every: float):
        self.report, self.every = report, every
        self.next = time.perf_counter() + every

    def __call__(self, stages: Any) -> None:
        if self.report is None or time.perf_counter() < self.next:
            return
        began = time.perf_counter()
        self.report(np.asarray(stages, np.int64))
        now = time.perf_counter()
        self.next = now + max(self.every, 4 * (now - began))


@numba.njit(cache=True)
def _windows(stages, pred_ptr, pred, pred_d, succ_ptr, succ, succ_d, last):  # pragma: no cover
    n = stages.shape[0]
    lo = np.zeros(n, np.int64)
    hi = np.full(n, last, np.int64)
    for v in range(n):
        for i in range(pred_ptr[v], pred_ptr[v + 1]):
            lo[v] = max(lo[v], stages[pred[i]] + pred_d[i])
        for i in range(succ_ptr[v], succ_ptr[v + 1]):
            hi[v] = min(hi[v], stages[succ[i]] - succ_d[i])
    return lo, hi


def _pair_move(
    problem: Problem,
    stages: np.ndarray,
    hood: Neighbourhood,
    rng: np.random.Generator,
    sample: int,
) -> np.ndarray | None:
    """The best swap between a peak stage and another stage, if it lowers (cost, sumsq)."""
    w = problem.w.astype(np.float64)
    loads = np.bincount(stages, weights=w, minlength=problem.stages)
    slope = hood.slope
    ratio = float(problem.ratio)
    peak = loads.max()
    lo, hi = hood.windows(stages)
    best = None
    best_key = (ratio * peak, float((loads**2).sum()))
    for p in np.flatnonzero(loads == peak):
        in_p = np.flatnonzero(stages == p)
        for q in range(problem.stages):
            if q == p:
                continue
            a = in_p[(lo[in_p] <= q) & (hi[in_p] >= q)]
            in_q = np.flatnonzero(stages == q)
            b = in_q[(lo[in_q] <= p) & (hi[in_q] >= p)]
            if a.size == 0:
                continue
            if a.size > sample:
                a = rng.choice(a, sample, replace=False)
            if b.size > sample:
                b = rng.choice(b, sample, replace=False)
            # b may be empty: then a alone moves (a single move that only pays off jointly
            # with the smoothing term is already covered; keep the pair form uniform)
            b_ext = np.concatenate([b, [-1]])
            w_b = np.where(b_ext >= 0, w[b_ext], 0.0)
            slope_b = np.where(b_ext >= 0, slope[b_ext], 0.0)
            delta = w[a][:, None] - w_b[None, :]
            load_p = loads[p] - delta
            load_q = loads[q] + delta
            others = np.delete(loads, [p, q]).max() if problem.stages > 2 else 0.0
            new_peak = np.maximum(np.maximum(load_p, load_q), others)
            comm = (q - p) * (slope[a][:, None] - slope_b[None, :])
            cost = ratio * new_peak + comm
            sumsq = (loads**2).sum() - loads[p] ** 2 - loads[q] ** 2 + load_p**2 + load_q**2
            cost, sumsq = cost.ravel(), sumsq.ravel()
            better = (cost < best_key[0] - 1e-9) | (
                (cost <= best_key[0] + 1e-9) & (sumsq < best_key[1] - 1e-9)
            )
            candidates = np.flatnonzero(better)
            order = candidates[np.lexsort((sumsq[candidates], cost[candidates]))]
            for flat in order[:8]:  # the best few, skipping pairs joined by an edge
                i, j = divmod(int(flat), b_ext.size)
                key = (float(cost[flat]), float(sumsq[flat]))
                if not _better(key, best_key):
                    break
                u, v = int(a[i]), int(b_ext[j])
                if v >= 0 and hood.adjacent(u, v):
                    continue
                best_key, best = key, (u, v, p, q)
                break
    if best is None:
        return None
    u, v, p, q = best
    moved = stages.copy()
    moved[u] = q
    if v >= 0:
        moved[v] = p
    return moved


def _better(key: tuple[float, float], than: tuple[float, float]) -> bool:
    return key[0] < than[0] - 1e-9 or (key[0] <= than[0] + 1e-9 and key[1] < than[1] - 1e-9)


def _single_moves(
    problem: Problem,
    schedule: np.ndarray,
    hood: Neighbourhood,
    deadline: float | None,
    rng: np.random.Generator,
    progress: _Progress,
    max_passes: int = 50,
    chunk: int = 1 << 16,
) -> np.ndarray:
    """Passes over the nodes in random order, each node to its best stage, until a pass
    moves nothing; the deadline is checked every ``chunk`` nodes."""
    stages = np.array(schedule, np.int64)
    loads = np.bincount(stages, hood.weights, problem.stages).astype(np.int64)
    order = np.arange(problem.n)
    for _ in range(max_passes):
        rng.shuffle(order)
        moved = False
        for first in range(0, problem.n, chunk):
            if deadline is not None and time.perf_counter() > deadline:
                return stages
            moved |= _sweep(
                order[first : first + chunk],
                stages,
                loads,
                hood.pred_ptr,
                hood.pred,
                hood.pred_d,
                hood.succ_ptr,
                hood.succ,
                hood.succ_d,
                hood.weights,
                hood.slope,
                float(problem.ratio),
                problem.stages - 1,
            )
        if not moved:
            break
        progress(stages)  # loads and windows are consistent between passes
    return stages


@numba.njit(cache=True)
def _sweep(
    order,
    stages,
    loads,
    pred_ptr,
    pred,
    pred_d,
    succ_ptr,
    succ,
    succ_d,
    weights,
    slopes,
    ratio,
    last,
):  # pragma: no cover
    """Each node of ``order`` to the stage of its window with the lowest (cost, sum of
    squared loads); ``stages`` and ``loads`` change in place. True if a node moved."""
    moved = False
    for v in order:
        lo = 0
        for i in range(pred_ptr[v], pred_ptr[v + 1]):
            lo = max(lo, stages[pred[i]] + pred_d[i])
        hi = last
        for i in range(succ_ptr[v], succ_ptr[v + 1]):
            hi = min(hi, stages[succ[i]] - succ_d[i])
        if lo == hi:
            continue
        s, w = stages[v], weights[v]
        loads[s] -= w
        base_peak = loads.max()
        slope = slopes[v]
        best_t = s
        best_cost = ratio * max(base_peak, loads[s] + w)
        best_smooth = w * (2 * loads[s] + w)
        for t in range(lo, min(hi, last) + 1):
            if t == s:
                continue
            cost = ratio * max(base_peak, loads[t] + w) + (t - s) * slope
            smooth = w * (2 * loads[t] + w)
            if cost < best_cost - 1e-9 or (cost <= best_cost + 1e-9 and smooth < best_smooth):
                best_t, best_cost, best_smooth = t, cost, smooth
        loads[best_t] += w
        if best_t != s:
            stages[v] = best_t
            moved = True
    return moved


def legalize(problem: Problem, wishes: np.ndarray) -> np.ndarray:
    """Feasible schedules [B, n] closest (from below the ALAP) to integer ``wishes`` [B, n]:
    in topological order each node at its wish raised to its predecessors' need. The rows
    are processed node-major ([n, B]): one cache line holds a node's stage in every row."""
    wishes = np.atleast_2d(np.asarray(wishes, np.int64))
    by_node = np.ascontiguousarray(np.clip(wishes, 0, problem.alap[None, :]).T)
    ptr, edges = problem.in_edges
    _legalize_rows(
        by_node, problem.topological_order, ptr, problem.src[edges], problem.d[edges], problem.alap
    )
    return np.ascontiguousarray(by_node.T)


@numba.njit(cache=True)
def _legalize_rows(by_node, order, ptr, pred, pred_d, alap):  # pragma: no cover
    rows = by_node.shape[1]
    need = np.zeros(rows, np.int64)
    for v in order:
        need[:] = 0
        for i in range(ptr[v], ptr[v + 1]):
            u, d = pred[i], pred_d[i]
            for b in range(rows):
                need[b] = max(need[b], by_node[u, b] + d)
        for b in range(rows):
            by_node[v, b] = min(max(by_node[v, b], need[b]), alap[v])


class PhasedRefinement:
    """The exact local search every ``phase`` seconds of a gradient loop (gauss, gs_plus):
    ``due()`` says when, ``run(start)`` refines ``start`` for at most one phase, offers
    the result and returns the incumbent to re-centre on. ``runs`` counts the phases."""

    def __init__(self, ctx: SolveContext, phase: float | None, seed: int):
        self.ctx = ctx
        self.hood = Neighbourhood(ctx.problem)
        self.rng = np.random.default_rng(seed)
        self.phase = phase if phase is not None else max(1.0, ctx.time_limit / 10)
        self.next = time.perf_counter() + self.phase
        self.runs = 0

    def due(self) -> bool:
        return time.perf_counter() >= self.next and not self.ctx.should_stop()

    def run(self, start: np.ndarray, limit: float | None = None) -> np.ndarray:
        seconds = min(self.phase if limit is None else limit, self.ctx.remaining())
        refined = improve(
            self.ctx.problem,
            start,
            deadline=time.perf_counter() + seconds,
            neighbourhood=self.hood,
            rng=self.rng,
            report=self.ctx.report,
        )
        self.ctx.report(refined)
        self.next = time.perf_counter() + self.phase
        self.runs += 1
        return self.ctx.best_schedule


def initial_schedule(ctx: SolveContext, init: str, share: float = 0.05) -> np.ndarray:
    """A feasible starting schedule, offered to the tracker: ``topo_chunk`` runs that
    baseline (restarts included) for ``share`` of the budget, at most 3 s; ``window`` is
    the ASAP/ALAP midpoint (feasible: both ends respect every edge); ``asap``."""
    problem = ctx.problem
    if init == "topo_chunk":
        from schedbench.solvers.icml24 import topo_chunk

        chunked = topo_chunk.best_chunking(problem, problem.topological_order)
        ctx.report(chunked if chunked is not None else problem.asap)  # None: distances
        quick = SolveContext(
            problem, min(3.0, share * ctx.time_limit), ctx.threads, ctx.seed, ctx.tracker
        )
        topo_chunk.run(quick)
        return ctx.best_schedule.copy()
    if init == "window":
        start = np.floor((problem.asap + problem.alap) / 2).astype(np.int64)
    elif init == "asap":
        start = problem.asap.copy()
    else:
        raise ValueError(f"unknown init {init!r}; use topo_chunk, window or asap")
    ctx.report(start)
    return start
