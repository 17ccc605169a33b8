"""The studies of the HLS classes: their tables from small runs tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from schedbench.studies import classes, hls_ablation


def _runs(rows):
    return pd.DataFrame(rows, columns=["dataset", "solver", "best_cost", "budget", "threads"])


def test_the_ablation_says_ahead_only_when_ranges_do_not_overlap():
    rows = []
    for seed_cost in (10, 11, 12):
        rows += [("heurigym/a", "hls_gs", seed_cost, 20, 2),
                 ("heurigym/a", "hls_gs_nograd", seed_cost + 5, 20, 2),
                 ("eds/b_1.5", "hls_gauss", seed_cost, 20, 2),
                 ("eds/b_1.5", "hls_gauss_nograd", seed_cost + 1, 20, 2)]  # fmt: skip
    table = hls_ablation.ablation_table(_runs(rows)).set_index("instance")
    assert table.loc["heurigym/a", "verdict"] == "gradient ahead"
    assert table.loc["eds/b_1.5", "verdict"] == "within noise"
    assert table.loc["heurigym/a", "with gradient"] == "11 (10-12)"
    assert set(table["class"]) == {"rcs", "tcs"}


def test_the_cross_class_summary_reads_what_exists(tmp_path):
    (tmp_path / "hls_ablation").mkdir()
    pd.DataFrame(
        {
            "class": ["rcs", "rcs"],
            "solver": ["hls_gs", "hls_gauss"],
            "verdict": ["tie", "gradient ahead"],
        }
    ).to_csv(tmp_path / "hls_ablation" / "ablation.csv", index=False)
    text = classes.write(tmp_path).read_text()
    assert "| rcs | hls_gauss | 20 s | 1 | 0 | 0 | 0 | 1 |" in text  # each verdict counted
    assert "RCS" not in text  # no HeuriGym table


def test_the_class_verdict_compares_families_with_the_noise_rule():
    from schedbench.studies import hls_verdict

    rows = []
    for seed, noise in enumerate((0, 1, 2)):
        rows += [
            ("i1", "rcs_cpsat", 20 + noise, seed, 1000, "optimal"),
            ("i1", "rcs_list", 25, seed, 1000, "timeout"),
            ("i1", "hls_gs", 30 + noise, seed, 1000, "timeout"),
            ("i2", "rcs_cpsat", np.nan, seed, 100000, "no_solution"),
            ("i2", "hls_gauss", 50 + noise, seed, 100000, "timeout"),
            ("i2", "rcs_list", 51 + noise, seed, 100000, "timeout"),
        ]
    runs = pd.DataFrame(rows, columns=["dataset", "solver", "best_cost", "seed", "n", "status"])
    runs["trivial_bound"] = 40
    runs["first_cost"] = 51
    verdicts = hls_verdict.family_verdicts(runs).set_index("instance")
    assert verdicts.loc["i1", "differentiable vs exact"] == "behind"
    assert verdicts.loc["i2", "differentiable vs exact"] == "ahead"  # exact has none
    assert verdicts.loc["i2", "differentiable vs heuristic"] == "within noise"
    assert verdicts.loc["i2", "exact"] == "no schedule"
    scale = hls_verdict.scale_table(runs).set_index(["operations", "solver"])
    assert scale.loc[(100000, "rcs_cpsat"), "with a schedule"] == "0/3"
    public = runs[runs["dataset"] == "i1"].assign(dataset="dag_1000", best_cost=99.0)
    mixed = hls_verdict.scale_table(pd.concat([runs, public]))  # one size, two instances
    rows = mixed[(mixed["operations"] == 1000) & (mixed["solver"] == "rcs_cpsat")]
    assert rows.set_index("instance")["best cost"].to_dict() == {
        "dag_1000": "99 (99-99)", "i1": "21 (20-22)"}  # fmt: skip
    assert scale.loc[(100000, "hls_gauss"), "best cost"] == "51 (50-52)"
    assert scale.loc[(100000, "hls_gauss"), "gap to the class bound (%)"] == "21.6"  # 11/51
    assert scale.loc[(100000, "hls_gauss"), "improved its first schedule"] == "1/3"  # 50
    assert "gradient epochs" not in scale  # no run recorded epochs
    runs["budget"] = 60
    assert "100,000 operations and 60 s" in hls_verdict.exact_at_scale(runs)
    assert "rcs_cpsat 0/3." in hls_verdict.exact_at_scale(runs)  # no schedule at all
    found = runs.assign(best_cost=np.where(runs["solver"] == "rcs_cpsat", 45, runs["best_cost"]))
    died = found["solver"].eq("rcs_cpsat") & found["seed"].eq(2)
    found.loc[died, ["status", "best_cost"]] = ["error", 51]  # died holding its warm start
    assert "rcs_cpsat 2/3 (1 died)." in hls_verdict.exact_at_scale(found)  # 45 < 51
    runs["run_key"] = runs["solver"] + runs["n"].astype(str)  # one key, three seeds
    epochs = pd.DataFrame({"run_key": "hls_gauss100000", "seed": [0, 0, 1], "epoch": [1, 2, 4]})
    scale = hls_verdict.scale_table(hls_verdict.with_epochs(runs, epochs))
    scale = scale.set_index(["operations", "solver"])["gradient epochs"]
    assert scale[(100000, "hls_gauss")] == "2 (0-4)"  # seed 2 stopped before a step
    assert pd.isna(scale[(100000, "rcs_list")]) and scale[(1000, "hls_gs")] == "0 (0-0)"


def test_a_family_wins_only_when_ahead_of_every_other_family():
    from schedbench.studies.families import family_verdicts, standings

    rows = []
    for seed, noise in enumerate((0, 1, 2)):
        rows += [
            ("a", "rcs_cpsat", 10 + noise, seed),  # exact ahead of both
            ("a", "rcs_list", 20, seed),
            ("a", "hls_gs", 30 + noise, seed),
            ("b", "rcs_cpsat", 21 + noise, seed),  # exact and differentiable within noise,
            ("b", "rcs_list", 30, seed),  # both ahead of the heuristic
            ("b", "hls_gauss", 20 + 2 * noise, seed),
            ("b", "hls_gauss_nograd", 1, seed),  # the ablation's control is no family
        ]
    runs = pd.DataFrame(rows, columns=["dataset", "solver", "best_cost", "seed"])
    verdicts = family_verdicts(runs).set_index("instance")
    assert list(verdicts.loc["a", ["exact standing", "heuristic standing"]]) == ["wins", "losses"]
    assert verdicts.loc["b", "exact standing"] == "ties"
    assert verdicts.loc["b", "differentiable standing"] == "ties"
    assert verdicts.loc["b", "heuristic standing"] == "losses"
    assert standings(verdicts.reset_index()) == {
        "exact": "1/1/0",
        "heuristic": "0/0/2",
        "differentiable": "0/1/1",
    }


def test_the_cross_class_table_reads_each_class_verdict(tmp_path):
    section = tmp_path / "tcs" / "verdict"
    section.mkdir(parents=True)
    pd.DataFrame(
        {
            "instance": ["x", "y"],
            "exact standing": ["wins", "ties"],
            "heuristic standing": ["losses", "ties"],
            "differentiable standing": ["losses", "-"],
        }
    ).to_csv(section / "verdict.csv", index=False)
    table = classes.cross_class(tmp_path).set_index("class")
    assert list(table.index) == ["TCS"]  # no other class has tables here
    # y lacks the differentiable family's runs: counting it would credit the other two
    assert table.loc["TCS", "instances"] == "1 of 2"
    assert table.loc["TCS", "exact (60 s)"] == "1/0/0"
    assert table.loc["TCS", "differentiable (60 s)"] == "0/0/1"
    assert table.loc["TCS", "scale instances"] == "0"
    (line,) = classes.summary(tmp_path)
    assert line.startswith("- **TCS**: at 60 s exact (1 win;") and "at scale not run yet" in line


def test_the_summary_names_no_leader_when_families_share_the_most_wins():
    line = {"exact": "1/2/2", "heuristic": "1/2/2", "differentiable": "1/2/2"}
    assert classes._leader(line) == (
        "no single family leads (exact 1/2/2, heuristic 1/2/2, differentiable 1/2/2 as "
        "wins/ties/losses)"
    )
    assert classes._leader({**line, "exact": "2/1/2"}).startswith("exact (2 wins;")


def test_the_family_verdict_keeps_its_column_order_when_a_family_is_missing_first():
    from schedbench.studies.families import family_verdicts

    runs = pd.DataFrame(
        [("a", "rcs_cpsat", 5, 0), ("a", "rcs_list", 5, 0),  # no differentiable run on a
         ("b", "rcs_cpsat", 5, 0), ("b", "rcs_list", 6, 0), ("b", "hls_gs", 5, 0)],
        columns=["dataset", "solver", "best_cost", "seed"],
    )  # fmt: skip
    verdicts = family_verdicts(runs)
    assert list(verdicts.columns[:4]) == ["instance", "exact", "heuristic", "differentiable"]
    assert verdicts.loc[0, "differentiable standing"] == "-"


def test_a_win_on_one_draw_of_a_seeded_solver_is_a_direction():
    from schedbench.studies.families import directions, family_verdicts

    rows = [
        ("one", solver, cost, 0)
        for solver, cost in (("rcs_cpsat", 10), ("rcs_list", 12), ("hls_gs", 11), ("rcs_highs", 10))
    ]
    rows += [
        ("three", solver, cost, seed)
        for seed in (0, 1, 2)
        for solver, cost in (("rcs_cpsat", 10), ("rcs_list", 12), ("hls_gs", 11))
    ]
    runs = pd.DataFrame(rows, columns=["dataset", "solver", "best_cost", "seed"])
    verdicts = family_verdicts(runs).set_index("instance")
    assert (
        verdicts.loc["one", "exact standing"] == "wins" == verdicts.loc["three", "exact standing"]
    )
    assert verdicts.loc["one", "seeds"] == 1 and verdicts.loc["three", "seeds"] == 3
    assert directions(verdicts.reset_index()) == 1  # "one": single runs of seeded solvers
    unseeded = family_verdicts(runs[runs["solver"] == "rcs_highs"].assign(dataset="x"))
    assert np.isnan(unseeded["seeds"].iloc[0])  # a deterministic best is no draw


def test_a_scale_rerun_replaces_only_the_scale_section(tmp_path, monkeypatch):
    """The scale study reruns apart from the class verdict (whose runs stay as committed):
    --scale-only keeps verdict.md up to the scale heading and writes the new section."""
    from schedbench.harness import tables
    from schedbench.studies import hls_verdict

    runs = pd.DataFrame({"dataset": "big", "solver": ["rcs_list", "hls_gauss"], "seed": 0,
                         "best_cost": [60.0, 55.0], "n": 100000, "status": "timeout",
                         "trivial_bound": 50, "first_cost": 60, "budget": 60,
                         "run_key": ["k1", "k2"]})  # fmt: skip
    monkeypatch.setattr(tables, "build_tables", lambda folder: (runs, pd.DataFrame()))
    monkeypatch.setattr(tables, "finished", lambda r, p: (r, p))
    monkeypatch.setattr(tables, "build_epochs", lambda folder, r: pd.DataFrame(
        {"run_key": ["k2"], "seed": [0], "epoch": [7]}))  # fmt: skip
    monkeypatch.setattr(hls_verdict, "write_class_report", lambda *a: None)
    stale = "## Scale: per size and solver\n\nSTALE table\n\n## At scale\n\nSTALE\n"
    (tmp_path / "verdict.md").write_text("# The verdict\n\nkept\n\n" + stale)
    text = hls_verdict.write_scale(tmp_path / "scale", tmp_path).read_text()
    assert text.startswith("# The verdict\n\nkept\n\n## Scale: per size and solver\n")
    assert "STALE" not in text and text.count("## Scale") == 1
    assert "| big | 100000 | hls_gauss | 1/1 | 55 (55-55) | 1/1 | 9.1 | 7 (7-7) |" in text
    assert (tmp_path / "scale_verdict.csv").is_file() and (tmp_path / "scale_runs.csv").is_file()
