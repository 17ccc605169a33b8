"""Typed functional units, shared by the HLS classes (RCS, TCS): the list scheduler on
a unit count per resource and the critical-path priority. The classes use them for their
reference schedules; the list-scheduling back-ends build on them."""

from __future__ import annotations

import heapq
from typing import Any

import numpy as np


def critical_path_priority(problem: Any) -> np.ndarray:
    """Larger first: the operation's delay plus its longest tail, then its fan-out."""
    fanout = np.asarray([len(s) for s in problem.successors], dtype=float)
    return (problem.node_delay + problem.tail).astype(float) + fanout / (fanout.max() + 1.0)


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
