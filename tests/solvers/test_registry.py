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
    module.LIBRARY, module.PIP, module.CLASSES = "fake", "fake", ("icml24",)
    module.version = lambda: "fake 1"
    monkeypatch.setitem(sys.modules, "schedbench.solvers.fake", module)
    known = {**registry.modules(), "fake": "schedbench.solvers.fake"}
    monkeypatch.setattr(registry, "modules", lambda: known)
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
    """Reports reach the callback in the order made, exactly the strictly improving ones."""
    from schedbench import Problem

    problem = Problem.from_arrays(4, [], [], [5, 5, 5, 5], stages=2, ratio=1)
    schedules = [np.array(s) for s in ([0, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 1])]  # 20, 15, 10
    assert [evaluate(problem, s).cost[0] for s in schedules] == [20, 15, 10]
    reports = [schedules[0], *schedules, schedules[0]]  # repeats are never forwarded
    seen = []

    def run(ctx):
        for schedule in reports:
            ctx.tracker.offer(schedule)
        return Outcome(Status.FEASIBLE)

    fake_backend.run = run
    result = registry.solve(problem, "fake", on_incumbent=lambda s, t, b: seen.append(s.copy()))
    expected, best = [], np.inf
    for schedule in reports:
        cost = evaluate(problem, schedule).cost[0]
        if cost < best:
            expected.append(schedule)
            best = cost
    assert len(seen) == len(expected) == len(result.incumbents) >= 3
    assert all(np.array_equal(a, b) for a, b in zip(seen, expected, strict=True))
    assert result.cost == best


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
