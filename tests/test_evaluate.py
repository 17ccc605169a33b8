"""The evaluator against a hand-computed example and a brute-force Python loop."""

from __future__ import annotations

import numpy as np
import pytest
from builders import random_dag

from schedbench import Problem, ProblemError, check, evaluate


@pytest.fixture
def diamond() -> Problem:
    """a -> b, a -> c, b -> d, c -> d; weights 4, 2, 3, 1; edge (a, c) carries no data."""
    return Problem.from_arrays(
        4,
        [0, 0, 1, 2],
        [1, 2, 3, 3],
        [4, 2, 3, 1],
        [5, 0, 7, 1],
        stages=3,
        ratio=10,
        labels=["a", "b", "c", "d"],
    )


def test_hand_computed(diamond):
    # s = (0, 1, 1, 2): loads 4 | 5 | 1 -> peak 5; comm over c > 0 edges:
    # (a,b) 1 + (b,d) 1 + (c,d) 1 = 3; cost 10 * 5 + 3 = 53.
    # s = (0, 0, 0, 0): everything chained in stage 0: peak 10, comm 0, cost 100.
    result = evaluate(diamond, [[0, 1, 1, 2], [0, 0, 0, 0], [0, 0, 2, 2]])
    assert result.loads.tolist() == [[4, 5, 1], [10, 0, 0], [6, 0, 4]]
    assert result.peak.tolist() == [5, 10, 6]
    assert result.comm.tolist() == [3, 0, 2]
    assert result.cost.tolist() == [53, 100, 62]
    assert result.feasible.all()
    assert result.best() == 0
    assert result.cost.dtype == np.int64


def test_weighted_comm(diamond):
    weighted = diamond.with_settings(comm_mode="weighted")
    # spans (a,b) 1 * 5 + (b,d) 1 * 7 + (c,d) 1 * 1 = 13
    assert evaluate(weighted, [0, 1, 1, 2]).comm.tolist() == [13]


def test_violations_are_named(diamond):
    report = check(diamond, [1, 0, 1, 2])
    assert not report.feasible
    assert report.violated_edges == [("a", "b")]
    assert "edge ('a', 'b') is violated" in report.reason()
    outside = check(diamond, [0, 1, 1, 3])
    assert outside.out_of_range == ["d"] and not outside.feasible


def test_distances_count_as_constraints():
    p = Problem.from_arrays(2, [0], [1], [1, 1], [1], [1], stages=3, ratio=1)
    result = evaluate(p, [[0, 0], [0, 1], [0, 2]])
    assert result.feasible.tolist() == [False, True, True]
    assert result.best() == 1


def test_fractional_ratio_keeps_exact_float():
    p = Problem.from_arrays(2, [0], [1], [3, 1], stages=2, ratio=2.5)
    assert evaluate(p, [0, 1]).cost.tolist() == [2.5 * 3 + 1]


def test_bad_schedule_shape(diamond):
    with pytest.raises(ProblemError, match="one stage per node"):
        evaluate(diamond, [0, 1])
    with pytest.raises(ProblemError, match="whole numbers"):
        evaluate(diamond, [0.5, 1, 1, 2])


def brute_force_cost(problem: Problem, stages: list[int]) -> tuple[int, int, int, bool]:
    """The objective of docs/problems/icml24.md written as plainly as possible."""
    loads = [0] * problem.stages
    ok = True
    for v, s in enumerate(stages):
        if 0 <= s < problem.stages:
            loads[s] += int(problem.w[v])
        else:
            ok = False
            loads[min(max(s, 0), problem.stages - 1)] += int(problem.w[v])
    comm = 0
    for e in range(problem.m):
        u, v = int(problem.src[e]), int(problem.dst[e])
        if stages[u] + int(problem.d[e]) > stages[v]:
            ok = False
        if problem.c[e] > 0:
            factor = 1 if problem.comm_mode == "binary" else int(problem.c[e])
            comm += factor * (stages[v] - stages[u])
    peak = max(loads)
    return peak, comm, int(problem.ratio) * peak + comm, ok


@pytest.mark.parametrize("mode", ["binary", "weighted"])
@pytest.mark.parametrize("seed", range(5))
def test_matches_brute_force_loop(seed, mode):
    rng = np.random.default_rng(seed)
    problem = random_dag(rng, 9, 4, with_distances=seed % 2 == 1).with_settings(comm_mode=mode)
    batch = rng.integers(-1, 5, size=(64, problem.n))
    batch[:16] = np.clip(batch[:16], 0, 3)
    result = evaluate(problem, batch)
    for b, row in enumerate(batch.tolist()):
        peak, comm, cost, ok = brute_force_cost(problem, row)
        assert bool(result.feasible[b]) == ok
        if ok:
            assert (result.peak[b], result.comm[b], result.cost[b]) == (peak, comm, cost)


def test_gap_has_one_definition_on_a_worked_example():
    # a cost of 150 against a bound of 100: (150 - 100) / 150 = 33.33 %, not 50 %
    from schedbench.evaluate import relative_gap

    assert relative_gap(150.0, 100.0) == pytest.approx(1 / 3)
    assert relative_gap(100.0, 100.0) == 0.0
    assert np.isnan(relative_gap(float("nan"), 100.0))  # no schedule
    assert relative_gap(0.0, 0.0) == 0.0
