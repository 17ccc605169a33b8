"""local_search: the topo_chunk schedule refined by the shared exact local search.

Not a method of the paper: it is here so that every solver that ends with the local
search (gs_plus, gauss, hybrid) can be compared with the local search alone, which tells
what the differentiable part adds.
"""

from __future__ import annotations

import time

import numpy as np

from schedbench.solvers.base import Outcome, SolveContext
from schedbench.solvers.icml24.refine import Neighbourhood, improve, initial_schedule, legalize

REVISION = 2  # 2: the numba local search and legalization (more steps per budget)
LIBRARY = "numpy"
PIP = "numpy"
CLASSES = ("icml24",)  # the problem classes it solves


def version() -> str:
    return f"numpy {np.__version__}"


def run(ctx: SolveContext, restarts: bool = True, rounds: int = 200, passes: int = 50) -> Outcome:
    """Refine topo_chunk's schedule (the same start as gauss and gs_plus: topo_chunk with
    restarts for 5 % of the budget); with time left, restart from perturbed copies.
    ``rounds`` caps each descent's rounds (single moves, at most ``passes`` sweeps over
    the nodes, then one pair move); ``restarts=false rounds=1 passes=1`` is one pass over
    the graph, the scaling benchmark's."""
    problem = ctx.problem
    rng = np.random.default_rng(ctx.seed)
    start = initial_schedule(ctx, "topo_chunk")
    hood = Neighbourhood(problem)
    current, passes = start, 0
    while not ctx.should_stop():
        passes += 1
        deadline = time.perf_counter() + ctx.remaining()
        refined = improve(
            problem,
            current,
            deadline,
            rounds,
            neighbourhood=hood,
            rng=rng,
            report=ctx.report,
            max_passes=passes,
        )
        ctx.report(refined)
        if not restarts:
            break
        current = ctx.best_schedule.copy()  # restart: shuffle a few nodes' stages
        kick = rng.random(problem.n) < 0.02
        wish = current + kick * rng.integers(-1, 2, problem.n)
        current = legalize(problem, wish[None, :])[0]
    return Outcome(message=f"{passes} local-search passes ({passes - 1} restarts)")
