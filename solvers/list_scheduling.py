"""List scheduling for a target per-stage capacity (resource-constrained, stage by stage).

Stage t is filled from the ready list (all predecessors placed, edge distances met):
nodes that must run now (ALAP = t) always go; the others go in priority order (least
mobility first, then nodes whose data is produced in this stage, which saves comm) while
the stage stays within the target capacity C. Bisection on C finds the smallest target
the schedule respects; randomized tie-breaking gives honest restarts while time remains.
"""

from __future__ import annotations

import heapq

import numpy as np

from schedbench.problem import Problem
from schedbench.solvers.base import Outcome, SolveContext

LIBRARY = "numpy"
PIP = "numpy"


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
    n, stages = problem.n, problem.stages
    succ_order = np.argsort(problem.src, kind="stable")
    succ_start = np.searchsorted(problem.src[succ_order], np.arange(n + 1))
    succ, dist = problem.dst[succ_order].tolist(), problem.d[succ_order].tolist()
    positive = (problem.c[succ_order] > 0).tolist()
    start = succ_start.tolist()
    waiting = np.bincount(problem.dst, minlength=n).tolist()
    earliest = [0] * n
    alap = problem.alap.tolist()
    weight = problem.w.tolist()
    noise_list = noise.tolist()
    schedule = [-1] * n
    fed = [0] * n  # positive in-edges from nodes in the current stage
    ready: list[tuple[int, int, float, int]] = []
    for v in range(n):
        if waiting[v] == 0:
            heapq.heappush(ready, (alap[v], 0, noise_list[v], v))
    peak = 0
    for t in range(stages):
        load = 0
        later: list[tuple[int, int, float, int]] = []
        while ready:
            item = heapq.heappop(ready)
            v = item[3]
            if earliest[v] > t or (alap[v] > t and load + weight[v] > capacity):
                later.append(item)
                continue
            schedule[v] = t
            load += weight[v]
            for i in range(start[v], start[v + 1]):
                u = succ[i]
                earliest[u] = max(earliest[u], t + dist[i])
                if positive[i] and dist[i] == 0:
                    fed[u] += 1
                waiting[u] -= 1
                if waiting[u] == 0:
                    heapq.heappush(ready, (alap[u], -fed[u], noise_list[u], u))
        peak = max(peak, load)
        for item in later:
            v = item[3]
            heapq.heappush(ready, (alap[v], 0, noise_list[v], v))
    return np.asarray(schedule, np.int64), peak
