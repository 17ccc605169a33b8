"""Every exact back-end reaches the brute-force optimum on tiny DAGs, with both formulations."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from builders import brute_force_optimum, random_dag
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schedbench.problems.icml24 import Problem
from schedbench.solvers.base import Status
from schedbench.solvers.registry import EXACT, solve

PACKAGES = {
    "cpsat": "ortools",
    "highs": "highspy",
    "gurobi": "gurobipy",
    "cplex": "cplex",
    "cbc": "pulp",
}


def available(solver: str) -> bool:
    return importlib.util.find_spec(PACKAGES[solver]) is not None


@pytest.mark.parametrize("solver", EXACT)
@pytest.mark.parametrize("formulation", ["paper", "compact"])
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(2, 8),
    stages=st.integers(1, 4),
    distances=st.booleans(),
    comm_mode=st.sampled_from(["binary", "weighted"]),
)
def test_exact_backends_reach_the_optimum(
    solver, formulation, seed, n, stages, distances, comm_mode
):
    if not available(solver):
        pytest.skip(f"{PACKAGES[solver]} is not installed")
    problem = random_dag(np.random.default_rng(seed), n, stages, with_distances=distances)
    problem = problem.with_settings(comm_mode=comm_mode)
    optimum = brute_force_optimum(problem)
    result = solve(problem, solver, time_limit=30, formulation=formulation)
    assert result.status is Status.OPTIMAL, result.message
    assert result.cost == optimum
    assert result.bound is None or result.bound <= optimum + 1e-6


@pytest.mark.parametrize("solver", EXACT)
def test_warm_start_is_accepted(solver):
    if not available(solver):
        pytest.skip(f"{PACKAGES[solver]} is not installed")
    problem = random_dag(np.random.default_rng(3), 8, 4, with_distances=True)
    result = solve(problem, solver, time_limit=30, warm_start=problem.asap, formulation="compact")
    assert result.status is Status.OPTIMAL
    assert result.cost == brute_force_optimum(problem)


@pytest.mark.parametrize("solver", ["gurobi", "cplex"])
def test_license_limit_is_skipped_not_crashed(solver):
    """The pip packages' size limit: RW4's compact model (8,100 binaries) is over it."""
    if not available(solver):
        pytest.skip(f"{PACKAGES[solver]} is not installed")
    from schedbench.datasets import load

    result = solve(load("rw4"), solver, time_limit=10, formulation="compact")
    assert result.status in (Status.SKIPPED, Status.TIMEOUT, Status.OPTIMAL), result.message
    if result.status is Status.SKIPPED:
        assert "limit" in result.message.lower() or "large" in result.message.lower()
    else:  # a full licence: a real schedule
        assert result.schedule is not None and result.cost is not None


@pytest.mark.parametrize("solver", EXACT)
def test_all_zero_weights_are_solved(solver):
    """Found by the property test above: with every weight 0 the paper model's
    unbounded indicator columns once got the bound 0 in CP-SAT, and no schedule."""
    if not available(solver):
        pytest.skip(f"{PACKAGES[solver]} is not installed")
    problem = Problem.from_arrays(3, [0], [2], [0, 0, 0], [0], stages=2, ratio=3)
    result = solve(problem, solver, time_limit=30, formulation="paper")
    assert result.status is Status.OPTIMAL and result.cost == 0, result.message


def test_a_stop_request_interrupts_a_cp_sat_solve():
    """What the harness sends at a proved bound reaches CP-SAT's native search (its
    ``stop_search``, registered through ``interruptible``): the solve returns at once."""
    import threading
    import time

    from schedbench.datasets import load
    from schedbench.solvers import base

    problem = load("rw1")  # CP-SAT proves nothing on it in seconds
    timer = threading.Timer(2.0, base.request_stop)
    try:
        timer.start()
        started = time.perf_counter()
        solve(problem, "cpsat", time_limit=120, formulation="compact", threads=1)
        assert time.perf_counter() - started < 60
    finally:
        timer.cancel()
        base.STOP_REQUESTED.clear()  # the flag is per process: leave it as found


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(2, 8),
    stages=st.integers(1, 4),
    distances=st.booleans(),
    comm_mode=st.sampled_from(["binary", "weighted"]),
    hinted=st.booleans(),
)
def test_cpsat_interval_model_reaches_the_optimum(seed, n, stages, distances, comm_mode, hinted):
    problem = random_dag(np.random.default_rng(seed), n, stages, with_distances=distances)
    problem = problem.with_settings(comm_mode=comm_mode)
    result = solve(problem, "cpsat", time_limit=30, threads=1, formulation="interval",
                   warm_start=problem.asap if hinted else None)  # fmt: skip
    assert result.status is Status.OPTIMAL, result.message
    assert result.cost == brute_force_optimum(problem)
    assert result.bound <= result.cost + 1e-6
