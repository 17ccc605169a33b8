"""A problem class the harness has never seen (tests/plugin_class, registered here in
process as its entry point would) runs through the runner, records, tables, figures
and the report: the harness reads instances only through the class protocol
(test_plugin_class.py installs it by pip and runs it from the command line)."""

from __future__ import annotations

import pandas as pd
from builders import run_spec
from plugin_class.binpack_plugin import PROBLEM_CLASS, BinPacking

from schedbench import classes
from schedbench.harness.figures import make_figures
from schedbench.harness.report import write_report
from schedbench.harness.runner import execute
from schedbench.harness.tables import write_tables


def test_a_fourth_class_runs_end_to_end(tmp_path, monkeypatch):
    installed = {**classes.classes(), "binpack": PROBLEM_CLASS}
    monkeypatch.setattr(classes, "classes", lambda: installed)
    problem = BinPacking(sizes=(5, 4, 3, 3, 2, 2, 1), capacity=10, bins=7)
    for seed in (0, 1):
        record = execute(
            run_spec(
                problem, tmp_path, "first_fit", dataset="packing", seed=seed,
                module="plugin_class.binpack_first_fit", budget=2.0, interval=0.5,
            )
        )  # fmt: skip
        # two bins meet the class's own lower bound: the harness calls the run optimal
        assert record["status"] == "optimal" and record["best_cost"] == 2, record["message"]
    runs, points = write_tables(tmp_path)
    assert set(runs["best_cost"]) == {2} and set(runs["trivial_bound"]) == {2.0}
    assert set(runs["gap"]) == {0.0} and runs["problem_digest"].nunique() == 1
    assert points["best_cost"].dropna().min() == 2
    first = pd.read_json(next((tmp_path / "runs").rglob("incumbents.jsonl")), lines=True)
    assert list(first["bins"]) == [7, 2]  # the class's own cost term, per incumbent
    figures = make_figures(tmp_path, tmp_path / "figures", ("png",))
    assert (tmp_path / "figures" / "gap_table.csv").is_file() and figures["profile"]
    report = write_report(tmp_path, tmp_path / "report.html").read_text()
    assert "first_fit" in report and "packing" in report
