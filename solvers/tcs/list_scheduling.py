"""List scheduling for TCS: the fewest units under which a list schedule meets the bound.

For a unit count per kind, the classic list scheduler (:func:`~schedbench.problems.units.
schedule_on_units`) places the ready operations cycle by cycle, least
slack first (the ALAP start under the bound, then the longer tail); the counts are
searched per kind by bisection, the costliest kind first, the others held at their
current counts, and passes repeat until no count falls. The ASAP peak per kind always
meets the bound (the list scheduler then reproduces ASAP), so the search starts
feasible. ``restarts`` repeats it with priorities perturbed by seeded noise until the
budget ends or the lower bound is met.
"""

from __future__ import annotations

import numpy as np

from schedbench.problems.tcs import TCSProblem
from schedbench.problems.units import schedule_on_units
from schedbench.solvers.base import Outcome, SolveContext

LIBRARY = PIP = "numpy"
CLASSES = ("tcs",)


def version() -> str:
    return "schedbench"


def run(ctx: SolveContext, restarts: bool = True, noise: float = 1.0) -> Outcome:
    """The least-slack search, then seeded perturbed priorities until the budget ends."""
    problem = ctx.problem
    ctx.report(first_schedule(problem))
    base = slack_priority(problem)
    rng = np.random.default_rng(ctx.seed)
    tries = 0
    while restarts and not ctx.should_stop() and ctx.best_cost > problem.lower_bound:
        ctx.report(fewest_units(problem, base + noise * rng.random(problem.n)))
        tries += 1
    return Outcome(message=f"{tries} restarts")


def first_schedule(problem: TCSProblem) -> np.ndarray:
    """tcs_list's first schedule: the fewest units its least-slack search finds (GauS's
    informed start on TCS, ``hls_gauss`` ``start=list``)."""
    return fewest_units(problem, slack_priority(problem))


def slack_priority(problem: TCSProblem) -> np.ndarray:
    """Larger first: the earlier the ALAP start, then the longer the path to the end."""
    tail = (problem.node_delay + problem.tail).astype(float)
    return -problem.alap.astype(float) + tail / (tail.max() + 1.0)


def meets(problem: TCSProblem, units: np.ndarray, priority: np.ndarray) -> np.ndarray | None:
    """The list schedule on ``units`` per kind, or None when it misses the bound."""
    start = schedule_on_units(
        problem.n,
        problem.node_delay,
        problem.graph.successors,
        problem.dst,
        problem.node_kind,
        np.maximum(units, 1),
        priority,
    )
    return start if int((start + problem.node_delay).max()) <= problem.latency else None


def fewest_units(problem: TCSProblem, priority: np.ndarray) -> np.ndarray:
    """A schedule meeting the bound on the fewest units the search finds."""
    low = problem.unit_lower_bounds()
    units = np.maximum(problem.evaluate(problem.asap).units[0], low)
    best = meets(problem, units, priority)
    if best is None:  # list scheduling is not monotone in the units: ASAP itself fits
        return problem.asap.copy()
    order = np.argsort(-problem.kind_cost, kind="stable")
    changed = True
    while changed:
        changed = False
        for k in order:
            lo, hi = int(low[k]), int(units[k])  # hi meets the bound
            while lo < hi:
                mid = (lo + hi) // 2
                trial = units.copy()
                trial[k] = mid
                found = meets(problem, trial, priority)
                if found is not None:
                    hi, best = mid, found
                else:
                    lo = mid + 1
            if hi < units[k]:
                units[k], changed = hi, True
                best = meets(problem, units, priority)
    return best
