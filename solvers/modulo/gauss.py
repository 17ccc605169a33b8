"""modulo_gauss: GauS's Gaussian relaxation for modulo scheduling (expected usage folded
modulo II, recurrences in the augmented Lagrangian, an outer loop over II, legalization
by iterative modulo scheduling); :mod:`.relaxed` holds the method."""

from __future__ import annotations

from schedbench.solvers.base import Outcome, SolveContext
from schedbench.solvers.modulo.relaxed import LIBRARY, PIP, options_of, run_relaxed, version

CLASSES = ("modulo",)
FAMILY = "differentiable"  # how the verdict groups it (studies.families)
__all__ = ["CLASSES", "LIBRARY", "PIP", "run", "version"]


def run(ctx: SolveContext, **options) -> Outcome:
    """See :mod:`schedbench.solvers.modulo.relaxed` (``relaxation="gauss"``)."""
    return run_relaxed(ctx, "gauss", **options)


run.__signature__ = options_of(run_relaxed)  # its options, defaults and run key as its own
