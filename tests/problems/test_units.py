"""The typed-unit list scheduler: the same schedules as the plain one-heap algorithm it
replaced (one heap per resource is a speed change only), and legal ones."""

from __future__ import annotations

import heapq

import numpy as np
import pytest

from schedbench.datasets import typed_synthetic
from schedbench.problems.units import critical_path_priority, schedule_on_units


def one_heap(n, delay, successors, dst, resource, capacity, priority) -> np.ndarray:
    """The algorithm as first written: every ready operation in one heap, the ones whose
    resource is busy popped and pushed back every cycle."""
    waiting = np.bincount(dst, minlength=n)
    ready_at = np.zeros(n, dtype=np.int64)
    start = np.full(n, -1, dtype=np.int64)
    ready = [(-priority[v], v) for v in np.flatnonzero(waiting == 0)]
    heapq.heapify(ready)
    pending: list = []
    releases: dict[int, list[int]] = {}
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
            releases.setdefault(cycle + int(delay[v]), []).append(k)
            for w in successors[v]:
                ready_at[w] = max(ready_at[w], cycle + delay[v])
                waiting[w] -= 1
                if waiting[w] == 0:
                    heapq.heappush(pending, (int(ready_at[w]), -priority[w], w))
        for item in postponed:
            heapq.heappush(ready, item)
        cycle += 1
    return start


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("width", [None, 4])
def test_the_same_schedules_as_one_heap(seed, width):
    problem = typed_synthetic.rcs(nodes=600, seed=seed, width=width)
    rng = np.random.default_rng(seed)
    for priority in (critical_path_priority(problem), rng.random(problem.n).round(1)):
        args = (problem.n, problem.node_delay, problem.successors, problem.dst,
                problem.op_type, problem.units, priority)  # fmt: skip
        new, old = schedule_on_units(*args), one_heap(*args)
        assert np.array_equal(new, old)
        assert problem.evaluate(new).feasible.all()
