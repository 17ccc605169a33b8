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


def test_ties_within_the_tolerance():
    assert metrics.tied(1_000_000, 1_000_050)  # 5e-5 apart
    assert not metrics.tied(1_000_000, 1_000_200)  # 2e-4 apart
    assert metrics.tied(1_000_000, 1_000_200, tolerance=1e-3)
    assert not metrics.tied(1.0, np.nan)


def test_profile_and_gap_table_count_ties_as_best():
    from schedbench.harness.tables import gap_table

    runs = pd.DataFrame(
        {
            "dataset": ["rw10", "rw10", "rw2", "rw2", "rw2"],
            "solver": ["x", "y", "x", "y", "z"],
            "best_cost": [1_000_000, 1_000_050, 1_000, 1_100, np.nan],
            "gap": [0.01, 0.01005, 0.1, 0.2, np.nan],
        }
    )
    profile = metrics.performance_profile(runs, taus=[1.0])
    share = {r.solver: r.share for r in profile.itertuples()}
    assert share["x"] == 1.0 and share["y"] == 0.5  # y ties x on rw10
    table = gap_table(runs)
    assert table.index.tolist() == ["rw2", "rw10"]  # digits by value
    assert table.loc["rw10", "best"] == "x, y" and table.loc["rw2", "best"] == "x"
    assert np.isnan(table.loc["rw2", "z"])  # no schedule: an empty cell


def test_combine_supersedes_by_key_and_drops_a_changed_instance():
    from schedbench.harness.tables import combine

    def frames(rows):
        runs = pd.DataFrame(rows, columns=["dataset", "run_key", "problem_digest", "best_cost"])
        points = runs[["run_key"]].assign(t=1.0)
        return runs, points, pd.DataFrame({"run_key": runs["run_key"], "epoch": 1})

    base = frames([("rw1", "a", "d1", 10.0), ("adder_m", "b", "old", 5.0), ("rw4", "c", "d4", 7.0)])
    new = frames([("rw1", "a", "d1", 9.0), ("adder_m", "e", "new", 6.0)])
    runs, points, epochs = combine(base, new)
    assert sorted(runs["run_key"]) == ["a", "c", "e"]
    assert runs.set_index("run_key").loc["a", "best_cost"] == 9.0  # the newer run
    assert set(points["run_key"]) == set(epochs["run_key"]) == {"a", "c", "e"}
    assert len(points) == 3


def test_combine_keeps_a_base_seed_that_no_new_run_repeats():
    from schedbench.harness.tables import combine

    def frames(rows):  # seeds of one configuration share its key
        runs = pd.DataFrame(rows, columns=["dataset", "run_key", "seed", "problem_digest", "cost"])
        points = runs[["run_key", "seed"]].assign(t=1.0)
        return runs, points, pd.DataFrame({"run_key": runs["run_key"], "seed": runs["seed"]})

    base = frames([("rw2", "k", 0, "d", 10.0), ("rw2", "k", 1, "d", 12.0)])
    new = frames([("rw2", "k", 1, "d", 11.0), ("rw2", "k", 2, "d", 13.0)])
    runs, points, epochs = combine(base, new)
    assert runs.set_index("seed")["cost"].to_dict() == {0: 10.0, 1: 11.0, 2: 13.0}
    assert sorted(points["seed"]) == sorted(epochs["seed"]) == [0, 1, 2]


def test_every_status_and_column_is_documented_and_the_page_is_current():
    from pathlib import Path

    from schedbench.harness import columns
    from schedbench.solvers.base import Status

    root = Path(__file__).resolve().parents[2]
    assert (root / "docs" / "columns.md").read_text() == columns.page()
    assert {str(s) for s in Status} <= set(columns.STATUSES)
    runs = pd.read_csv(root / "docs" / "results" / "runs.csv", nrows=1)
    points = pd.read_csv(root / "docs" / "results" / "points.csv", nrows=1)
    assert set(runs.columns) <= set(columns.RUN_COLUMNS)
    keys = {"dataset", "solver", "formulation", "seed", "run_key", "stages", "ratio"}
    assert set(points.columns) <= set(columns.POINT_COLUMNS) | keys
    assert columns.status_words("timeout") == "budget reached"


def test_a_profile_leaves_out_solvers_not_run_on_every_design():
    runs = pd.DataFrame(
        [("a", "cpsat", 10.0), ("b", "cpsat", 10.0), ("a", "gs", float("nan")),
         ("b", "gs", 12.0), ("a", "gs_nograd", 11.0)],
        columns=["dataset", "solver", "best_cost"],
    )  # fmt: skip
    kept, left_out = metrics.on_every_design(runs)
    assert left_out == ["gs_nograd"] and set(kept["solver"]) == {"cpsat", "gs"}  # gs failed
    only_some = pd.DataFrame(  # nobody ran on every design: nothing to drop
        [("a", "gs_nograd", 11.0), ("b", "list", 9.0)], columns=runs.columns
    )
    assert metrics.on_every_design(only_some)[1] == []
