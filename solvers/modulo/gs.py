"""modulo_gs: the constrained Gumbel-Softmax relaxation over start cycles folded modulo
II, for comparison with GauS's Gaussian (:mod:`.gauss`); :mod:`.relaxed` holds the
method."""

from __future__ import annotations

from schedbench.solvers.base import Outcome, SolveContext
from schedbench.solvers.modulo.relaxed import LIBRARY, PIP, options_of, run_relaxed, version

CLASSES = ("modulo",)
FAMILY = "differentiable"  # how the verdict groups it (studies.families)
__all__ = ["CLASSES", "LIBRARY", "PIP", "run", "version"]


def run(ctx: SolveContext, **options) -> Outcome:
    """See :mod:`schedbench.solvers.modulo.relaxed` (``relaxation="gumbel"``)."""
    return run_relaxed(ctx, "gumbel", **options)


run.__signature__ = options_of(run_relaxed)  # its options, defaults and run key as its own
