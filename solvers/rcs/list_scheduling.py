"""List scheduling for RCS: cycle by cycle, the ready operations by priority onto free units.

The classic HLS list scheduler: an operation is ready at cycle t when every predecessor
has finished by t; at each cycle the ready operations are taken in priority order while a
unit of their type is free (a unit stays busy for the operation's delay). The default
priority is the critical path: the longest path from the operation's start to the end
(its delay plus its tail), ties broken by more successors. ``restarts`` draws
priorities perturbed by seeded noise and keeps the best schedule.
"""

from __future__ import annotations

import heapq

import numpy as np

from schedbench.problems.rcs import RCSProblem
from schedbench.solvers.base import Outcome, SolveContext

LIBRARY = PIP = "numpy"
CLASSES = ("rcs",)


def version() -> str:
    return "schedbench"


def run(ctx: SolveContext, restarts: bool = True, noise: float = 1.0) -> Outcome:
    """The critical-path list schedule, then seeded perturbed priorities until the
    budget ends (``restarts=false``: the one deterministic schedule)."""
    problem = ctx.problem
    base = critical_path_priority(problem)
    ctx.report(list_schedule(problem, base))
    rng = np.random.default_rng(ctx.seed)
    tries = 0
    while restarts and not ctx.should_stop() and ctx.best_cost > problem.lower_bound:
        ctx.report(list_schedule(problem, base + noise * rng.random(problem.n)))
        tries += 1
    return Outcome(message=f"{tries} restarts")


def critical_path_priority(problem: RCSProblem) -> np.ndarray:
    """Larger first: the operation's delay plus its longest tail, then its fan-out."""
    fanout = np.asarray([len(s) for s in problem.successors], dtype=float)
    return (problem.node_delay + problem.tail).astype(float) + fanout / (fanout.max() + 1.0)


def list_schedule(problem: RCSProblem, priority: np.ndarray) -> np.ndarray:
    """One list schedule for ``priority`` (larger goes first); every schedule is feasible."""
    return schedule_on_units(
        problem.n,
        problem.node_delay,
        problem.successors,
        problem.dst,
        problem.op_type,
        problem.units,
        priority,
    )


def schedule_on_units(
    n: int,
    delay: np.ndarray,
    successors: list[list[int]],
    dst: np.ndarray,
    resource: np.ndarray,
    capacity: np.ndarray,
    priority: np.ndarray,
) -> np.ndarray:
    """The list scheduler of any class with typed units: operation v needs one of the
    ``capacity[resource[v]]`` units for ``delay[v]`` cycles; larger ``priority`` first."""
    d = delay
    waiting = np.bincount(dst, minlength=n)  # predecessors not yet scheduled
    ready_at = np.zeros(n, dtype=np.int64)  # when the last scheduled predecessor ends
    start = np.full(n, -1, dtype=np.int64)
    ready: list[tuple[float, int]] = [(-priority[v], v) for v in np.flatnonzero(waiting == 0)]
    heapq.heapify(ready)
    pending: list[tuple[int, float, int]] = []  # (ready cycle, -priority, op) not ready yet
    releases: dict[int, list[int]] = {}  # cycle -> resources whose unit frees then
    free = np.asarray(capacity, dtype=np.int64).copy()
    cycle, done = 0, 0
    while done < n:
        for k in releases.pop(cycle, []):
            free[k] += 1
        while pending and pending[0][0] <= cycle:
            _, key, v = heapq.heappop(pending)
            heapq.heappush(ready, (key, v))
        postponed = []
        while ready:
            key, v = heapq.heappop(ready)
            k = resource[v]
            if free[k] == 0:
                postponed.append((key, v))
                continue
            free[k] -= 1
            start[v] = cycle
            done += 1
            releases.setdefault(cycle + int(d[v]), []).append(k)
            for w in successors[v]:
                ready_at[w] = max(ready_at[w], cycle + d[v])
                waiting[w] -= 1
                if waiting[w] == 0:
                    heapq.heappush(pending, (int(ready_at[w]), -priority[w], w))
        for item in postponed:
            heapq.heappush(ready, item)
        cycle += 1
    return start


def best_list_schedule(
    problem: RCSProblem, restarts: int = 0, seed: int = 0, noise: float = 1.0
) -> np.ndarray:
    """The critical-path list schedule, then ``restarts`` with priorities perturbed by
    seeded uniform noise of width ``noise`` (in cycles); the lowest latency wins."""
    base = critical_path_priority(problem)
    best = list_schedule(problem, base)
    best_latency = int((best + problem.node_delay).max())
    rng = np.random.default_rng(seed)
    for _ in range(restarts):
        trial = list_schedule(problem, base + noise * rng.random(problem.n))
        latency = int((trial + problem.node_delay).max())
        if latency < best_latency:
            best, best_latency = trial, latency
    return best
