"""Faults: a solver that runs out of memory or prints garbage, a full or read-only disk.

Every fault ends as a recorded status or a one-line error; records written before it stay
intact and no temporary file is left behind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from builders import random_dag

from schedbench import evaluate
from schedbench.harness.runner import RunSpec, execute

TESTS = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": f"{TESTS}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}


@pytest.fixture(scope="module")
def problem():
    return random_dag(np.random.default_rng(3), 12, 4, p=0.3)


def spec(problem, results, module, **kw):
    return RunSpec(
        dataset="tiny",
        solver_key=module.rsplit(".", 1)[-1],
        solver="asap",
        module=module,
        problem=problem,
        budget=kw.pop("budget", 20.0),
        interval=1.0,
        results_dir=results,
        grace=2.0,
        **kw,
    )


def test_memory_limit_is_a_recorded_out_of_memory(problem, tmp_path):
    record = execute(spec(problem, tmp_path, "fake_solvers.hog", memory_gb=1.5))
    assert record["status"] == "error"
    assert record["message"].startswith("out of memory (budget.memory_gb=1.5)")
    assert record["best_cost"] == evaluate(problem, problem.asap).cost[0]  # kept
    assert record["wall_time"] < 20  # it failed, it did not swap


def test_garbage_on_stdout_goes_to_the_log(problem, tmp_path):
    run = spec(problem, tmp_path, "fake_solvers.garbage")
    record = execute(run)
    assert record["status"] == "feasible"
    assert record["best_cost"] == evaluate(problem, problem.asap).cost[0]
    log = (run.paths.folder / "solver.log").read_bytes()
    assert b"not json at all" in log and b'"status": "optimal"' in log


def harness(results: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "schedbench.harness",
            *args,
            "dataset=rw4",
            "budget=smoke",
            "budget.seconds=1",
            f"results.dir={results}",
            "threads=1",
        ],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=300,
    )


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MiB tmpfs (needs root and mount rights; skipped elsewhere)."""
    where = tmp_path / "disk"
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(where)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    yield where
    subprocess.run(["umount", "-l", str(where)], check=False)


def _snapshot(results: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in results.rglob("record.json")}


def _assert_no_temporaries(results: Path) -> None:
    assert not [p for p in results.rglob("*.tmp")]


def test_full_disk(small_disk):
    results = small_disk / "results"
    first = harness(results, "solver=asap")
    assert first.returncode == 0, first.stderr
    before = _snapshot(results)
    filler = small_disk / "filler"
    with filler.open("wb") as handle, pytest.raises(OSError):
        while True:
            handle.write(b"\0" * 65536)
            handle.flush()
            os.fsync(handle.fileno())
    # Hydra's own files elsewhere: each run fails on its own and the sweep goes on
    sweep = f"hydra.sweep.dir={small_disk.parent / 'sweep'}"
    done = harness(results, "-m", "solver=topo_chunk,list", sweep)
    assert done.returncode == 2
    errors = done.stderr.strip().splitlines()
    assert len(errors) == 2 and all("No space left on device" in e for e in errors), errors
    assert errors[0].startswith("error: [run 1/2] rw4/topo_chunk/seed0: cannot write")
    assert errors[1].startswith("error: [run 2/2] rw4/list/seed0: cannot write")
    # Hydra's files on the full disk: one line before any run starts
    done = harness(results, "-m", "solver=topo_chunk,list")
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: cannot write") and "No space left on device" in line
    assert _snapshot(results) == before
    _assert_no_temporaries(results)
    filler.unlink()
    again = harness(results, "-m", "solver=topo_chunk,list")  # space is back: the runs redo
    assert again.returncode == 0, again.stderr
    assert len(_snapshot(results)) == 3


def test_read_only_results(small_disk):
    results = small_disk / "results"
    assert harness(results, "solver=asap").returncode == 0
    before = _snapshot(results)
    remount = ["mount", "-o", "remount,ro", str(small_disk)]
    subprocess.run(remount, check=True)
    done = harness(results, "solver=topo_chunk")  # Hydra writes nothing: the run's folder
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: rw4/topo_chunk/seed0: cannot write")
    assert "Read-only file system" in line
    assert _snapshot(results) == before
    assert json.loads(next(iter(before.values())))["status"] in ("feasible", "timeout")
