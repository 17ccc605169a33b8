"""The beyond-paper solvers: local search and legalization, gauss, gs_plus switches."""

from __future__ import annotations

import numpy as np
import pytest
from builders import improving_single_move, random_dag
from hypothesis import example, given, settings
from hypothesis import strategies as st

from schedbench import evaluate
from schedbench.problems.icml24 import Problem
from schedbench.solvers.base import Status
from schedbench.solvers.icml24.refine import improve, legalize
from schedbench.solvers.registry import solve

DAGS = {
    "seed": st.integers(0, 10_000),
    "n": st.integers(1, 10),
    "stages": st.integers(1, 5),
    "distances": st.booleans(),
}


@settings(max_examples=60, deadline=None)
@given(**DAGS)
def test_legalize_makes_any_wish_feasible(seed, n, stages, distances):
    problem = random_dag(np.random.default_rng(seed), n, stages, with_distances=distances)
    wishes = np.random.default_rng(seed).integers(-2, stages + 2, (8, n))
    assert evaluate(problem, legalize(problem, wishes)).feasible.all()


@settings(max_examples=60, deadline=None)
@given(**DAGS)
def test_local_search_keeps_feasibility_and_never_worsens(seed, n, stages, distances):
    problem = random_dag(np.random.default_rng(seed), n, stages, with_distances=distances)
    start = problem.asap
    better = improve(problem, start, rng=np.random.default_rng(seed))
    before, after = evaluate(problem, start), evaluate(problem, better)
    assert after.feasible[0] and after.cost[0] <= before.cost[0]
    assert improving_single_move(problem, better) is None  # it stopped at a local optimum


@pytest.mark.parametrize("distances", [False, True])
def test_local_search_reports_its_progress_on_the_way(distances):
    """A descent can take the whole budget on a large design: what it found must reach
    the tracker before the deadline, not when the search returns."""
    problem = random_dag(np.random.default_rng(5), 300, 8, p=0.02, with_distances=distances)
    reported: list[np.ndarray] = []
    final = improve(problem, problem.asap, report=reported.append, report_every=0.0)
    costs = [evaluate(problem, s).cost[0] for s in reported]
    assert len(reported) >= 2 and all(evaluate(problem, s).feasible[0] for s in reported)
    assert costs == sorted(costs, reverse=True)  # every accepted move lowers the cost or ties
    assert evaluate(problem, final).cost[0] <= costs[-1] < evaluate(problem, problem.asap).cost[0]
    silent: list[np.ndarray] = []
    improve(problem, problem.asap, report=silent.append, report_every=3600.0)
    assert silent == []  # throttled


def test_single_moves_balance_independent_nodes():
    problem = Problem.from_arrays(4, [], [], [5, 5, 5, 5], stages=2, ratio=1)
    assert evaluate(problem, improve(problem, np.zeros(4, np.int64))).peak[0] == 10


def test_pair_move_reaches_the_balance_single_moves_cannot():
    """Loads 7+3 | 6+2: every single move raises the peak, swapping 3 and 2 gives 9 | 9."""
    problem = Problem.from_arrays(4, [], [], [7, 3, 6, 2], stages=2, ratio=1)
    start = np.array([0, 0, 1, 1])
    assert evaluate(problem, improve(problem, start)).peak[0] == 9


def test_pair_moves_skip_pairs_joined_by_an_edge():
    """The only balancing swap would put a successor before its predecessor's stage."""
    problem = Problem.from_arrays(3, [1], [2], [7, 3, 2], stages=2, ratio=1)
    start = np.array([0, 0, 1])  # loads 10 | 2; swapping 3 (node 1) with 2 (node 2) is illegal
    result = evaluate(problem, improve(problem, start))
    assert result.feasible[0]


SMALL = {
    "gauss": {"epochs": 20, "batch": 8},
    "gs_plus": {"epochs": 4, "batch": 8, "device": "cpu"},
    "local_search": {},
}


@pytest.mark.parametrize("solver", list(SMALL))
@settings(max_examples=12, deadline=None)
@given(**DAGS)
@example(seed=198, n=7, stages=2, distances=True)  # topo_chunk finds no chunking: start at ASAP
def test_beyond_solvers_are_feasible_and_exact_where_they_should_be(
    solver, seed, n, stages, distances
):
    problem = random_dag(np.random.default_rng(seed), n, stages, with_distances=distances)
    result = solve(problem, solver, time_limit=2, seed=seed, **SMALL[solver])
    assert result.schedule is not None, result.message
    checked = evaluate(problem, result.schedule)
    assert checked.feasible[0] and result.cost == checked.cost[0]
    if solver == "local_search":  # its last schedule is a local optimum
        assert improving_single_move(problem, result.schedule) is None


GS_PLUS_SWITCHES = [
    {"logit_mask": False},
    {"memory_loss": "entropy"},
    {"memory_loss": "smoothmax"},
    {"temperature_schedule": "constant"},
    {"init": "paper"},
    {"init": "window"},
    {"local_search": False},
]


@pytest.mark.parametrize("switch", GS_PLUS_SWITCHES, ids=lambda s: "-".join(map(str, s.items())))
def test_every_gs_plus_switch_runs(switch):
    problem = random_dag(np.random.default_rng(9), 25, 4, with_distances=True)
    result = solve(problem, "gs_plus", time_limit=30, epochs=5, batch=16, device="cpu", **switch)
    assert result.status is Status.FEASIBLE and evaluate(problem, result.schedule).feasible[0]
    assert len(result.records) == 5


def test_logit_mask_samples_are_legal_and_learn():
    """Logit-space masking: every sample legal, and the loss falls on a small instance."""
    problem = random_dag(np.random.default_rng(11), 40, 5, p=0.08)
    result = solve(
        problem,
        "gs_plus",
        time_limit=60,
        epochs=60,
        batch=32,
        device="cpu",
        local_search=False,
        init="paper",
    )
    losses = [r["loss"] for r in result.records]
    assert np.mean(losses[-10:]) < np.mean(losses[:10])


@pytest.mark.parametrize("init", ["topo_chunk", "window", "asap"])
def test_gauss_records_and_inits(init):
    problem = random_dag(np.random.default_rng(4), 30, 5, with_distances=True)
    result = solve(problem, "gauss", time_limit=30, epochs=30, init=init, local_search=False)
    assert result.status is Status.FEASIBLE
    assert {"loss", "peak", "comm", "violation", "sigma", "best_cost"} <= set(result.records[0])
    sigmas = [r["sigma"] for r in result.records]
    assert sigmas[0] > sigmas[-1] == pytest.approx(0.05)  # annealed to sigma_final
