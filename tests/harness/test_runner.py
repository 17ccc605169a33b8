"""Runs in their own process: every solver end to end, and every way a solver can misbehave."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pandas as pd
import pytest
from builders import random_dag, run_spec

from schedbench import evaluate
from schedbench.harness.runner import execute
from schedbench.harness.tables import build_tables, write_tables
from schedbench.solvers.icml24.topo_chunk import best_chunking


@pytest.fixture(scope="module")
def problem():
    return random_dag(np.random.default_rng(0), 14, 4, p=0.25, ratio=5)


def spec(problem, tmp_path, solver, key=None, budget=3.0, **kw):
    return run_spec(problem, tmp_path, solver, solver_key=key or solver, budget=budget, **kw)


SMOKE = {
    "asap": {},
    "topo_chunk": {},
    "list": {},
    "fds": {},
    "cpsat": {"formulation": "paper"},
    "cpsat_compact": {"formulation": "compact"},
    "highs_compact": {"formulation": "compact"},
    "cbc_compact": {"formulation": "compact"},
    "gurobi_compact": {"formulation": "compact"},
    "cplex_compact": {"formulation": "compact"},
    "gs": {"batch": 16},
}
PACKAGE = {"gurobi": "gurobipy", "cplex": "cplex"}


@pytest.mark.parametrize("key", list(SMOKE))
def test_smoke_run_per_solver(problem, tmp_path, key):
    backend = key.split("_compact")[0] if key != "topo_chunk" else key
    if backend in PACKAGE and importlib.util.find_spec(PACKAGE[backend]) is None:
        pytest.skip(f"{PACKAGE[backend]} is not installed")
    budget = 8.0 if backend == "gs" else 3.0
    run = spec(problem, tmp_path, backend, key=key, budget=budget, options=SMOKE[key])
    record = execute(run)
    assert record["status"] in ("optimal", "feasible", "timeout"), record["message"]
    folder = run.paths.folder
    assert folder == tmp_path / record["folder"]
    schedule = pd.read_csv(folder / "schedule.csv")
    assert schedule["node"].astype(str).tolist() == list(problem.labels)
    stages = schedule["stage"].to_numpy()
    assert evaluate(problem, stages).cost[0] == record["best_cost"]
    assert json.loads((folder / "record.json").read_text())["status"] == record["status"]
    if backend == "gs":
        epochs = pd.read_csv(folder / "epochs.csv")
        assert {"epoch", "time", "loss", "best_cost", "mean_cost"} <= set(epochs.columns)


def test_hanging_solver_is_killed_and_keeps_its_incumbent(problem, tmp_path):
    record = execute(
        spec(problem, tmp_path, "hang", module="fake_solvers.hang", budget=1.0, grace=1.0)
    )
    assert record["status"] == "timeout" and "killed after budget" in record["message"]
    assert record["best_cost"] == evaluate(problem, problem.asap).cost[0]
    assert record["wall_time"] < 1.0 + 1.0 + 12


def test_incumbents_after_the_budget_are_not_counted(problem, tmp_path):
    """The grace period is for stopping: a schedule (or a proof) found in it would give
    a solver that overruns its budget an edge over one that stops on time."""
    run = spec(problem, tmp_path, "late", module="fake_solvers.late", budget=1.0, grace=3.0)
    record = execute(run)
    asap = evaluate(problem, problem.asap).cost[0]
    better = evaluate(problem, best_chunking(problem, problem.topological_order)).cost[0]
    assert better < asap  # it would have counted
    assert record["best_cost"] == asap and record["status"] == "timeout"
    assert "1 incumbent(s) after the 1 s budget not counted" in record["message"]
    lines = (run.paths.folder / "incumbents.jsonl").read_text().splitlines()
    assert [json.loads(line)["cost"] for line in lines] == [asap]


def test_raising_solver_is_an_error_with_its_incumbent(problem, tmp_path):
    record = execute(spec(problem, tmp_path, "explode", module="fake_solvers.explode"))
    assert record["status"] == "error" and "exploded" in record["message"]
    assert record["best_cost"] is not None


def test_crashing_process_is_recorded(problem, tmp_path):
    record = execute(spec(problem, tmp_path, "crash", module="fake_solvers.crash"))
    assert record["status"] == "error" and "exit code -9" in record["message"]
    assert record["best_cost"] == evaluate(problem, problem.asap).cost[0]


def test_finished_runs_are_skipped_and_force_reruns(problem, tmp_path):
    first = execute(spec(problem, tmp_path, "asap"))
    again = execute(spec(problem, tmp_path, "asap"))
    assert again.get("skipped") and again["best_cost"] == first["best_cost"]
    forced = execute(spec(problem, tmp_path, "asap", force=True))
    assert not forced.get("skipped")
    folder = spec(problem, tmp_path, "asap").paths.folder
    assert list(folder.glob("record.previous-*.json"))  # the old record is kept aside


def test_a_back_end_revision_is_a_new_run(problem, tmp_path, monkeypatch):
    """Faster code that finds more in the same budget must not reuse the old records,
    alone or as a member of a composed run."""
    import schedbench.solvers.icml24.local_search as local_search
    from schedbench.harness.compose import Member

    team = [Member("local_search", {}), Member("topo_chunk", {})]
    portfolio = {"composition": "portfolio", "members": team, "threads": 2}
    before = [
        run_spec(problem, tmp_path, "local_search").key,
        run_spec(problem, tmp_path, "portfolio", **portfolio).key,
    ]
    monkeypatch.setattr(local_search, "REVISION", local_search.REVISION + 1)
    after = [
        run_spec(problem, tmp_path, "local_search").key,
        run_spec(problem, tmp_path, "portfolio", **portfolio).key,
    ]
    assert before[0] != after[0] and before[1] != after[1]


def test_another_configuration_is_not_skipped(problem, tmp_path):
    """Same dataset, solver and seed but another L, budget or option: a new run."""
    first = execute(spec(problem, tmp_path, "asap"))
    for changed in (
        spec(problem.with_settings(stages=5), tmp_path, "asap"),
        spec(problem, tmp_path, "asap", budget=2.0),
        spec(problem, tmp_path, "topo_chunk", key="asap", options={"max_orders": 3}),
    ):
        record = execute(changed)
        assert not record.get("skipped") and record["folder"] != first["folder"]
    runs, _ = build_tables(tmp_path)
    assert len(runs) == 4


def test_tables_and_sampling(problem, tmp_path):
    execute(spec(problem, tmp_path, "slow", module="fake_solvers.slow", budget=3.0))
    execute(spec(problem, tmp_path, "asap"))
    runs, points = write_tables(tmp_path)
    assert len(runs) == 2 and (tmp_path / "runs.parquet").is_file()
    slow = points[points.solver == "slow"].sort_values("t")
    assert slow["t"].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert np.isnan(slow["best_cost"].iloc[0])
    asap_cost = evaluate(problem, problem.asap).cost[0]
    chunked = best_chunking(problem, problem.topological_order)
    assert slow["best_cost"].iloc[-1] == evaluate(problem, chunked).cost[0] < asap_cost
    assert slow["norm_asap"].iloc[1] == 1.0 and slow["norm_asap"].iloc[-1] < 1.0
    assert runs.set_index("solver").loc["slow", "first_cost"] == asap_cost
    assert (runs["best_known_bound"] >= problem.trivial_lower_bound).all()


def test_interrupted_run_is_tabulated(problem, tmp_path):
    from schedbench.harness.runner import identity

    s = spec(problem, tmp_path, "slow", module="fake_solvers.slow")
    folder = s.paths.folder
    folder.mkdir(parents=True)
    (folder / "running.json").write_text(json.dumps(identity(s)))
    (folder / "incumbents.jsonl").write_text(
        '{"t": 0.5, "cost": 999, "peak": 1, "comm": 0}\n{"t": 0.9, "co'
    )  # torn last line
    runs, _ = build_tables(tmp_path)
    assert runs.loc[0, "status"] == "interrupted" and runs.loc[0, "first_cost"] == 999


def test_gs_curve_is_reproducible(problem, tmp_path):
    """Same config and seed: the same GS epochs (loss and costs) on CPU, run to run."""
    options = {"batch": 16, "epochs": 6, "device": "cpu"}
    first = spec(problem, tmp_path / "a", "gs", budget=30.0, options=options, seed=4)
    second = spec(problem, tmp_path / "b", "gs", budget=30.0, options=options, seed=4)
    execute(first), execute(second)
    columns = ["epoch", "loss", "loss_memory", "loss_comm", "best_cost", "mean_cost"]
    a = pd.read_csv(first.paths.folder / "epochs.csv")[columns]
    b = pd.read_csv(second.paths.folder / "epochs.csv")[columns]
    assert len(a) == 6
    pd.testing.assert_frame_equal(a, b)
    other = spec(problem, tmp_path / "c", "gs", budget=30.0, options=options, seed=5)
    execute(other)
    c = pd.read_csv(other.paths.folder / "epochs.csv")[columns]
    assert not a.equals(c)  # the seed matters, so the comparison above can fail


FAKE_WITH_DEFAULT = """
from schedbench.solvers.base import Outcome, Status

LIBRARY = PIP = "none"
CLASSES = ("icml24",)


def version():
    return "defaulted 1"


def run(ctx, level={level}):
    ctx.tracker.offer(ctx.problem.asap)
    return Outcome(Status.FEASIBLE, message=f"level {{level}}")
"""


def test_changed_default_is_a_new_run(problem, tmp_path, monkeypatch):
    """The key hashes the back-end's resolved options: a default changed in code must not
    reuse the record made under the old default (the options as passed are the same)."""
    import importlib
    import shutil
    import sys

    package = tmp_path / "code"
    package.mkdir()
    monkeypatch.syspath_prepend(str(package))
    source = package / "defaulted_solver.py"
    source.write_text(FAKE_WITH_DEFAULT.format(level=1))
    importlib.invalidate_caches()
    results = tmp_path / "results"

    def run_once():
        run = spec(problem, results, "defaulted", module="defaulted_solver")
        return run.key, execute(run)

    first, record = run_once()
    assert record["message"] == "level 1" and not record.get("skipped")
    again, repeat = run_once()
    assert repeat.get("skipped") and again == first
    source.write_text(FAKE_WITH_DEFAULT.format(level=2))
    shutil.rmtree(package / "__pycache__", ignore_errors=True)  # same size, same second
    sys.modules.pop("defaulted_solver", None)
    importlib.invalidate_caches()
    changed, fresh = run_once()
    assert changed != first
    assert not fresh.get("skipped") and fresh["message"] == "level 2"


@pytest.mark.parametrize("device", ["cpu", "cuda"])
def test_record_takes_the_device_from_the_outcome(problem, tmp_path, device):
    """The device is what the back-end says, whatever its message reads."""
    run = spec(problem, tmp_path, "probe", module="fake_solvers.probe", options={"device": device})
    record = execute(run)
    assert record["status"] == "feasible", record["message"]
    assert record["provenance"]["device"] == device


def test_best_known_bound_takes_the_cached_lp_bound(problem, tmp_path):
    """One bound for tables, figures and reports: an LP bound in the folder's cache that is
    stronger than the trivial one becomes the best known bound and moves the gaps."""
    from schedbench.harness.tables import store_lp_bound

    record = execute(spec(problem, tmp_path, "asap"))
    trivial = record["trivial_bound"]
    runs, points = build_tables(tmp_path)
    assert runs.loc[0, "best_known_bound"] == trivial
    store_lp_bound(tmp_path, problem.digest, trivial + 1)
    runs, points = build_tables(tmp_path)
    assert runs.loc[0, "best_known_bound"] == trivial + 1
    assert (points["best_known_bound"] == trivial + 1).all()
    cost = record["best_cost"]
    assert runs.loc[0, "gap"] == pytest.approx((cost - trivial - 1) / cost)


def test_a_schedule_at_a_proved_lower_bound_ends_the_run_as_optimal(tmp_path):
    """A chain on one unit: ASAP meets the critical-path bound, so the hanging solver is
    stopped at once and the run is optimal (its cost at the budget is the same)."""
    from schedbench.problems.rcs import RCSProblem

    chain = RCSProblem.from_lists(
        "chain", [("a", "add"), ("b", "add"), ("c", "add")], [("a", "b"), ("b", "c")],
        delay={"add": 1}, units={"add": 1},
    )  # fmt: skip
    record = execute(
        spec(chain, tmp_path, "hang", module="fake_solvers.hang", budget=20.0, grace=1.0)
    )
    assert record["status"] == "optimal", record["message"]
    assert record["best_cost"] == chain.lower_bound == 3
    assert "meets the proved lower bound 3" in record["message"]
    assert record["wall_time"] < 15.0  # not the 20 s budget the hanging solver would take


def test_a_schedule_above_every_bound_runs_its_budget(problem, tmp_path):
    from schedbench.harness.workers import proved_floor

    assert evaluate(problem, problem.asap).cost[0] > proved_floor(problem)
    record = execute(
        spec(problem, tmp_path, "hang", module="fake_solvers.hang", budget=1.0, grace=1.0)
    )
    assert record["status"] == "timeout" and "lower bound" not in record["message"]


def test_a_stop_message_writes_the_bound_in_full():
    from schedbench.harness.workers import _number

    assert _number(5000001.0) == "5,000,001" and _number(1.5) == "1.5"
