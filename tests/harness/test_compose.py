"""Composed runs: a portfolio (members side by side) and a relay (one after the other)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from builders import random_dag

from schedbench import evaluate
from schedbench.harness.compose import Member, split_threads
from schedbench.harness.runner import RunSpec, execute
from schedbench.solvers.icml24.topo_chunk import best_chunking

TESTS = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": f"{TESTS}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}


@pytest.fixture(scope="module")
def problem():
    """ASAP is worse than the chunked schedule here, so the helper's opening is overtaken."""
    problem = random_dag(np.random.default_rng(0), 14, 4, p=0.25, ratio=5)
    chunked = best_chunking(problem, problem.topological_order)
    assert evaluate(problem, chunked).cost[0] < evaluate(problem, problem.asap).cost[0]
    return problem


def composed(problem, tmp_path, composition, members, budget=3.0, threads=2, **kw):
    return RunSpec(
        dataset="tiny",
        solver_key=composition,
        solver=composition,
        problem=problem,
        budget=budget,
        interval=0.5,
        threads=threads,
        grace=2.0,
        results_dir=tmp_path,
        composition=composition,
        members=members,
        **kw,
    )


def curve(tmp_path, record):
    lines = (tmp_path / record["folder"] / "incumbents.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def test_portfolio_merges_its_members_and_stops_a_helper_at_the_primarys_first(problem, tmp_path):
    members = [
        Member("delayed", {"delay": 1.0}, module="fake_solvers.delayed"),
        Member("hang", module="fake_solvers.hang", until_first_of="delayed"),
    ]
    record = execute(composed(problem, tmp_path, "portfolio", members))
    rows = curve(tmp_path, record)
    assert [row["member"] for row in rows] == ["hang", "delayed"]  # opening, then overtaken
    assert rows[0]["t"] < 0.9 < 1.0 <= rows[1]["t"] < 2.0
    assert (
        record["best_cost"]
        == rows[-1]["cost"]
        == evaluate(problem, best_chunking(problem, problem.topological_order)).cost[0]
    )
    helper = record["members"][1]
    assert helper["status"] == "stopped" and helper["threads"] == 1
    assert "hang: stopped at delayed's first schedule" in record["message"]
    assert "delayed: 1 thread(s)" in record["message"]  # the split reached the member
    assert record["status"] == "timeout"  # the primary ran to its budget
    assert record["wall_time"] < 3.0 + 2.0  # the hanging helper did not wait for the kill
    assert (tmp_path / record["folder"] / "solver-hang.log").is_file()


def test_a_patient_member_trailing_the_leader_is_stopped(problem, tmp_path):
    """The hanging member's ASAP opening is overtaken at 0.3 s; with patience 0.25 of a
    4 s budget it goes 1 s after its lead, while the leader runs on."""
    members = [
        Member("delayed", {"delay": 0.3}, module="fake_solvers.delayed"),
        Member("hang", module="fake_solvers.hang", patience=0.25),
    ]
    record = execute(composed(problem, tmp_path, "portfolio", members, budget=4.0))
    assert [row["member"] for row in curve(tmp_path, record)] == ["hang", "delayed"]
    leader, helper = record["members"]
    assert helper["status"] == "stopped" and leader["status"] == "timeout"
    trailed = float(record["message"].split("hang: stopped: ")[1].split(" s without")[0])
    stopped_at = float(record["message"].rsplit("(", 1)[1].split(" s)")[0])
    assert 1.0 <= trailed < 1.5 and trailed <= stopped_at  # from its last lead, not t = 0
    assert "hang: stopped: " in record["message"] and "delayed ahead" in record["message"]
    assert record["status"] == "timeout" and record["wall_time"] < 4.0 + 2.0


def test_a_patient_leader_is_never_stopped(problem, tmp_path):
    """Patience counts only while another member holds the best: the leader from its
    first report (0.2 s after its start, well inside half the budget) runs to its end."""
    members = [
        Member("delayed", {"delay": 0.2}, module="fake_solvers.delayed", patience=0.5),
        Member("hang", module="fake_solvers.hang", until_first_of="delayed"),
    ]
    record = execute(composed(problem, tmp_path, "portfolio", members, budget=4.0))
    assert record["members"][0]["status"] == "timeout"  # ran to its budget
    assert record["members"][1]["status"] == "stopped"


def test_relay_hands_its_best_schedule_to_the_next_member(problem, tmp_path):
    members = [Member("delayed", {"delay": 0.3}, module="fake_solvers.delayed"),
               Member("echo", module="fake_solvers.echo")]  # fmt: skip
    record = execute(composed(problem, tmp_path, "relay", members, budget=2.0, share=0.5))
    first, second = record["members"]
    assert first["budget"] == pytest.approx(1.0) and first["threads"] == 2
    assert second["started_at"] >= 1.0 and second["budget"] <= 1.0
    assert "echo: warm start: True" in record["message"]
    rows = curve(tmp_path, record)
    assert [row["member"] for row in rows] == ["delayed"]  # the echo only repeats it
    assert record["status"] == "timeout"  # the first member ran out its share


def test_threads_are_split_never_added():
    two = [Member("a"), Member("b")]
    assert [m.threads for m in split_threads(two, 2, "portfolio")] == [1, 1]
    assert [m.threads for m in split_threads(two, 5, "portfolio")] == [3, 2]
    assert [m.threads for m in split_threads(two, 4, "relay")] == [4, 4]
    fixed = [Member("a", threads=3), Member("b")]
    assert [m.threads for m in split_threads(fixed, 4, "portfolio")] == [3, 1]
    with pytest.raises(ValueError, match="need 2 threads or more but the run has 1"):
        split_threads(two, 1, "portfolio")
    with pytest.raises(ValueError, match="not a member"):
        split_threads([Member("a", until_first_of="z")], 2, "portfolio")
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        split_threads([Member("a", patience=1.5)], 2, "portfolio")
    with pytest.raises(ValueError, match="only a portfolio's members"):
        split_threads([Member("a", patience=0.5), Member("b")], 2, "relay")
    with pytest.raises(ValueError, match="distinct names"):
        split_threads([Member("a"), Member("a")], 2, "portfolio")


def test_a_members_option_is_in_the_run_key(problem, tmp_path):
    def key(delay, threads=2):
        members = [Member("delayed", {"delay": delay}, module="fake_solvers.delayed"),
                   Member("hang", module="fake_solvers.hang")]  # fmt: skip
        return composed(problem, tmp_path, "portfolio", members, threads=threads).key

    assert key(1.0) == key(1.0)
    assert key(1.0) != key(0.5)
    assert key(1.0) != key(1.0, threads=4)
    plain = Member("hang", module="fake_solvers.hang")
    assert "patience" not in plain.fingerprint()  # older runs keep their keys
    assert Member("hang", module="fake_solvers.hang", patience=0.3).fingerprint()["patience"]


def test_portfolio_from_the_command_line(tmp_path):
    """The shipped portfolio (compact CP-SAT beside gauss, one thread each)."""
    done = subprocess.run(
        [sys.executable, "-m", "schedbench.harness", "solver=hybrid", "dataset=synthetic",
         "dataset.params.nodes=40", "budget=smoke", "budget.seconds=8", "threads=2",
         f"results.dir={tmp_path}"],
        capture_output=True, text=True, env=ENV, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    runs = pd.read_csv(tmp_path / "runs.csv")
    assert runs.loc[0, "solver"] == "hybrid" and runs.loc[0, "status"] in ("optimal", "timeout")
    (folder,) = (tmp_path / "runs" / "synthetic" / "hybrid").glob("seed0-*")
    record = json.loads((folder / "record.json").read_text())
    assert [m["solver"] for m in record["members"]] == ["cpsat", "gauss"]
    assert [m["threads"] for m in record["members"]] == [1, 1]
    assert "gauss: " in record["message"] and "cpsat: " in record["message"]


@pytest.mark.parametrize(
    ("override", "line"),
    [
        ("+solver.options.bogus=1", "a portfolio has no option 'bogus'"),
        ("+solver.options.members.1.until_first_of=cpsatt", "which is not a member"),
        ("solver.options.members.0.options.formulation=tight", "is not one of paper, compact"),
        ("threads=1", "the portfolio's members need 2 threads or more but the run has 1"),
    ],
)
def test_bad_composition_is_one_line(tmp_path, override, line):
    done = subprocess.run(
        [sys.executable, "-m", "schedbench.harness", "solver=hybrid", "dataset=rw4", "threads=2",
         override, f"results.dir={tmp_path}"],
        capture_output=True, text=True, env=ENV, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    (printed,) = done.stderr.strip().splitlines()
    assert printed.startswith("error: ") and line in printed


@pytest.mark.parametrize("seed", range(3))
def test_portfolio_with_an_exact_member_is_exact(tmp_path, seed):
    """A portfolio proves what its exact member proves: CP-SAT finishes on these sizes, with
    the local search beside it until CP-SAT's first schedule."""
    from builders import brute_force_optimum

    problem = random_dag(np.random.default_rng(seed), 8, 3, with_distances=seed == 2)
    members = [
        Member("cpsat", {"formulation": "compact"}),
        Member("local_search", until_first_of="cpsat"),
    ]
    record = execute(composed(problem, tmp_path, "portfolio", members, budget=10.0))
    assert record["status"] == "optimal", record["message"]
    assert record["best_cost"] == brute_force_optimum(problem)


def test_a_proof_of_optimality_ends_the_portfolio(tmp_path):
    """Once a member proves optimality the others are stopped: the run ends at once."""
    problem = random_dag(np.random.default_rng(1), 8, 3)
    members = [
        Member("cpsat", {"formulation": "compact"}),
        Member("hang", module="fake_solvers.hang"),
    ]
    record = execute(composed(problem, tmp_path, "portfolio", members, budget=20.0))
    assert record["status"] == "optimal", record["message"]
    assert "hang: stopped: cpsat proved optimality" in record["message"]
    assert record["wall_time"] < 15.0  # not the 20 s budget plus grace the hanging member takes
