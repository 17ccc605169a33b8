"""The MILP a run's instance needs, whatever its class: a library-neutral
:class:`~schedbench.solvers.formulations.LinearModel`, how to read a schedule from a
solution vector, and the MIP start, so each MILP back-end (Gurobi, CPLEX, CBC) knows one
library and solves every class the same way.

The paper's class: ``formulation`` ('paper' or 'compact', :mod:`.formulations`), started
from the run's warm start when it has one. RCS: the time-indexed model of
:mod:`.rcs.milp` over the horizon of the first schedule (the warm start or the list
schedule, reported at once), which is also its MIP start; it has one formulation. TCS:
the time-indexed model of :mod:`.tcs.milp`, started from the warm start or ASAP. Modulo:
one time-indexed model per candidate II (:func:`solve_each`, :mod:`.modulo.milp`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from schedbench.solvers.base import SolveContext
from schedbench.solvers.formulations import Formulation, LinearModel, build, encode

CLASSES = ("icml24", "rcs", "tcs", "modulo")  # what a back-end built on this module solves


@dataclass(frozen=True)
class RunModel:
    """A model, its decoder (solution vector -> schedule) and a MIP start (or None)."""

    model: LinearModel
    decode: Callable[[np.ndarray], np.ndarray]
    start: np.ndarray | None


def check(problem: Any, options: dict) -> None:
    """A one-line error before the run for a formulation the class does not have."""
    formulation = options.get("formulation", "paper")
    kind = problem.CLASS
    if kind != "icml24" and formulation != "paper":
        raise ValueError(
            f"formulation={formulation!r} is the paper's class's; {kind.upper()} has one "
            "(time-indexed) model: drop the option"
        )


def model_of(ctx: SolveContext, formulation: Formulation = "paper") -> RunModel:
    """The model of ``ctx.problem``'s class (see the module docstring)."""
    problem = ctx.problem
    check(problem, {"formulation": formulation})
    if problem.CLASS == "rcs":
        from schedbench.solvers.rcs import first_schedule
        from schedbench.solvers.rcs.milp import build as build_rcs

        hint = first_schedule(ctx)
        indexed = build_rcs(problem, int((hint + problem.node_delay).max()))
        return RunModel(indexed.model, indexed.decode, indexed.encode(hint))
    if problem.CLASS == "tcs":
        from schedbench.solvers.tcs import first_schedule as first_tcs
        from schedbench.solvers.tcs.milp import build as build_tcs

        hint = first_tcs(ctx)
        model = build_tcs(problem)
        return RunModel(model.model, model.decode, model.encode(hint))
    lm = build(problem, formulation)
    start = None if ctx.warm_start is None else encode(lm, problem, ctx.warm_start)
    return RunModel(lm, lm.decode, start)


def solve_each(ctx: SolveContext, formulation: Formulation,
               solve: Callable[[Any, RunModel], Any]) -> Any:  # fmt: skip
    """A back-end's run on the class's model: ``solve(ctx, run_model)`` once, or for the
    modulo class once per candidate II (:func:`schedbench.solvers.modulo.milp.search_with`:
    the time-indexed model at each II from MinII up)."""
    if ctx.problem.CLASS == "modulo":
        from schedbench.solvers.modulo.milp import search_with

        check(ctx.problem, {"formulation": formulation})
        return search_with(ctx, solve)
    return solve(ctx, model_of(ctx, formulation))
