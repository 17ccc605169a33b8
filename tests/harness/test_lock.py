"""One sweep per results folder, and tables written once per sweep."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from schedbench.harness.lock import LOCK_NAME, ResultsLocked, acquire, release

TESTS = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": f"{TESTS}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
ENV.pop("SCHEDBENCH_LOCK_TOKEN", None)


def harness(results: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "schedbench.harness",
            *args,
            "dataset=rw4",
            "budget=smoke",
            f"results.dir={results}",
            "threads=1",
        ],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=300,
    )


def hold(results: Path, pid: int, host: str | None = None) -> None:
    results.mkdir(parents=True, exist_ok=True)
    holder = {"pid": pid, "host": host or socket.gethostname(), "token": "other", "started": 0}
    (results / LOCK_NAME).write_text(json.dumps(holder))


@pytest.fixture
def live_process():
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    yield process
    process.kill()
    process.wait()


def test_second_sweep_on_a_held_folder_stops_in_one_line(tmp_path, live_process):
    results = tmp_path / "results"
    hold(results, live_process.pid)
    done = harness(results, "-m", "solver=asap,topo_chunk")
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: results folder") and "in use by another sweep" in line
    assert f"pid {live_process.pid}" in line
    assert not (results / "runs").exists()  # nothing ran
    single = harness(results, "solver=asap")
    assert single.returncode == 2 and "in use by another sweep" in single.stderr


def test_stale_lock_of_a_dead_process_is_taken_over(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    results = tmp_path / "results"
    hold(results, dead.pid)
    done = harness(results, "solver=asap")
    assert done.returncode == 0, done.stderr
    assert not (results / LOCK_NAME).exists()  # released at the end
    assert len(pd.read_csv(results / "runs.csv")) == 1


def test_lock_in_process(tmp_path):
    token = acquire(tmp_path)
    assert acquire(tmp_path, token) == token  # a job of the same sweep joins
    with pytest.raises(ResultsLocked, match="in use by another sweep"):
        acquire(tmp_path)  # another sweep, while this (live) process holds it
    release(tmp_path, "not the holder")
    assert (tmp_path / LOCK_NAME).exists()
    release(tmp_path, token)
    assert not (tmp_path / LOCK_NAME).exists()
    hold(tmp_path, os.getpid(), host="elsewhere")  # another host: cannot tell, so held
    with pytest.raises(ResultsLocked):
        acquire(tmp_path)


def test_parallel_jobs_of_one_sweep_share_its_lock(tmp_path):
    results = tmp_path / "results"
    done = harness(
        results,
        "-m",
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=2",
        "solver=asap,topo_chunk",
        "seed=0,1",
    )
    assert done.returncode == 0, done.stderr
    assert len(pd.read_csv(results / "runs.csv")) == 4
    assert not (results / LOCK_NAME).exists()


def test_sweep_writes_its_tables_once_at_the_end(tmp_path):
    results = tmp_path / "results"
    probe = results / "runs.csv"
    started = time.time()
    done = harness(
        results,
        "-m",
        "solver=asap",
        "solver.module=fake_solvers.probe",
        f"+solver.options.path={probe}",
        "seed=0,1,2",
    )
    assert done.returncode == 0, done.stderr
    runs = pd.read_csv(probe)
    assert sorted(runs["seed"]) == [0, 1, 2]
    assert set(runs["message"]) == {"exists=False"}  # not written between runs
    assert probe.stat().st_mtime >= started
