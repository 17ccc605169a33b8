"""The HTML report (loaded in a real headless browser), the claims rules, and the
committed-results builder, on a small results folder made by the runner."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
from builders import random_dag, run_spec

from schedbench.harness.palette import style
from schedbench.harness.report import write_report
from schedbench.harness.runner import execute
from schedbench.studies.icml24 import claims
from schedbench.studies.icml24.verdict import build

SOLVERS = ["topo_chunk", "list", "asap"]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """Two tiny designs x three quick solvers x two seeds, through the runner."""
    folder = tmp_path_factory.mktemp("results")
    for name, n in (("rw1", 16), ("adder", 20)):
        problem = random_dag(np.random.default_rng(n), n, 4, p=0.3, ratio=5)
        for solver in SOLVERS:
            for seed in (0, 1):
                command = f"python -m schedbench.harness dataset={name} solver={solver}"
                spec = run_spec(
                    problem,
                    folder,
                    solver,
                    dataset=name,
                    budget=2.0,
                    interval=0.5,
                    seed=seed,
                    command=command,
                )
                execute(spec)
    return folder


@pytest.fixture(scope="module")
def report(results, tmp_path_factory):
    from schedbench.studies.icml24.figures import FAMILIES

    path = tmp_path_factory.mktemp("report") / "report.html"
    return write_report(results, path, families=FAMILIES)  # the paper's panels too


def test_report_is_one_self_contained_file(report):
    text = report.read_text()
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", text), "loads something"
    assert "http://" not in text and "https://" not in text
    for solver in SOLVERS:
        assert f'data-solver="{solver}"' in text
    assert text.count('class="curves"') == 2 * 2 * 2 + 1  # (2 designs + 2 families) x 2 + 1
    assert "claims" not in text  # the generic report; the ICML24 study adds its claims
    assert "python -m schedbench.harness dataset=rw1 solver=topo_chunk" in text  # rerun command
    assert "range" in text  # hover text carries the seeds' range


def _browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    return None


def test_report_loads_in_a_headless_browser(report, tmp_path):
    browser = _browser()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install chromium (.ci/run) to test the HTML report")
        pytest.skip("no chromium on this machine (apt-get install chromium)")
    shot = tmp_path / "shot.png"
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=5000",
        "--window-size=1300,1400",
    ]
    url = report.resolve().as_uri()
    dom = subprocess.run(
        [browser, *flags, "--dump-dom", url], capture_output=True, text=True, timeout=120
    )
    console = [line for line in dom.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], console  # no script error, no warning
    charts = dom.stdout.count('class="curves"')
    assert f'data-ready="{charts} charts"' in dom.stdout, "the script did not run to its end"
    # the default view is the gap to the best known bound; the paper's view is hidden
    assert re.search(r'<input[^>]*value="gap"[^>]*checked', dom.stdout)
    shown = re.findall(r'<div class="chart( hidden)?" data-value="(\w+)"', dom.stdout)
    assert shown and {v for hidden, v in shown if not hidden} == {"gap"}
    assert {v for hidden, v in shown if hidden} == {"norm_paper"}
    # every chart has both axis labels
    svgs = re.findall(r'<svg class="curves".*?</svg>', dom.stdout, flags=re.S)
    assert len(svgs) == charts
    for svg in svgs:
        assert 'class="ylabel"' in svg and ("time (s)" in svg or "tau = " in svg), svg[:200]
    subprocess.run(
        [browser, *flags, f"--screenshot={shot}", url], capture_output=True, timeout=120, check=True
    )
    from matplotlib.image import imread

    pixels = (imread(shot)[..., :3] * 255).round().astype(int)
    for solver_color in (look["color"] for look in style(SOLVERS).values()):
        # the three solvers' curves are drawn in their family's shades
        rgb = np.array([int(solver_color[i : i + 2], 16) for i in (1, 3, 5)])
        assert (np.abs(pixels - rgb).sum(axis=-1) < 30).sum() > 50, solver_color


def test_report_of_an_empty_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="no runs"):
        write_report(tmp_path)


def test_verdict_build_writes_the_committed_files(results, tmp_path):
    out = tmp_path / "docs"
    build(results, out, registry=False)
    for name in (
        "runs.parquet",
        "runs.csv",
        "points.parquet",
        "points.csv",
        "epochs.parquet",
        "machine.json",
        "registry.md",
        "claims.csv",
        "claims.md",
        "README.md",
        "report.html",
        "figures/fig3_rw.png",
        "figures/fig4_epfl_paper_norm.png",
        "figures/fig5_gs_loss.png",
        "figures/performance_profile.png",
    ):
        assert (out / name).is_file(), name
    assert not list((out / "figures").glob("*.pdf"))
    assert "The paper&#x27;s claims" in (out / "report.html").read_text()  # the study's part
    assert len(pd.read_parquet(out / "runs.parquet")) == 2 * len(SOLVERS) * 2
    rows = [line for line in (out / "claims.md").read_text().splitlines() if line[:3] == "| 1"]
    assert rows  # the generated table
    table = (out / "claims.md").read_text()
    assert table.count("\n| ") == len(claims.CLAIMS) + 1  # header + one row per claim
    info = json.loads((out / "machine.json").read_text())
    assert info["runs"] == 12 and info["machine_seconds"] > 0
    assert "Machine time" in (out / "README.md").read_text()


# ---------------------------------------------------------------- the claims' rules


def test_the_report_profile_names_a_solver_not_run_on_every_design():
    from schedbench.harness.report import _profile_svg

    runs = pd.DataFrame(
        [("a", "cpsat", 10.0), ("b", "cpsat", 10.0), ("a", "gs_nograd", 11.0)],
        columns=["dataset", "solver", "best_cost"],
    )
    colors = {"cpsat": "#000000", "gs_nograd": "#111111"}
    svg = _profile_svg(runs, colors, 1e-4)
    assert "left out: gs_nograd" in svg and "<svg" in svg
