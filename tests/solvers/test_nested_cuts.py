"""nested_cuts: feasible at the cost it reports on random instances (distances and weighted
comm included), the known nesting of disjoint chains found exactly, windows that only
ever lower comm, and a real design where it beats the depth-first chunking."""

from __future__ import annotations

import numpy as np
import pytest
from builders import brute_force_optimum, random_dag
from hypothesis import given, settings
from hypothesis import strategies as st

from schedbench import Problem, evaluate
from schedbench.graph import Graph
from schedbench.solvers.registry import solve

pytest.importorskip("ortools")


@settings(max_examples=20, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 8),
    stages=st.integers(1, 4),
    distances=st.booleans(),
    comm_mode=st.sampled_from(["binary", "weighted"]),
    hints_only=st.booleans(),
)
def test_feasible_at_the_cost_it_reports(seed, n, stages, distances, comm_mode, hints_only):
    """``hints_only``: max_free=0, the path of graphs too large for a model (no CP-SAT)."""
    problem = random_dag(np.random.default_rng(seed), n, stages, with_distances=distances)
    problem = problem.with_settings(comm_mode=comm_mode)
    result = solve(problem, "nested_cuts", time_limit=5, threads=1, seed=seed,
                   boundary_seconds=0.5, window_seconds=0.5,
                   **({"max_free": 0} if hints_only else {}))  # fmt: skip
    assert result.schedule is not None, result.message
    checked = evaluate(problem, result.schedule)
    assert checked.feasible[0] and result.cost == checked.cost[0]
    assert result.cost >= brute_force_optimum(problem) if n <= 6 else True


def chains(count: int, length: int, stages: int) -> Problem:
    """``count`` disjoint chains of ``length`` unit nodes: with count == stages, each chain
    alone in a stage is optimal (peak = length, comm 0), the nesting S_k = chains 0..k."""
    src, dst = [], []
    for c in range(count):
        base = c * length
        src += list(range(base, base + length - 1))
        dst += list(range(base + 1, base + length))
    graph = Graph.from_arrays(count * length, np.array(src), np.array(dst), name="chains")
    return Problem.of(graph, stages=stages, ratio=10)


def test_disjoint_chains_nest_one_per_stage():
    problem = chains(count=4, length=6, stages=4)
    result = solve(problem, "nested_cuts", time_limit=20, threads=1, boundary_seconds=2.0)
    assert result.cost == problem.trivial_lower_bound == 10 * 6  # peak 6, comm 0
    stage_of_chain = result.schedule.reshape(4, 6)
    assert (stage_of_chain == stage_of_chain[:, :1]).all()  # every chain in one stage
    assert sorted(stage_of_chain[:, 0]) == [0, 1, 2, 3]
    # start-up is the arrays, not the search: below the first incumbent's time
    assert result.build_time < result.first_incumbent_time


def test_a_window_never_raises_comm_or_the_peak():
    import time

    from schedbench.solvers.base import SolveContext, Tracker
    from schedbench.solvers.icml24.nested_cuts import NestedCuts
    from schedbench.solvers.icml24.topo_chunk import best_chunking

    problem = random_dag(np.random.default_rng(7), 40, 6, p=0.1)
    start = best_chunking(problem, problem.topological_order)
    peak = int(evaluate(problem, start).peak[0])
    tracker = Tracker(problem, None, time.perf_counter())
    ctx = SolveContext(problem=problem, time_limit=10, threads=1, seed=0, tracker=tracker)
    cuts = NestedCuts(problem, ctx)
    before = evaluate(problem, start)
    gains = 0
    for a in range(problem.stages - 1):
        better = cuts.window(start, a, a + 1, peak, 1.0, 10_000)
        if better is not None:
            after = evaluate(problem, better)
            assert after.feasible[0] and after.peak[0] <= peak and after.comm[0] < before.comm[0]
            start, before, gains = better, after, gains + 1
    assert gains > 0  # a level-order chunking is far from the best comm at its peak


def boundary_zero(problem):
    """NestedCuts on ``problem`` and its first boundary's arrays: every node undecided."""
    import time

    from schedbench.solvers.base import SolveContext, Tracker
    from schedbench.solvers.icml24.nested_cuts import NestedCuts

    tracker = Tracker(problem, None, time.perf_counter())
    cuts = NestedCuts(problem, SolveContext(problem, 10, 1, 0, tracker))
    counted = problem.comm_coeff > 0
    slope = np.zeros(problem.n, np.int64)
    np.subtract.at(slope, problem.dst[counted], problem.comm_coeff[counted])
    np.add.at(slope, problem.src[counted], problem.comm_coeff[counted])
    return cuts, np.arange(problem.n), np.zeros(problem.n, bool), problem.d == 0, slope


@pytest.mark.parametrize("design", ["rw1", "i2c"])
def test_the_lagrangian_cut_is_a_closed_set_within_the_peak(design):
    from schedbench.datasets import load

    problem = load(design)
    cuts, nodes, nothing, near, slope = boundary_zero(problem)
    peak = int(problem.peak_lower_bound)
    cut = cuts._lagrangian_hint(nodes, nothing, nothing, near, slope, peak).astype(bool)
    chunk = cuts._fill_hint(nodes, nothing, nothing, peak).astype(bool)
    for chosen in (cut, chunk):
        assert not (chosen[problem.dst] & ~chosen[problem.src]).any()  # predecessor-closed
        assert problem.w[chosen].sum() <= peak
    leaving = int(problem.comm_coeff[cut[problem.src] & ~cut[problem.dst]].sum())
    assert slope @ cut == leaving  # on a closed set the linear objective is the cut
    if design == "i2c":  # a design where the minimum cut beats the depth-first prefix
        assert slope @ cut < slope @ chunk
