"""The one interface: incumbents are re-checked, bad schedules become errors, statuses."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest
from builders import random_dag

from schedbench import evaluate
from schedbench.solvers import registry
from schedbench.solvers.base import Outcome, Status


@pytest.fixture
def fake_backend(monkeypatch):
    """Register a back-end whose behaviour each test sets."""
    module = types.ModuleType("schedbench.solvers.fake")
    module.LIBRARY, module.PIP = "fake", "fake"
    module.version = lambda: "fake 1"
    monkeypatch.setitem(sys.modules, "schedbench.solvers.fake", module)
    monkeypatch.setitem(registry.SOLVERS, "fake", "fake")
    return module


def test_infeasible_incumbent_is_an_error(fake_backend):
    problem = random_dag(np.random.default_rng(0), 5, 3, p=1.0)

    def run(ctx):
        ctx.tracker.offer(np.full(problem.n, 2)[::-1] * np.arange(problem.n)[::-1] % 3)
        return Outcome(Status.OPTIMAL)

    fake_backend.run = run
    result = registry.solve(problem, "fake")
    assert result.status is Status.ERROR
    assert "infeasible schedule" in result.message and "violated" in result.message


def test_incumbents_are_forwarded_in_order(fake_backend):
    problem = random_dag(np.random.default_rng(1), 6, 4)
    seen = []

    def run(ctx):
        ctx.tracker.offer(problem.alap)
        ctx.tracker.offer(problem.asap)
        return Outcome(Status.FEASIBLE)

    fake_backend.run = run
    result = registry.solve(problem, "fake", on_incumbent=lambda s, t, b: seen.append(s.copy()))
    assert result.cost == min(c for _, c in result.incumbents)
    assert len(seen) == len(result.incumbents) >= 1
    # improving reports reach the callback in the order they were made
    costs = [evaluate(problem, s).cost[0] for s in seen]
    assert costs == [c for _, c in result.incumbents]
    assert costs == sorted(costs, reverse=True) and len(set(costs)) == len(costs)
    assert np.array_equal(seen[0], problem.alap)
    assert len(seen) == 2 and np.array_equal(seen[1], problem.asap)  # ASAP is cheaper here


def test_on_offer_sees_every_report_improving_or_not(fake_backend):
    """on_incumbent sees improvements only; on_offer sees each report before its check."""
    problem = random_dag(np.random.default_rng(1), 6, 4)
    offers, improvements = [], []

    def run(ctx):
        ctx.tracker.on_offer = lambda: offers.append(ctx.tracker.best_cost)
        for schedule in (problem.asap, problem.asap, np.full(problem.n, -1), problem.alap):
            ctx.tracker.offer(schedule)
        return Outcome(Status.FEASIBLE)

    fake_backend.run = run
    result = registry.solve(problem, "fake", on_incumbent=lambda *_: improvements.append(1))
    assert len(offers) == 4 and offers[0] == np.inf  # called before the first is checked
    assert len(improvements) == len(result.incumbents) <= 2
    assert result.status is Status.ERROR  # the stage -1 schedule was infeasible


def test_raising_backend_is_recorded(fake_backend):
    def run(ctx):
        raise RuntimeError("library exploded")

    fake_backend.run = run
    result = registry.solve(random_dag(np.random.default_rng(2), 4, 2), "fake")
    assert result.status is Status.ERROR and "library exploded" in result.message


def test_missing_library_is_skipped(fake_backend):
    def version():
        raise ImportError("No module named 'fake'")

    fake_backend.version = version
    result = registry.solve(random_dag(np.random.default_rng(2), 4, 2), "fake")
    assert result.status is Status.SKIPPED and "pip install fake" in result.message


def test_unknown_solver():
    with pytest.raises(ValueError, match="unknown solver 'gss'"):
        registry.solve(random_dag(np.random.default_rng(2), 4, 2), "gss")


def test_infeasible_warm_start_is_refused():
    problem = random_dag(np.random.default_rng(3), 5, 3, p=1.0)
    with pytest.raises(ValueError, match="warm start schedule is infeasible"):
        registry.solve(problem, "cpsat", warm_start=np.arange(problem.n)[::-1] % 3)


def test_lp_bound_is_reported_and_valid():
    from builders import brute_force_optimum

    problem = random_dag(np.random.default_rng(4), 7, 3)
    result = registry.solve(problem, "asap", lp_bound=True)
    assert result.lp_bound is not None
    assert result.trivial_bound <= result.lp_bound <= brute_force_optimum(problem)
