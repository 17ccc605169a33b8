"""Compile (or load from numba's on-disk cache) every numba kernel of the solvers once.

The heuristics' inner loops are numba kernels (``cache=True``): the first call in a fresh
checkout compiles them, a few seconds that would otherwise fall inside some run's budget.
``make install`` and the test session call :func:`warm_up`; after that each worker loads
the compiled code from the cache in milliseconds. ``python -m schedbench.solvers.icml24.kernels``.
"""

from __future__ import annotations

import time

import numpy as np

from schedbench.problems.icml24 import Problem


def warm_up() -> float:
    """Run each kernel on a three-node graph, with and without edge distances; seconds."""
    from schedbench.solvers.icml24 import list_scheduling, topo_chunk
    from schedbench.solvers.icml24.refine import improve, legalize

    began = time.perf_counter()
    for distance in (0, 1):
        problem = Problem.from_arrays(
            3, [0, 1], [1, 2], [1, 2, 3], None, [distance, 0], stages=3, ratio=1
        )
        improve(problem, problem.asap)
        legalize(problem, problem.asap[None, :])
        topo_chunk.depth_first_order(problem)
        list_scheduling.list_schedule(problem, problem.peak_lower_bound, np.zeros(3))
    return time.perf_counter() - began


if __name__ == "__main__":
    print(f"numba kernels ready in {warm_up():.1f} s")
