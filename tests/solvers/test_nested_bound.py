"""nested_bound: never above the optimum (brute force on random instances, distances and
weighted comm included), never below the trivial bound, above it where nesting binds."""

from __future__ import annotations

import numpy as np
import pytest
from builders import brute_force_optimum, random_dag
from hypothesis import given, settings
from hypothesis import strategies as st

from schedbench import Problem
from schedbench.graph import Graph
from schedbench.solvers.registry import solve

pytest.importorskip("ortools")


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 7),
    stages=st.integers(1, 4),
    distances=st.booleans(),
    comm_mode=st.sampled_from(["binary", "weighted"]),
    block=st.integers(1, 3),
)
def test_never_above_the_optimum_nor_below_the_trivial_bound(
    seed, n, stages, distances, comm_mode, block
):
    problem = random_dag(np.random.default_rng(seed), n, stages, with_distances=distances)
    problem = problem.with_settings(comm_mode=comm_mode)
    result = solve(problem, "nested_bound", time_limit=20, threads=1, block=block)
    assert result.schedule is None and result.bound is not None, result.message
    assert problem.trivial_lower_bound <= result.bound <= brute_force_optimum(problem) + 1e-9


def test_a_chain_split_in_two_stages_is_bounded_by_its_optimum():
    graph = Graph.from_arrays(4, np.array([0, 1, 2]), np.array([1, 2, 3]), name="chain4")
    problem = Problem.of(graph, stages=2, ratio=1)  # trivial: peak 2 -> 2; optimum 2 + 1
    result = solve(problem, "nested_bound", time_limit=20, threads=1)
    assert problem.trivial_lower_bound == 2
    assert result.bound == brute_force_optimum(problem) == 3
