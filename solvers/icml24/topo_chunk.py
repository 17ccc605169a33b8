"""Topological chunking: cut a topological order into L consecutive blocks.

For a capacity C the order is cut greedily (a node opens a new stage when the current one
would exceed C, or when an edge distance pushes it later); bisection finds the smallest C
that fits in L stages. Several orders are tried (level order, ALAP order, depth-first
order, which keeps chains together and so cuts few edges), then random level-respecting
orders while time remains, each a fair restart.
"""

from __future__ import annotations

import numba
import numpy as np

from schedbench.problems.icml24 import Problem
from schedbench.solvers.base import Outcome, SolveContext

LIBRARY = "numpy"
PIP = "numpy"
CLASSES = ("icml24",)  # the problem classes it solves


def version() -> str:
    return "schedbench"


def run(ctx: SolveContext, max_orders: int = 1000) -> Outcome:
    problem = ctx.problem
    rng = np.random.default_rng(ctx.seed)
    orders = [  # made when their turn comes: the first schedule is reported at once
        lambda: problem.topological_order,
        lambda: alap_order(problem, rng),
        lambda: depth_first_order(problem),
    ]
    tried = 0
    while tried < max_orders and not ctx.should_stop():
        order = orders[tried]() if tried < len(orders) else level_order(problem, rng)
        schedule = best_chunking(problem, order)
        if schedule is not None:
            ctx.report(schedule)
        tried += 1
    return Outcome(message=f"{tried} orders tried")


def level_order(problem: Problem, rng: np.random.Generator) -> np.ndarray:
    """A random topological order: by level, ties broken at random."""
    return np.lexsort((rng.random(problem.n), problem.level))


def alap_order(problem: Problem, rng: np.random.Generator) -> np.ndarray:
    """By latest stage, then level: nodes that must run late go late."""
    return np.lexsort((rng.random(problem.n), problem.level, problem.alap))


def depth_first_order(problem: Problem) -> np.ndarray:
    """Reverse post-order of a depth-first search: a topological order that follows chains."""
    ptr, edges = problem.out_edges
    roots = np.ascontiguousarray(problem.topological_order[::-1])
    return _depth_first(roots, ptr, problem.dst[edges])


@numba.njit(cache=True)
def _depth_first(roots, ptr, succ):  # pragma: no cover
    n = roots.shape[0]
    seen = np.zeros(n, np.bool_)
    post = np.empty(n, np.int64)
    done = 0
    stack_node = np.empty(n, np.int64)
    stack_next = np.empty(n, np.int64)
    for root in roots:
        if seen[root]:
            continue
        seen[root] = True
        top = 0
        stack_node[0], stack_next[0] = root, ptr[root]
        while top >= 0:
            v, i = stack_node[top], stack_next[top]
            if i < ptr[v + 1]:
                stack_next[top] = i + 1
                w = succ[i]
                if not seen[w]:
                    seen[w] = True
                    top += 1
                    stack_node[top], stack_next[top] = w, ptr[w]
            else:
                post[done] = v
                done += 1
                top -= 1
    return post[::-1].copy()


def chunk(problem: Problem, order: np.ndarray, capacity: int) -> np.ndarray | None:
    """Stages from cutting ``order`` at ``capacity``; None if more than L stages are needed."""
    if not problem.d.any():
        cum = np.r_[0, np.cumsum(problem.w[order])]
        cuts = _prefix_cuts(cum, problem.stages, capacity)
        return None if cuts is None else _stages_from_cuts(order, cuts)
    return _chunk_with_distances(problem, order, capacity)


def _prefix_cuts(cum: np.ndarray, stages: int, capacity: int) -> np.ndarray | None:
    """Without distances the cut points follow from prefix sums (L binary searches)."""
    n = cum.size - 1
    cuts, start = [], 0
    for _ in range(stages):
        end = int(np.searchsorted(cum, cum[start] + capacity, side="right")) - 1
        cuts.append(end)
        start = end
        if start >= n:
            return np.asarray(cuts)
    return None


def _stages_from_cuts(order: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    position_stage = np.searchsorted(cuts, np.arange(order.size), side="right")
    schedule = np.empty(order.size, np.int64)
    schedule[order] = position_stage
    return schedule


def _chunk_with_distances(problem: Problem, order: np.ndarray, capacity: int) -> np.ndarray | None:
    pred_order = np.argsort(problem.dst, kind="stable")
    pred_start = np.searchsorted(problem.dst[pred_order], np.arange(problem.n + 1))
    preds, dists = problem.src[pred_order], problem.d[pred_order]
    schedule = np.zeros(problem.n, np.int64)
    load = np.zeros(problem.stages, np.int64)
    current = 0
    for v in order.tolist():
        lo, hi = pred_start[v], pred_start[v + 1]
        earliest = int((schedule[preds[lo:hi]] + dists[lo:hi]).max()) if hi > lo else 0
        current = max(current, earliest)
        if load[min(current, problem.stages - 1)] + problem.w[v] > capacity:
            current += 1
        if current >= problem.stages:
            return None
        schedule[v] = current
        load[current] += problem.w[v]
    return schedule


def best_chunking(problem: Problem, order: np.ndarray) -> np.ndarray | None:
    """Bisection on the capacity for the smallest one whose chunking fits in L stages."""
    lo, hi = problem.peak_lower_bound, int(problem.w.sum())
    if not problem.d.any():  # the bisection needs only the cut points
        cum = np.r_[0, np.cumsum(problem.w[order])]
        best = _prefix_cuts(cum, problem.stages, hi)
        if best is None:
            return None
        while lo < hi:
            mid = (lo + hi) // 2
            cuts = _prefix_cuts(cum, problem.stages, mid)
            if cuts is None:
                lo = mid + 1
            else:
                best, hi = cuts, mid
        return _stages_from_cuts(order, best)
    schedule = chunk(problem, order, hi)
    if schedule is None:
        return None
    while lo < hi:
        mid = (lo + hi) // 2
        candidate = chunk(problem, order, mid)
        if candidate is None:
            lo = mid + 1
        else:
            schedule, hi = candidate, mid
    return schedule
