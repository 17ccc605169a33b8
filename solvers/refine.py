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

import numpy as np

from schedbench.problem import Problem
from schedbench.solvers.base import SolveContext


class Neighbourhood:
    """Per-node predecessor/successor lists and comm slopes, built once per problem."""

    def __init__(self, problem: Problem):
        self.problem = problem
        n = problem.n
        self.preds: list[list[tuple[int, int]]] = [[] for _ in range(n)]
        self.succs: list[list[tuple[int, int]]] = [[] for _ in range(n)]
        edges = zip(problem.src.tolist(), problem.dst.tolist(), problem.d.tolist(), strict=True)
        for u, v, d in edges:
            self.preds[v].append((u, d))
            self.succs[u].append((v, d))
        slope = np.zeros(n, np.float64)
        counted = problem.positive_edges
        coeff = problem.comm_coeff[counted].astype(np.float64)
        np.add.at(slope, problem.dst[counted], coeff)
        np.subtract.at(slope, problem.src[counted], coeff)
        self.slope = slope.tolist()
        self.weights = problem.w.tolist()


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
) -> np.ndarray:
    """A feasible schedule at least as good as ``schedule`` (which must be feasible):
    single moves to a local optimum, then pair moves at the peak, repeated; ``report``
    sees the progress on the way."""
    hood = neighbourhood or Neighbourhood(problem)
    rng = rng or np.random.default_rng(0)
    progress = _Progress(report, report_every)
    stages = np.asarray(schedule, np.int64).reshape(-1).copy()
    for _ in range(max_rounds):
        stages = _single_moves(problem, stages, hood, deadline, rng, progress)
        if deadline is not None and time.perf_counter() > deadline:
            break
        swapped = _pair_move(problem, stages, hood, rng, pair_sample)
        if swapped is None:
            break
        stages = swapped
        progress(stages)
    return stages


class _Progress:
    """Hands the current schedule to ``report`` at most every ``every`` seconds."""

    def __init__(self, report: Callable[[np.ndarray], Any] | None, every: float):
        self.report, self.every = report, every
        self.next = time.perf_counter() + every

    def __call__(self, stages: Any) -> None:
        if self.report is None or time.perf_counter() < self.next:
            return
        self.report(np.asarray(stages, np.int64))
        self.next = time.perf_counter() + self.every


def _windows(problem: Problem, stages: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """[lo, hi] per node given every other node's stage."""
    lo = np.zeros(problem.n, np.int64)
    np.maximum.at(lo, problem.dst, stages[problem.src] + problem.d)
    hi = np.full(problem.n, problem.stages - 1, np.int64)
    np.minimum.at(hi, problem.src, stages[problem.dst] - problem.d)
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
    slope = np.asarray(hood.slope)
    ratio = float(problem.ratio)
    peak = loads.max()
    lo, hi = _windows(problem, stages)
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
            order = np.lexsort((sumsq.ravel(), cost.ravel()))
            for flat in order[:8]:  # the best few, skipping pairs joined by an edge
                i, j = divmod(int(flat), b_ext.size)
                key = (float(cost.ravel()[flat]), float(sumsq.ravel()[flat]))
                if not _better(key, best_key):
                    break
                u, v = int(a[i]), int(b_ext[j])
                if v >= 0 and _adjacent(hood, u, v):
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


def _adjacent(hood: Neighbourhood, u: int, v: int) -> bool:
    return any(x == v for x, _ in hood.succs[u]) or any(x == v for x, _ in hood.preds[u])


def _single_moves(
    problem: Problem,
    schedule: np.ndarray,
    hood: Neighbourhood,
    deadline: float | None,
    rng: np.random.Generator,
    progress: _Progress,
    max_passes: int = 50,
) -> np.ndarray:
    stages = [int(s) for s in schedule]
    last = problem.stages - 1
    ratio = float(problem.ratio)
    loads = [0] * problem.stages
    for v, s in enumerate(stages):
        loads[s] += hood.weights[v]
    order = list(range(problem.n))
    for _ in range(max_passes):
        rng.shuffle(order)
        moved = False
        for v in order:
            if deadline is not None and time.perf_counter() > deadline:
                return np.asarray(stages, np.int64)
            lo = max((stages[u] + d for u, d in hood.preds[v]), default=0)
            hi = min((stages[x] - d for x, d in hood.succs[v]), default=last)
            if lo == hi:
                continue
            s, w = stages[v], hood.weights[v]
            loads[s] -= w
            base_peak = max(loads)
            slope = hood.slope[v]
            best_t = s
            best_key = (ratio * max(base_peak, loads[s] + w), (loads[s] + w) ** 2 - loads[s] ** 2)
            for t in range(lo, min(hi, last) + 1):
                if t == s:
                    continue
                key = (
                    ratio * max(base_peak, loads[t] + w) + (t - s) * slope,
                    (loads[t] + w) ** 2 - loads[t] ** 2,
                )
                if key[0] < best_key[0] - 1e-9 or (
                    key[0] <= best_key[0] + 1e-9 and key[1] < best_key[1]
                ):
                    best_t, best_key = t, key
            loads[best_t] += w
            if best_t != s:
                stages[v] = best_t
                moved = True
        if not moved:
            break
        progress(stages)  # loads and windows are consistent between passes
    return np.asarray(stages, np.int64)


def legalize(problem: Problem, wishes: np.ndarray) -> np.ndarray:
    """Feasible schedules [B, n] closest (from below the ALAP) to integer ``wishes`` [B, n]."""
    wishes = np.atleast_2d(np.asarray(wishes, np.int64))
    stages = np.clip(wishes, 0, problem.alap[None, :]).copy()
    level = problem.level
    by_level = np.argsort(level[problem.dst], kind="stable")
    bounds = np.searchsorted(level[problem.dst][by_level], np.arange(level.max() + 2))
    order = np.argsort(level, kind="stable")
    node_bounds = np.searchsorted(level[order], np.arange(level.max() + 2))
    for k in range(1, int(level.max()) + 1):
        edges = by_level[bounds[k] : bounds[k + 1]]
        if edges.size == 0:
            continue
        earliest = np.zeros_like(stages)
        np.maximum.at(
            earliest.T,
            problem.dst[edges],
            (stages[:, problem.src[edges]] + problem.d[edges][None, :]).T,
        )
        nodes = order[node_bounds[k] : node_bounds[k + 1]]
        stages[:, nodes] = np.minimum(
            np.maximum(stages[:, nodes], earliest[:, nodes]), problem.alap[None, nodes]
        )
    return stages


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
        from schedbench.solvers import topo_chunk

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
