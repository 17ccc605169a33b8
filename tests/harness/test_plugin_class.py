"""A fourth problem class from a package of its own: built outside the repository,
installed by pip, found through its entry point, and run from the CLI through records,
tables and the report, with no file of the repository changed to admit it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parents[1] / "plugin_class"
PYPROJECT = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "schedbench-binpack"
version = "1.0"

[project.entry-points."schedbench.classes"]
binpack = "binpack_plugin:PROBLEM_CLASS"

[tool.setuptools]
py-modules = ["binpack_plugin", "binpack_first_fit"]
"""


def _cli(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=cwd, env=env, capture_output=True, text=True
    )


def test_a_fourth_class_installed_by_entry_point_runs_from_the_cli(tmp_path):
    source = tmp_path / "binpack"
    source.mkdir()
    (source / "pyproject.toml").write_text(PYPROJECT)
    for module in ("binpack_plugin.py", "binpack_first_fit.py"):
        shutil.copy(HERE / module, source / module)
    site = tmp_path / "site"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
         "--target", str(site), str(source)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    items = tmp_path / "mine.pack"
    items.write_text("capacity 10\n" + "".join(f"item {s}\n" for s in (6, 5, 4, 3, 2)))
    results = tmp_path / "results"
    listed = _cli(site, tmp_path, "schedbench", "list", "solvers", "--class", "binpack")
    assert listed.returncode == 0 and "first_fit" in listed.stdout, listed.stderr
    runs = [
        ("dataset=file", "dataset.params.path=mine.pack"),  # relative to the folder run in
        ("dataset=binpack/tiny",),
    ]
    for dataset in runs:
        done = _cli(site, tmp_path, "schedbench.harness", *dataset, "solver=first_fit",
                    "budget=smoke", f"results.dir={results}", "threads=1")  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert ": optimal, best cost 2 bins" in done.stdout, done.stdout
    refused = _cli(site, tmp_path, "schedbench.harness", "dataset=binpack/tiny", "solver=list",
                   "budget=smoke", f"results.dir={results}")  # fmt: skip
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    assert "does not solve 'binpack' problems; use one of first_fit" in refused.stderr
    record = json.loads(next(results.rglob("mine/first_fit/*/record.json")).read_text())
    assert record["class"] == "binpack" and record["facts"]["total_weight"] == 20
    assert record["version"] == "first-fit 1" and record["rejected"] == 0
    assert f"dataset.params.path={items} " in record["command"]  # reruns from anywhere
    tables = _cli(site, tmp_path, "schedbench.harness.report", "--results", str(results))
    assert tables.returncode == 0, tables.stderr
    table = pd.read_csv(results / "runs.csv")
    assert set(table["class"]) == {"binpack"} and set(table["best_cost"]) == {2}
    # the bound and reference every class has, from the protocol; its own fact and term
    assert set(table["trivial_bound"]) == {2.0} and set(table["gap"]) == {0.0}
    assert set(table["capacity"]) == {10} and set(table["bins"]) == {2}
    report = next(results.glob("*.html")).read_text()
    assert "first_fit" in report and "tiny" in report and "mine" in report
