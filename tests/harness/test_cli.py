"""The real command line: a run, a bad input, launchers, a killed run resumed, figures."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

TESTS = Path(__file__).resolve().parents[1]
# the fake back-ends in tests/fake_solvers must be importable by the harness and its workers
ENV = {**os.environ, "PYTHONPATH": f"{TESTS}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}


def harness(*args: str, results: Path, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "schedbench.harness", *args, f"results.dir={results}", "threads=1"],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=kw.pop("timeout", 300),
        **kw,
    )


def run_folder(results: Path, dataset: str, solver: str, seed: int = 0) -> Path:
    """The one run folder of dataset/solver/seed (its name ends in a configuration key)."""
    (folder,) = (results / "runs" / dataset / solver).glob(f"seed{seed}-*")
    return folder


def test_single_run(tmp_path):
    done = harness("solver=topo_chunk", "dataset=rw4", "budget=smoke", results=tmp_path)
    assert done.returncode == 0, done.stderr
    runs = pd.read_csv(tmp_path / "runs.csv")
    assert runs.loc[0, "status"] in ("feasible", "timeout")
    assert {
        "dataset",
        "solver",
        "seed",
        "status",
        "best_cost",
        "peak",
        "comm",
        "bound",
        "time_to_best",
        "budget",
        "git_commit",
        "cpu",
        "versions",
    } <= set(runs.columns)
    points = pd.read_csv(tmp_path / "points.csv")
    assert len(points) == 11  # 0..10 s every second


def test_the_summary_line_gives_the_gap_to_the_registrys_bound(tmp_path):
    """On RW1 the registry's bound beats the trivial one, which is all this run knows."""
    from schedbench.datasets import best_known

    done = harness("solver=asap", "dataset=rw1", "budget=smoke", results=tmp_path)
    assert done.returncode == 0, done.stderr
    runs = pd.read_csv(tmp_path / "runs.csv")
    known = best_known.known_bounds()[runs.loc[0, "problem_digest"]]
    assert known > runs.loc[0, "trivial_bound"]
    assert f"to the bound {known:,.0f}" in done.stdout + done.stderr


def test_a_row_reruns_from_its_command(tmp_path):
    """Provenance: the command stored with a row reproduces it (same config, same seed).

    A fixed number of restarts, not the budget, ends the run: a randomized baseline cut
    by its time limit does as many restarts as the machine's load allows."""
    first = harness(
        "solver=topo_chunk",
        "+solver.options.max_orders=30",
        "dataset=rw4",
        "budget.seconds=20",
        "seed=3",
        results=tmp_path,
    )
    assert first.returncode == 0, first.stderr
    row = pd.read_csv(tmp_path / "runs.csv").iloc[0]
    assert row["command"].startswith("python -m schedbench.harness ")
    assert row["git_commit"] and json.loads(row["versions"])["numpy"]
    again = tmp_path / "again"
    args = row["command"].split()[3:]
    args = [a for a in args if not a.startswith(("results.dir=", "threads="))]
    rerun = harness(*args, results=again)
    assert rerun.returncode == 0, rerun.stderr
    second = pd.read_csv(again / "runs.csv").iloc[0]
    assert row["status"] == second["status"] == "feasible"  # finished its restarts
    assert second["run_key"] == row["run_key"] and second["best_cost"] == row["best_cost"]
    first_schedule = pd.read_csv(tmp_path / row["folder"] / "schedule.csv")
    second_schedule = pd.read_csv(again / second["folder"] / "schedule.csv")
    pd.testing.assert_frame_equal(first_schedule, second_schedule)


def test_bad_input_is_one_line_and_leaves_no_record(tmp_path):
    done = harness(
        "dataset=gml", f"dataset.params.path={tmp_path / 'missing.gml'}", results=tmp_path
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"error: graph file '{tmp_path / 'missing.gml'}' does not exist; check the path"
    ]
    assert not (tmp_path / "runs").exists()


def test_joblib_multirun_with_two_jobs(tmp_path):
    done = harness(
        "-m",
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=2",
        "solver=asap,fds",
        "dataset=rw4",
        "budget=smoke",
        results=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    runs = pd.read_csv(tmp_path / "runs.csv")
    assert sorted(runs["solver"]) == ["asap", "fds"]


def test_submitit_local_multirun(tmp_path):
    done = harness(
        "-m",
        "hydra/launcher=submitit_local",
        "hydra.launcher.timeout_min=5",
        "solver=asap,topo_chunk",
        "dataset=rw4",
        "budget=smoke",
        results=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert len(list((tmp_path / "runs" / "rw4").glob("*/seed0-*/record.json"))) == 2


def test_failed_run_does_not_stop_the_sweep(tmp_path):
    done = harness(
        "-m",
        "solver=asap",
        "+solver.module=fake_solvers.explode",
        "seed=0,1",
        "dataset=rw4",
        "budget=smoke",
        results=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    runs = pd.read_csv(tmp_path / "runs.csv")
    assert runs["status"].tolist() == ["error", "error"] and runs["seed"].tolist() == [0, 1]
    assert "seed0: error (" in done.stdout and "exploded" in done.stdout  # why, on the console


def test_killed_sweep_resumes(tmp_path):
    """kill -9 the parent of a 6-job multirun mid-sweep, rerun the same command: finished
    runs are skipped, the interrupted and unstarted ones run, each run is tabulated once."""
    command = [
        sys.executable,
        "-m",
        "schedbench.harness",
        "-m",
        "solver=asap",
        "+solver.module=fake_solvers.slow",
        "seed=0,1,2,3,4,5",
        "dataset=rw4",
        "budget.seconds=3",
        "budget.interval=1",
        f"results.dir={tmp_path}",
        "threads=1",
    ]
    parent = subprocess.Popen(
        command,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    runs_dir = tmp_path / "runs" / "rw4" / "asap"
    deadline = time.time() + 120
    # wait until two runs are finished and the third has its incumbents on disk
    while time.time() < deadline:
        finished = list(runs_dir.glob("seed*/record.json"))
        third = list(runs_dir.glob("seed2-*/incumbents.jsonl"))
        if len(finished) == 2 and third and len(third[0].read_text().splitlines()) >= 1:
            break
        time.sleep(0.1)
    else:
        os.killpg(parent.pid, signal.SIGKILL)
        pytest.fail("the sweep did not reach its third run with an incumbent within 120 s")
    os.killpg(parent.pid, signal.SIGKILL)
    parent.wait()
    (interrupted,) = runs_dir.glob("seed2-*")
    assert not (interrupted / "record.json").exists()
    assert (interrupted / "incumbents.jsonl").read_text().strip()  # flushed before the kill
    from schedbench.harness.tables import build_tables

    runs, _ = build_tables(tmp_path)
    assert sorted(runs["status"]) == ["interrupted", "timeout", "timeout"]
    finished_records = {p: p.read_bytes() for p in runs_dir.glob("seed*/record.json")}
    done = subprocess.run(command, env=ENV, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("skipped (already finished)") == 2
    for path, content in finished_records.items():
        assert path.read_bytes() == content  # untouched
    runs = pd.read_csv(tmp_path / "runs.csv")
    assert sorted(runs["seed"].tolist()) == [0, 1, 2, 3, 4, 5]  # each run exactly once
    assert set(runs["status"]) == {"timeout"}
    assert list(interrupted.glob("incumbents.previous-*.jsonl"))  # the torn curve kept aside


def test_figures_from_stored_results(tmp_path):
    done = harness(
        "-m", "solver=topo_chunk,asap", "dataset=rw1,rw4", "budget=smoke", results=tmp_path
    )
    assert done.returncode == 0, done.stderr
    from schedbench.studies.icml24.figures import make_figures

    written = make_figures(tmp_path)
    for key in ("fig3", "fig3_paper", "fig4", "fig4_paper", "fig5", "profile", "curves"):
        for path in written[key]:
            assert path.is_file() and path.stat().st_size > 1000
    # the figures draw the runs, not a placeholder: one curve per solver where it ran
    from schedbench.harness.figures import curve_panels, profile_figure
    from schedbench.harness.tables import build_tables
    from schedbench.studies.icml24.figures import RW_PANELS

    runs, points = build_tables(tmp_path)
    fig3 = curve_panels(points, RW_PANELS, "norm_asap", "best / ASAP", "test")
    by_title = {ax.get_title(): ax for ax in fig3.axes}
    drawn = {line.get_label() for line in by_title["RW1-RW3"].get_lines()}
    assert {"asap", "topo_chunk"} <= drawn
    assert {line.get_label() for line in by_title["RW4-RW6"].get_lines()} >= drawn
    assert not by_title["RW7-RW9"].get_lines()  # no run there: nothing drawn
    profile = profile_figure(runs)
    assert {line.get_label() for line in profile.axes[0].get_lines()} == {"asap", "topo_chunk"}
    summary = (tmp_path / "figures" / "summary.md").read_text()
    assert "rw1" in summary and "topo_chunk" in summary
    gaps = pd.read_csv(tmp_path / "figures" / "gap_table.csv", index_col=0)
    assert gaps.loc["rw4", "topo_chunk"] < gaps.loc["rw4", "asap"]
    record = json.loads((run_folder(tmp_path, "rw1", "asap") / "record.json").read_text())
    assert record["n"] == 949


def test_profile_gives_each_solver_its_own_colour():
    from schedbench.harness.figures import profile_figure

    solvers = [f"solver{i:02d}" for i in range(12)]  # more than the default cycle's ten
    runs = pd.DataFrame(
        [
            {"dataset": d, "solver": s, "best_cost": 100.0 + i}
            for d in ("a", "b")
            for i, s in enumerate(solvers)
        ]
    )
    lines = profile_figure(runs).axes[0].get_lines()
    assert len({line.get_label() for line in lines}) == 12
    assert len({tuple(line.get_color()) for line in lines}) == 12


def test_profile_leaves_out_a_solver_that_did_not_run_on_every_design():
    from schedbench.harness.figures import profile_figure

    runs = pd.DataFrame(
        [("a", "cpsat", 10.0), ("b", "cpsat", 10.0), ("a", "gs", float("nan")), ("b", "gs", 12.0),
         ("a", "gs_nograd", 11.0)],
        columns=["dataset", "solver", "best_cost"],
    )  # fmt: skip
    axes = profile_figure(runs).axes[0]
    lines = {line.get_label(): line for line in axes.get_lines()}
    assert set(lines) == {"cpsat", "gs"}  # gs failed on a: drawn, as not solving a
    assert lines["gs"].get_ydata().max() == 0.5
    assert any("left out: gs_nograd" in text.get_text() for text in axes.texts)


def test_profile_takes_each_solver_s_median_over_seeds():
    from schedbench.harness.figures import profile_figure

    runs = pd.DataFrame(
        [("a", "gs", 10.0), ("a", "gs", 10.0), ("a", "gs", 40.0), ("a", "list", 12.0)],
        columns=["dataset", "solver", "best_cost"],
    )  # gs: median 10 (best on a), mean 20
    lines = {line.get_label(): line for line in profile_figure(runs).axes[0].get_lines()}
    assert lines["gs"].get_ydata()[0] == 1.0 and lines["list"].get_ydata()[0] == 0.0


@pytest.mark.parametrize("module", ["harness", "schedbench.harness"])
def test_module_entry_points(tmp_path, module):
    root = TESTS.parent
    done = subprocess.run(
        [sys.executable, "-m", module, "--help"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and "solver" in done.stdout


def test_default_results_dir_in_a_sweep(tmp_path):
    """Without results.dir a sweep writes to ./results of the launch directory."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "schedbench.harness",
            "-m",
            "solver=asap",
            "dataset=rw4",
            "budget.seconds=1",
            "threads=1",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert (run_folder(tmp_path / "results", "rw4", "asap") / "record.json").is_file()


def test_sweep_size_counts_command_line_and_preset_sweeps():
    from schedbench.harness.progress import sweep_size

    assert sweep_size(["solver=a,b", "seed=0,1,2", "dataset=rw1"], None) == 6
    assert sweep_size(["seed=0,1"], {"dataset": "rw1,rw4,adder", "solver": "x,y"}) == 12
    assert sweep_size(["solver=z"], {"solver": "x,y"}) == 1  # the command line wins


def test_figure5_draws_loss_and_three_cost_curves_per_gs_run(tmp_path):
    """Each run with epoch records (the epochs table) gives a loss line (top) and its cost
    lines (bottom: GS's best, batch mean and reference rule; gauss has no batch mean) in
    its design's column; Adam and AdamW runs of one design share the column."""
    done = harness(
        "-m",
        "solver=gs,gs_adam,gauss",
        "dataset=synthetic",
        "dataset.params.nodes=60",
        "budget=smoke",
        "++solver.options.epochs=12",
        "++solver.options.batch=16",
        results=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    from schedbench.harness.tables import build_tables
    from schedbench.studies.icml24.figures import figure5

    epochs = pd.read_parquet(tmp_path / "epochs.parquet")
    assert sorted(epochs.groupby("solver").size().items()) == [
        ("gauss", 12),
        ("gs", 12),
        ("gs_adam", 12),
    ]
    runs, _ = build_tables(tmp_path)
    fig = figure5(tmp_path, runs, epochs)
    assert len(fig.axes) == 2  # one design: one column of two panels
    loss_ax, cost_ax = fig.axes
    assert loss_ax.get_title() == "synthetic"
    labels = {line.get_label() for line in loss_ax.get_lines()}
    assert labels == {"adamw, per_row, seed 0", "adam, per_row, seed 0", "gauss, seed 0"}
    assert len(cost_ax.get_lines()) == 3 + 3 + 1
    best = cost_ax.get_lines()[0].get_ydata()
    assert len(best) == 12 and all(b >= a for a, b in zip(best[1:], best[:-1], strict=True))


def test_warm_start_from_a_file_and_from_the_registry(tmp_path):
    """A warm-started run is its own run (its key hashes the schedule); the registry's
    schedule is the start when it has the instance, else the error says so."""
    common = ["dataset=rw1", "budget=smoke", "budget.seconds=3", "solver=asap"]
    done = harness(*common, results=tmp_path)
    assert done.returncode == 0, done.stderr
    schedule = run_folder(tmp_path, "rw1", "asap") / "schedule.csv"
    warm = harness(*common, f"warm_start={schedule}", "solver=cpsat_compact", results=tmp_path)
    assert warm.returncode == 0, warm.stderr
    cold = harness(*common, "solver=cpsat_compact", results=tmp_path)
    assert cold.returncode == 0, cold.stderr
    folders = list((tmp_path / "runs" / "rw1" / "cpsat_compact").glob("seed0-*"))
    assert len(folders) == 2  # warm and cold are different runs

    registry = harness(*common, "warm_start=best_known", "solver=cpsat_compact", results=tmp_path)
    from schedbench.datasets import best_known
    from schedbench.datasets import registry as datasets

    if best_known.lookup(datasets.load("rw1")) is None:
        assert registry.returncode == 2 and "registry has no schedule" in registry.stderr
    else:
        assert registry.returncode == 0, registry.stderr


def test_infeasible_warm_start_is_one_line(tmp_path):
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"stage": [9] + [0] * 948}).to_csv(bad, index=False)
    done = harness("dataset=rw1", "budget=smoke", f"warm_start={bad}", results=tmp_path)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert "warm_start" in line and "infeasible" in line


def test_records_are_as_readable_as_the_incumbents(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "schedbench.harness", "solver=asap", "dataset=rw4",
         "budget=smoke", "threads=1", f"results.dir={tmp_path}"],
        capture_output=True, text=True, timeout=120, env=os.environ.copy(),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    [folder] = (tmp_path / "runs" / "rw4" / "asap").iterdir()
    modes = {p.name: p.stat().st_mode & 0o777 for p in folder.iterdir()}
    assert modes["record.json"] == modes["incumbents.jsonl"] == modes["schedule.csv"]
    assert (tmp_path / "runs.csv").stat().st_mode & 0o777 == modes["incumbents.jsonl"]
