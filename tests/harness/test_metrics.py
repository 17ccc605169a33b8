"""Metrics on a hand-made curve equal hand-computed values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from schedbench.harness import metrics

# incumbents at t = 2 (cost 200), t = 5 (150), t = 8 (110); bound 100; budget 10
TIMES, COSTS, BOUND, HORIZON = [2.0, 5.0, 8.0], [200.0, 150.0, 110.0], 100.0, 10.0


def test_best_at_grid():
    grid = metrics.sampling_grid(10, 2.5)
    assert grid.tolist() == [0, 2.5, 5, 7.5, 10]
    np.testing.assert_array_equal(metrics.best_at(TIMES, COSTS, grid), [np.nan, 200, 150, 150, 110])


def test_grid_ends_at_the_budget():
    assert metrics.sampling_grid(3600, 360).size == 11
    assert metrics.sampling_grid(10, 4).tolist() == [0, 4, 8, 10]


def test_primal_integral():
    # gap 1 on [0,2), 0.5 on [2,5), 1/3 on [5,8), 1/11 on [8,10]
    expected = (2 * 1 + 3 * 0.5 + 3 * (50 / 150) + 2 * (10 / 110)) / 10
    assert metrics.primal_integral(TIMES, COSTS, BOUND, HORIZON) == pytest.approx(expected)


def test_time_to_target():
    assert metrics.time_to_target(TIMES, COSTS, BOUND, 0.35) == 5.0  # gap 1/3 at t = 5
    assert np.isnan(metrics.time_to_target(TIMES, COSTS, BOUND, 0.05))  # never reached


def test_shifted_geometric_mean():
    assert metrics.shifted_geometric_mean([1, 3], shift=1) == pytest.approx(np.sqrt(2 * 4) - 1)


def test_performance_profile():
    table = pd.DataFrame(
        {
            "dataset": ["a", "a", "b", "b"],
            "solver": ["x", "y", "x", "y"],
            "best_cost": [100, 110, 220, 200],
        }
    )
    profile = metrics.performance_profile(table, taus=[1.0, 1.1])
    share = {(r.tau, r.solver): r.share for r in profile.itertuples()}
    assert share[(1.0, "x")] == 0.5 and share[(1.0, "y")] == 0.5
    assert share[(1.1, "x")] == 1.0 and share[(1.1, "y")] == 1.0
