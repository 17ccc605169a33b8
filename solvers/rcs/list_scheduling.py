"""List scheduling for RCS: cycle by cycle, the ready operations by priority onto free units.

The classic HLS list scheduler: an operation is ready at cycle t when every predecessor
has finished by t; at each cycle the ready operations are taken in priority order while a
unit of their type is free (a unit stays busy for the operation's delay). The default
priority is the critical path: the longest path from the operation's start to the end
(its delay plus its tail), ties broken by more successors. ``restarts`` draws
priorities perturbed by seeded noise and keeps the best schedule.
"""

from __future__ import annotations

import numpy as np

from schedbench.problems.rcs import RCSProblem
from schedbench.problems.units import critical_path_priority, schedule_on_units
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
