"""Baselines and GS return schedules the evaluator accepts, at the cost they claim."""

from __future__ import annotations

import numpy as np
import pytest
from builders import random_dag
from hypothesis import given, settings
from hypothesis import strategies as st

from schedbench import evaluate
from schedbench.solvers.base import Status
from schedbench.solvers.icml24.topo_chunk import best_chunking, depth_first_order
from schedbench.solvers.registry import BASELINES, solve

GS = {"epochs": 3, "batch": 16, "device": "cpu"}  # a few epochs: legality, not quality


@pytest.mark.parametrize("solver", [*BASELINES, "gs"])
@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 8),
    stages=st.integers(1, 4),
    distances=st.booleans(),
    comm_mode=st.sampled_from(["binary", "weighted"]),
)
def test_heuristics_are_feasible_at_the_cost_they_report(
    solver, seed, n, stages, distances, comm_mode
):
    problem = random_dag(np.random.default_rng(seed), n, stages, with_distances=distances)
    problem = problem.with_settings(comm_mode=comm_mode)
    options = GS if solver == "gs" else {}
    result = solve(problem, solver, time_limit=5 if solver == "gs" else 0.5, seed=seed, **options)
    assert result.status in (Status.FEASIBLE, Status.TIMEOUT)
    assert result.schedule is not None
    checked = evaluate(problem, result.schedule)
    assert checked.feasible[0] and result.cost == checked.cost[0]
    assert result.peak == checked.peak[0] and result.comm == checked.comm[0]
    if solver == "asap":
        assert np.array_equal(result.schedule, problem.asap)


def test_depth_first_order_is_topological():
    problem = random_dag(np.random.default_rng(0), 30, 6, p=0.2)
    position = np.empty(problem.n, int)
    position[depth_first_order(problem)] = np.arange(problem.n)
    assert (position[problem.src] < position[problem.dst]).all()


def test_chunking_meets_the_capacity_bound_on_a_chain():
    from schedbench import Problem

    chain = Problem.from_arrays(6, [0, 1, 2, 3, 4], [1, 2, 3, 4, 5], [1] * 6, stages=3, ratio=10)
    schedule = best_chunking(chain, chain.topological_order)
    assert schedule.tolist() == [0, 0, 1, 1, 2, 2]


def test_topo_chunk_on_rw1_is_near_the_bound():
    from schedbench.datasets import load

    problem = load("rw1")
    result = solve(problem, "topo_chunk", time_limit=2)
    assert result.cost <= 1.02 * problem.trivial_lower_bound
