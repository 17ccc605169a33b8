"""The studies of the HLS classes: their tables from small runs tables."""

from __future__ import annotations

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
    assert "| rcs | hls_gauss | 1 | 0 |" in text and "RCS" not in text  # no HeuriGym table
