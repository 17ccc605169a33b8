"""The warm-start study: time to within 0.1 % of the best known from incumbent curves,
censored runs at their budget, medians and ranges per side, the noise rule, the claim."""

from __future__ import annotations

import pandas as pd

from schedbench.studies import warm_start


def run(solver: str, seed: int, curve: list[tuple[float, float]], dataset: str = "d1",
        budget: float = 60.0) -> dict:  # fmt: skip
    return {"class": "icml24", "dataset": dataset, "solver": solver, "seed": seed,
            "best_cost": min(c for _, c in curve), "problem_digest": f"digest-{dataset}",
            "budget": budget, "curve": [{"t": t, "cost": c} for t, c in curve]}  # fmt: skip


def test_time_to_target_is_the_first_incumbent_within_the_target():
    curve = [{"t": 1.0, "cost": 120}, {"t": 4.0, "cost": 100.05}, {"t": 9.0, "cost": 100}]
    assert warm_start.time_to_target(curve, 100 * 1.001) == 4.0
    assert pd.isna(warm_start.time_to_target(curve, 99))


def test_speedup_noise_rule_censoring_and_the_claim(monkeypatch):
    monkeypatch.setattr(warm_start, "best_known", lambda runs: runs.groupby("dataset")[
        "best_cost"].min())  # fmt: skip
    runs = [
        *(run("cpsat_compact", s, [(0.5, 200), (t, 100)]) for s, t in enumerate((30, 40, 50))),
        *(run("relay", s, [(0.5, 150), (t, 100)]) for s, t in enumerate((2, 3, 4))),
        # d2: the cold side never reaches the target (censored at 60 s), warm within noise
        *(run("cpsat_compact", s, [(1, 300)], "d2") for s in range(3)),
        *(run("relay", s, [(1, 300), (t, 250)], "d2") for s, t in enumerate((20, 59, 70))),
        # d3: cold is fast (under 5 s): not an instance the study keeps
        *(run("cpsat_compact", s, [(1, 10)], "d3") for s in range(3)),
        *(run("relay", s, [(7, 10)], "d3") for s in range(3)),
    ]
    table = warm_start.warm_start_table(runs).set_index("dataset")
    assert list(table.index) == ["d1", "d2"]
    d1, d2 = table.loc["d1"], table.loc["d2"]
    assert (d1.cold_median, d1.warm_median, d1.speedup, d1.faster) == (40, 3, 40 / 3, "warm")
    assert d2.cold_censored == 3 and d2.cold_median == 60 and d2.faster == "within noise"
    assert d2.warm_censored == 1 and d2.warm_median == 59  # 70 s is after the 60 s budget
    text = warm_start.claim(table.reset_index())
    assert "sooner on 1" in text and "13.3x on d1" in text and '"Up to 10x" holds' in text
    rows = warm_start.markdown(table.reset_index())
    assert (
        "| icml24 | d2 | >60.0 [60.0, 60.0] (3 of 3 censored) | 59.0 [20.0, 60.0] (1 of 3" in rows
    )


def test_write_reads_every_results_folder(monkeypatch, tmp_path):
    """The paper's class keeps its runs in the verdict's folder, the others in their own:
    the table joins both (a side found only in one folder would drop the instance)."""
    from schedbench.harness import tables

    monkeypatch.setattr(warm_start, "best_known", lambda runs: runs.groupby("dataset")[
        "best_cost"].min())  # fmt: skip
    cold = [run("cpsat_compact", s, [(0.5, 200), (t, 100)]) for s, t in enumerate((30, 40, 50))]
    warm = [run("relay", s, [(0.5, 150), (t, 100)]) for s, t in enumerate((2, 3, 4))]
    folders = {"verdict": cold, "warm_start": warm}
    monkeypatch.setattr(tables, "load_runs", lambda folder: folders.get(folder.name, []))
    text = warm_start.write([tmp_path / "warm_start", tmp_path / "verdict"], tmp_path / "out")
    assert "| icml24 | d1 | 40.0 [30.0, 50.0] | 3.0 [2.0, 4.0] | 13.33x | warm |" in text


def test_only_the_protocols_runs_compare_and_an_empty_table_says_why(monkeypatch, tmp_path):
    """results/verdict also holds runs at other settings (one thread, 600 s): they must
    not join a side. With no instance left, the study says so instead of crashing."""
    from schedbench.harness import tables

    monkeypatch.setattr(warm_start, "best_known", lambda runs: runs.groupby("dataset")[
        "best_cost"].min())  # fmt: skip
    cold = [{**run("cpsat_compact", s, [(0.5, 200), (t, 100)]), "budget": 60, "threads": 2}
            for s, t in enumerate((30, 40, 50))]  # fmt: skip
    warm = [{**run("relay", s, [(0.5, 150), (t, 100)]), "budget": 60, "threads": 2}
            for s, t in enumerate((2, 3, 4))]  # fmt: skip
    other = {**run("cpsat_compact", 0, [(0.1, 100)]), "budget": 600, "threads": 1}
    table = warm_start.warm_start_table([*cold, *warm, other]).set_index("dataset")
    assert table.loc["d1", "cold_low"] == 30 and table.loc["d1", "cold_seeds"] == 3
    fast = [{**run(name, s, [(1, 10)], "d3"), "budget": 60, "threads": 2}
            for name in ("cpsat_compact", "relay") for s in range(3)]  # fmt: skip
    monkeypatch.setattr(tables, "load_runs", lambda folder: fast)
    text = warm_start.write(tmp_path / "warm_start", tmp_path / "out")
    assert "No instance qualifies" in text and "Left out" in text and "icml24 d3" in text


def test_the_member_that_reached_the_target_the_gap_at_the_budget_and_the_exact_gain(
        monkeypatch):  # fmt: skip
    """A warm run that gets there in its differentiable stage is not an exact solver made
    faster: the table says which member reached the target, and where neither side does,
    which ends lower and how much the exact stage improved on its hint."""
    monkeypatch.setattr(warm_start, "best_known", lambda runs: runs.groupby("dataset")[
        "best_cost"].min())  # fmt: skip

    def relay(seed, points, dataset="d1"):
        record = run("relay", seed, [(t, c) for t, c, _ in points], dataset)
        record["curve"] = [{"t": t, "cost": c, "member": m} for t, c, m in points]
        return record

    runs = [
        *(run("cpsat_compact", s, [(0.5, 200), (t, 100)]) for s, t in enumerate((30, 40, 50))),
        relay(0, [(1, 150, "gauss"), (3, 100, "gauss")]),
        relay(1, [(1, 150, "gauss"), (8, 100, "cpsat")]),
        relay(2, [(1, 150, "gauss"), (9, 100, "gauss")]),
        # d2: nobody reaches 100; cold ends at 300, warm's hand-off 220 improved to 200
        *(run("cpsat_compact", s, [(1, 300)], "d2") for s in range(3)),
        *(relay(s, [(1, 220, "gauss"), (30, 200, "cpsat")], "d2") for s in range(3)),
        run("list", 0, [(0.1, 100)], "d2"),  # sets d2's best known
        # d3: every warm seed gets there in its differentiable stage, 20x sooner
        *(run("cpsat_compact", s, [(0.5, 200), (40, 100)], "d3") for s in range(3)),
        *(relay(s, [(2, 100, "gauss")], "d3") for s in range(3)),
    ]
    table = warm_start.warm_start_table(runs).set_index("dataset")
    d1, d2 = table.loc["d1"], table.loc["d2"]
    assert d1.warm_reached_by == "cpsat 1, gauss 2" and d1.faster == "warm"
    assert (d2.cold_gap_median, d2.warm_gap_median, d2.ends_lower) == (200, 100, "warm")
    assert d2.exact_gain_median == 100 * 20 / 220 and d2.warm_reached_by == ""
    text = warm_start.claim(table.reset_index())
    assert (
        "on every seed on 1, the hinted exact solver on every seed on 0, one or the other on 1"
        in text
    )
    assert "holds for the pipeline, not for the exact solver" in text
    assert "warm side ends lower on 1" in text


def test_a_class_without_instances_says_why(monkeypatch):
    """A class the selection left empty is named with the reason, not silently missing."""
    monkeypatch.setattr(warm_start, "select", lambda: {"icml24": ["d1"], "rcs": [], "tcs": ["x"]})
    table = pd.DataFrame({"class": ["icml24"], "dataset": ["d1"]})
    lines = warm_start.absent(table)
    assert "- rcs: no instance to compare: the cold rcs_cpsat reached the target" in lines
    assert "- tcs: no runs of both sides" in lines and "icml24" not in lines


def test_select_outside_the_checkout_is_one_line(monkeypatch, tmp_path):
    """--select reads docs/results of the checkout; elsewhere it says so in one line."""
    import pytest

    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        warm_start.main(["--select"])
    assert "run it from the project's checkout" in str(stop.value)
    assert "\n" not in str(stop.value)
