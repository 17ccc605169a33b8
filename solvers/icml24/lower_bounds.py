"""Lower bounds beyond the trivial one: the LP relaxation of the compact model (HiGHS)."""

from __future__ import annotations

from schedbench.problems.icml24 import Problem
from schedbench.solvers.base import integral_bound
from schedbench.solvers.formulations import build_compact


def lp_relaxation_bound(problem: Problem, *, time_limit: float = 60.0) -> float | None:
    """Optimal value of the compact model's LP relaxation (None if not solved in time).

    The LP bound equals max(R * sum(w) / L, ...) plus what the precedence forces; it is
    never weaker than R * sum(w) / L and is rounded up when costs are integers.
    """
    from schedbench.solvers.highs import to_highs

    h = to_highs(build_compact(problem), relax=True)
    h.setOptionValue("time_limit", float(time_limit))
    h.run()
    import highspy

    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    value = integral_bound(problem, h.getInfo().objective_function_value)
    return None if value is None else max(value, float(problem.trivial_lower_bound))
