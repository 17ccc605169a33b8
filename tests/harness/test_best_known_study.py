"""The best-known study: a run's lower cost replaces the registry's, only a higher proved
bound replaces its bound, the doubling rule (best at B against best at B / 2 or less, 0.5 %),
the floors, and a bound above a cost refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from schedbench.studies import best_known

BEFORE = pd.DataFrame(
    [
        {"dataset": "adder", "best_cost": 18_348, "cost_solver": "gauss", "best_bound": 16_700,
         "bound_source": "trivial"},
        {"dataset": "voter", "best_cost": 160_720, "cost_solver": "list", "best_bound": 157_700,
         "bound_source": "trivial"},
        {"dataset": "bar_m", "best_cost": 33_908, "cost_solver": "gauss", "best_bound": 25_800,
         "bound_source": "trivial"},
    ]
)  # fmt: skip


def run(dataset: str, solver: str, budget: float, cost: float | None,
        bound: float | None = None) -> dict:  # fmt: skip
    return {"dataset": dataset, "solver": solver, "budget": budget,
            "best_cost": np.nan if cost is None else cost,
            "bound": np.nan if bound is None else bound}  # fmt: skip


def test_costs_bounds_doubling_and_floors():
    runs = pd.DataFrame(
        [
            run("adder", "nested_cuts", 300, 16_900),
            run("adder", "nested_cuts", 600, 16_880),  # 0.12 % lower: holds
            run("adder", "cpsat_interval", 600, 17_500, 16_750),  # a higher proved bound
            run("voter", "nested_cuts", 300, 161_000),
            run("voter", "nested_cuts", 600, 159_500),  # 0.9 % lower: moved
            run("voter", "cpsat_interval", 600, None, 150_000),  # a lower bound is ignored
        ]
    )
    frame = best_known.table(BEFORE, runs).set_index("dataset")
    adder, voter, bar_m = frame.loc["adder"], frame.loc["voter"], frame.loc["bar_m"]
    assert adder.best_cost == 16_880 and adder.cost_solver == "nested_cuts (600 s)"
    assert adder.best_bound == 16_750 and adder.bound_source == "cpsat_interval (600 s)"
    assert best_known.holds(adder.change) == "holds"
    assert voter.best_cost == 159_500 and voter.best_bound == 157_700
    assert best_known.holds(voter.change) == "moved: run longer"
    assert voter.change == pytest.approx(1_500 / 161_000)
    # no runs: the registry's values stay, the rule cannot be applied
    assert bar_m.best_cost == 33_908 and best_known.holds(bar_m.change).startswith("no run")
    assert adder.gap_after == pytest.approx((16_880 - 16_750) / 16_880)
    text = best_known.markdown(frame.reset_index())
    assert "| adder | 18,348 (gauss) |" in text and "17,016 (met)" in text
    assert "159,197 (not met)" in text and "16,900 → 16,880 (600 s)" in text
    summary = best_known.summary(frame.reset_index())
    assert "met on 1 of 2" in summary and "holds on 1 of 3; still moving: voter" in summary


def test_a_registry_cost_lowered_by_another_run_counts_with_its_solver():
    runs = pd.DataFrame([run("bar_m", "nested_cuts", 240, 33_200)])
    now = BEFORE.assign(best_cost=BEFORE["best_cost"].where(BEFORE["dataset"] != "bar_m", 33_100))
    frame = best_known.table(BEFORE, runs, now).set_index("dataset")
    assert frame.loc["bar_m", "best_cost"] == 33_100
    assert frame.loc["bar_m", "cost_solver"].endswith("(registry)")
    assert frame.loc["bar_m", "best_full"] == 33_200  # the doubling rule reads the runs only


def test_a_tie_is_credited_to_the_solver_the_registry_names():
    runs = pd.DataFrame([run("voter", "cpsat_interval", 960, 159_205),
                         run("voter", "nested_cuts", 960, 159_205)])  # fmt: skip
    now = BEFORE.assign(
        best_cost=BEFORE["best_cost"].where(BEFORE["dataset"] != "voter", 159_205),
        cost_solver=BEFORE["cost_solver"].where(BEFORE["dataset"] != "voter", "nested_cuts"),
    )
    frame = best_known.table(BEFORE, runs, now).set_index("dataset")
    assert frame.loc["voter", "cost_solver"] == "nested_cuts (960 s)"
    assert best_known.table(BEFORE, runs).set_index("dataset").loc["voter", "best_cost"] == 159_205


def test_a_bound_above_a_cost_is_refused():
    runs = pd.DataFrame([run("adder", "broken", 60, None, 20_000)])
    with pytest.raises(ValueError, match="bound 20000 above the best cost 18348"):
        best_known.table(BEFORE, runs)


def test_the_snapshot_holds_every_epfl_design_of_the_registry():
    frame = best_known.snapshot()
    assert sorted(frame["dataset"]) == sorted(best_known.DESIGNS)
    assert (frame["best_bound"] <= frame["best_cost"]).all()
