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
    # one ready heap per resource: a cycle takes each resource's ready operations in
    # priority order up to its free units and never touches the ones left waiting, so a
    # long queue for a busy resource costs nothing per cycle
    d = np.asarray(delay, dtype=np.int64).tolist()
    kind = np.asarray(resource, dtype=np.int64).tolist()
    key = (-np.asarray(priority, dtype=float)).tolist()
    waiting = np.bincount(dst, minlength=n).tolist()  # predecessors not yet scheduled
    ready_at = [0] * n  # when the last scheduled predecessor ends
    start = np.full(n, -1, dtype=np.int64)
    free = np.asarray(capacity, dtype=np.int64).tolist()
    ready: list[list[tuple[float, int]]] = [[] for _ in free]
    for v in np.flatnonzero(np.asarray(waiting) == 0).tolist():
        ready[kind[v]].append((key[v], v))
    for queue in ready:
        heapq.heapify(queue)
    pending: list[tuple[int, float, int]] = []  # (ready cycle, -priority, op) not ready yet
    releases: dict[int, list[int]] = {}  # cycle -> resources whose unit frees then
    cycle, done = 0, 0
    while done < n:
        for k in releases.pop(cycle, []):
            free[k] += 1
        while pending and pending[0][0] <= cycle:
            _, order, v = heapq.heappop(pending)
            heapq.heappush(ready[kind[v]], (order, v))
        for k, queue in enumerate(ready):
            while queue and free[k] > 0:
                _, v = heapq.heappop(queue)
                free[k] -= 1
                start[v] = cycle
                done += 1
                end = cycle + d[v]
                releases.setdefault(end, []).append(k)
                for w in successors[v]:
                    if end > ready_at[w]:
                        ready_at[w] = end
                    waiting[w] -= 1
                    if waiting[w] == 0:
                        heapq.heappush(pending, (ready_at[w], key[w], w))
        cycle += 1
    return start
