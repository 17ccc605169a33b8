"""List scheduling for a target per-stage capacity (resource-constrained, stage by stage).

Stage t is filled from the ready list (all predecessors placed, edge distances met):
nodes that must run now (ALAP = t) always go; the others go in priority order (least
mobility first, then nodes whose data is produced in this stage, which saves comm) while
the stage stays within the target capacity C. Bisection on C finds the smallest target
the schedule respects; randomized tie-breaking gives honest restarts while time remains.
"""

from __future__ import annotations

import heapq

import numba
import numpy as np

from schedbench.problems.icml24 import Problem
from schedbench.solvers.base import Outcome, SolveContext

LIBRARY = "numpy"
PIP = "numpy"
CLASSES = ("icml24",)  # the problem classes it solves


def version() -> str:
    return "schedbench"


def run(ctx: SolveContext, max_restarts: int = 50) -> Outcome:
    problem = ctx.problem
    rng = np.random.default_rng(ctx.seed)
    restarts = 0
    while restarts < max_restarts and not ctx.should_stop():
        noise = rng.random(problem.n) if restarts else np.zeros(problem.n)
        lo, hi = problem.peak_lower_bound, int(problem.w.sum())
        ctx.report(list_schedule(problem, lo, noise)[0])  # the tightest target first
        while lo < hi and not ctx.should_stop():
            mid = (lo + hi) // 2
            schedule, peak = list_schedule(problem, mid, noise)
            ctx.report(schedule)
            if peak <= mid:
                hi = mid
            else:
                lo = mid + 1
        restarts += 1
    return Outcome(message=f"{restarts} restarts")


def list_schedule(problem: Problem, capacity: int, noise: np.ndarray) -> tuple[np.ndarray, int]:
    """One pass of list scheduling; returns (schedule, realised peak)."""
    ptr, edges = problem.out_edges
    positive = (problem.c[edges] > 0) & (problem.d[edges] == 0)
    return _list_pass(
        problem.stages,
        int(capacity),
        ptr,
        problem.dst[edges],
        problem.d[edges],
        positive,
        np.bincount(problem.dst, minlength=problem.n),
        problem.alap,
        problem.w,
        np.asarray(noise, np.float64),
    )


@numba.njit(cache=True)
def _list_pass(stages, capacity, ptr, succ, dist, feeds, indegree, alap, weight, noise):
    # pragma: no cover
    n = alap.shape[0]
    waiting = indegree.copy()
    earliest = np.zeros(n, np.int64)
    fed = np.zeros(n, np.int64)  # positive in-edges from nodes in the current stage
    schedule = np.full(n, -1, np.int64)
    ready = [(np.int64(0), np.int64(0), 0.0, np.int64(0))]  # typed by its first item
    ready.pop()
    for v in range(n):
        if waiting[v] == 0:
            heapq.heappush(ready, (alap[v], np.int64(0), noise[v], np.int64(v)))
    peak = 0
    for t in range(stages):
        load = 0
        later = []
        while ready:
            item = heapq.heappop(ready)
            v = item[3]
            if earliest[v] > t or (alap[v] > t and load + weight[v] > capacity):
                later.append(v)
                continue
            schedule[v] = t
            load += weight[v]
            for i in range(ptr[v], ptr[v + 1]):
                u = succ[i]
                earliest[u] = max(earliest[u], t + dist[i])
                if feeds[i]:
                    fed[u] += 1
                waiting[u] -= 1
                if waiting[u] == 0:
                    heapq.heappush(ready, (alap[u], -fed[u], noise[u], u))
        peak = max(peak, load)
        for v in later:
            heapq.heappush(ready, (alap[v], np.int64(0), noise[v], v))
    return schedule, peak
