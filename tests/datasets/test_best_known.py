"""The best-known registry: shipped entries re-verified, updates from runs, bad schedule
files, the verify command, and the harness's gaps using the registry's bound."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from builders import run_spec

from schedbench.datasets import best_known, registry
from schedbench.evaluate import evaluate, relative_gap
from schedbench.harness import registry_update
from schedbench.harness.runner import execute
from schedbench.harness.tables import build_tables
from schedbench.problems.icml24 import ProblemError

SYNTHETIC = {"nodes": 60, "density": 1.5, "depth": 5, "seed": 3}
SHIPPED = best_known.read_registry()
LARGE = 20_000  # entries above this many nodes load for seconds: the slow suite checks them


def _load(entry: best_known.Entry):
    """The registered instance: EDS's labels carry the latency factor (eds/<graph>_<f>)."""
    if entry.dataset.startswith("eds/"):
        graph, factor = entry.dataset.rsplit("_", 1)
        return registry.load(graph, factor=float(factor))
    params = SYNTHETIC if entry.dataset == "synthetic" else {}
    return registry.load(entry.dataset, stages=entry.stages, ratio=entry.ratio, **params)


@pytest.mark.parametrize(
    "entry",
    [
        pytest.param(e, id=e.dataset, marks=[pytest.mark.slow] if e.n > LARGE else [])
        for e in SHIPPED.values()
    ],
)
def test_shipped_entry_is_verified(entry):
    problem = _load(entry)
    assert problem.digest == entry.digest, "the dataset no longer builds the registered instance"
    best_known.verify_entry(entry, problem)  # feasible, its cost, bound <= cost
    assert entry.best_bound <= entry.best_cost
    assert entry.best_bound >= problem.trivial_lower_bound


def test_registry_is_not_empty():
    assert len(SHIPPED) >= 1


@pytest.fixture
def synthetic():
    return registry.load("synthetic", stages=6, ratio=10, **SYNTHETIC)


def _run(problem, folder: Path, solver: str, seed: int = 0, **options) -> dict:
    config = {"dataset": {"name": "synthetic", "params": SYNTHETIC}}
    return execute(
        run_spec(
            problem, folder, solver, dataset="synthetic", seed=seed, options=options, config=config
        )
    )


def test_update_keeps_the_best_and_verifies_it(synthetic, tmp_path):
    results, folder = tmp_path / "results", tmp_path / "registry"
    asap = _run(synthetic, results, "asap")
    changes = registry_update.update(results, folder)
    entry = best_known.lookup(synthetic, folder)
    assert entry is not None and entry.best_cost == asap["best_cost"]
    assert entry.cost_solver == "asap" and changes
    best_known.verify_entry(entry, synthetic, folder)

    exact = _run(synthetic, results, "cpsat", formulation="compact")
    assert exact["best_cost"] < asap["best_cost"]
    registry_update.update(results, folder)
    entry = best_known.lookup(synthetic, folder)
    assert (entry.best_cost, entry.cost_solver) == (exact["best_cost"], "cpsat")
    assert entry.best_bound >= (exact["bound"] or 0)
    assert entry.bound_source in ("cpsat", "trivial")
    best_known.verify_entry(entry, synthetic, folder)
    assert registry_update.update(results, folder) == []  # nothing new: no change


def test_a_run_restored_without_its_schedule_gives_its_bound_not_its_cost(synthetic, tmp_path):
    """harness.archive keeps no schedules: such a run's cost is named, never registered."""
    results, folder = tmp_path / "results", tmp_path / "registry"
    asap = _run(synthetic, results, "asap")
    (results / asap["folder"] / "schedule.csv").unlink()
    changes = registry_update.update(results, folder)
    assert any("has no schedule here" in line for line in changes)
    assert best_known.lookup(synthetic, folder) is None  # an entry starts with a schedule


def test_update_refuses_a_schedule_that_does_not_give_its_cost(synthetic, tmp_path):
    results = tmp_path / "results"
    record = _run(synthetic, results, "asap")
    schedule = results / record["folder"] / "schedule.csv"
    frame = pd.read_csv(schedule)
    frame.loc[synthetic.src[0], "stage"] = synthetic.stages - 1  # an edge backwards
    frame.loc[synthetic.dst[0], "stage"] = 0
    schedule.write_text(frame.to_csv(index=False))
    with pytest.raises(ProblemError, match="does not give its recorded cost"):
        registry_update.update(results, tmp_path / "registry")


def test_verify_entry_catches_a_wrong_cost_and_a_bound_above_it(synthetic, tmp_path):
    results, folder = tmp_path / "results", tmp_path / "registry"
    _run(synthetic, results, "asap")
    registry_update.update(results, folder)
    entry = best_known.lookup(synthetic, folder)
    wrong = best_known.Entry(**{**entry.__dict__, "best_cost": entry.best_cost - 1})
    with pytest.raises(ProblemError, match="cost"):
        best_known.verify_entry(wrong, synthetic, folder)
    high = best_known.Entry(**{**entry.__dict__, "best_bound": entry.best_cost + 1})
    with pytest.raises(ProblemError, match="bound"):
        best_known.verify_entry(high, synthetic, folder)


def test_tables_use_the_registry_bound(synthetic, tmp_path, monkeypatch):
    results, folder = tmp_path / "results", tmp_path / "registry"
    record = _run(synthetic, results, "asap")
    registry_update.update(results, folder)
    entry = best_known.lookup(synthetic, folder)
    stronger = record["best_cost"] - 7.0  # a bound only the registry knows
    frame = pd.read_csv(folder / "best_known.csv", dtype={"digest": str})
    frame.loc[frame["digest"] == entry.digest, "best_bound"] = stronger
    frame.to_csv(folder / "best_known.csv", index=False)
    monkeypatch.setattr(best_known, "REGISTRY_DIR", folder)
    runs, points = build_tables(results)
    assert runs["best_known_bound"].iloc[0] == stronger
    assert runs["gap"].iloc[0] == pytest.approx(7.0 / record["best_cost"])
    assert points["gap"].iloc[-1] == pytest.approx(7.0 / record["best_cost"])


BAD_SCHEDULES = {
    "missing": (None, "does not exist"),
    "binary": (bytes(range(256)) * 4, "not a CSV|has no 'stage' column"),
    "no stage column": ("node,level\n0,1\n", "has no 'stage' column"),
    "fraction": ("node,stage\n{first},1.5\n", "stages are integers"),
    "text stage": ("node,stage\n{first},two\n", "stages are integers"),
    "unknown node": ("node,stage\nnot-a-node,0\n", "not in the graph"),
    "duplicate node": ("node,stage\n{first},0\n{first},1\n", "twice"),
    "missing nodes": ("node,stage\n{first},0\n", "give a stage for every node"),
    "short column": ("stage\n0\n1\n", "2 stages for 60 nodes"),
    "empty": ("", "not a CSV"),
}


@pytest.mark.parametrize("case", list(BAD_SCHEDULES))
def test_bad_schedule_file_is_one_clear_line(synthetic, tmp_path, case):
    text, expected = BAD_SCHEDULES[case]
    path = tmp_path / "schedule.csv"
    if isinstance(text, bytes):
        path.write_bytes(text)
    elif text is not None:
        path.write_text(text.format(first=synthetic.labels[0]))
    with pytest.raises(ProblemError, match=expected) as err:
        best_known.read_schedule(path, synthetic)
    assert "\n" not in str(err.value)


def test_schedule_file_in_any_node_order_or_as_one_column(synthetic, tmp_path):
    rng = np.random.default_rng(1)
    order = rng.permutation(synthetic.n)
    stages = synthetic.asap
    path = tmp_path / "shuffled.csv"
    labels = np.asarray(synthetic.labels)
    pd.DataFrame({"node": labels[order], "stage": stages[order]}).to_csv(path, index=False)
    assert np.array_equal(best_known.read_schedule(path, synthetic), stages)
    pd.DataFrame({"stage": stages}).to_csv(path, index=False)
    assert np.array_equal(best_known.read_schedule(path, synthetic), stages)


def _verify(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "schedbench", "verify", *args],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=120,
    )


def test_verify_command(synthetic, tmp_path):
    params = [f"--param={k}={v}" for k, v in SYNTHETIC.items()]
    common = ["--dataset", "synthetic", "--stages", "6", "--ratio", "10", *params]
    good = tmp_path / "good.csv"
    pd.DataFrame({"node": synthetic.labels, "stage": synthetic.asap}).to_csv(good, index=False)
    done = _verify(*common, "--schedule", str(good))
    assert done.returncode == 0, done.stderr
    asap_cost = evaluate(synthetic, synthetic.asap).cost[0].item()
    assert f"feasible, cost {asap_cost:,.0f}" in done.stdout
    assert "feasible, cost" in done.stdout and "% to the trivial bound" in done.stdout

    bad = tmp_path / "bad.csv"
    backwards = synthetic.asap.copy()
    backwards[synthetic.src[0]], backwards[synthetic.dst[0]] = synthetic.stages - 1, 0
    pd.DataFrame({"node": synthetic.labels, "stage": backwards}).to_csv(bad, index=False)
    done = _verify(*common, "--schedule", str(bad))
    assert done.returncode == 1 and "infeasible" in done.stdout

    done = _verify(*common, "--schedule", str(tmp_path / "nope.csv"))
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "does not exist" in done.stderr


def test_verify_command_reports_the_registry_gap(tmp_path):
    entry = next((e for e in SHIPPED.values() if e.dataset == "rw1"), None)
    if entry is None:
        pytest.skip("rw1 is not in the registry yet")
    problem = registry.load("rw1", stages=entry.stages, ratio=entry.ratio)
    path = tmp_path / "best.csv"
    schedule = best_known.schedule_of(entry, problem)
    pd.DataFrame({"node": problem.labels, "stage": schedule}).to_csv(path, index=False)
    done = _verify("--dataset", "rw1", "--schedule", str(path))
    assert done.returncode == 0, done.stderr
    assert f"cost {entry.best_cost:,.0f}" in done.stdout
    assert "+0.00 % against the best known cost" in done.stdout
    gap = 100 * relative_gap(entry.best_cost, entry.best_bound)
    assert f"gap {gap:.2f} % to the bound ((cost - bound) / cost)" in done.stdout
