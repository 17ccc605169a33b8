"""The large-graph code paths on 10^5-node graphs (the 10^6 and 10^7 runs are in
bench/scaling.py): what every non-exact stage must still get right at that size."""

from __future__ import annotations

import importlib
import pickle

import numpy as np
import pytest
from builders import run_spec

from schedbench import evaluate
from schedbench.datasets import synthetic
from schedbench.datasets.best_known import read_schedule
from schedbench.harness import records
from schedbench.harness.runner import execute
from schedbench.harness.tables import superseded
from schedbench.harness.worker import pack, unpack
from schedbench.problems.icml24 import NodeNumbers, Problem, ProblemError
from schedbench.solvers import base
from schedbench.solvers.icml24 import list_scheduling, topo_chunk
from schedbench.solvers.icml24.refine import improve, legalize
from schedbench.solvers.registry import solve

N = 100_000


@pytest.fixture(scope="module")
def shallow() -> Problem:
    return Problem.of(synthetic.generate(N, 1.2, 10, seed=1), stages=10, ratio=10)


@pytest.fixture(scope="module")
def deep() -> Problem:
    graph = synthetic.generate(N, 2.0, 2000, seed=1, shrink=1.0, weights="unit")
    return Problem.of(graph, stages=10, ratio=100)


def test_the_two_shapes(shallow, deep):
    assert shallow.n == deep.n == N
    assert shallow.depth == 10 and deep.depth == 2000
    assert (deep.w == 1).all() and (deep.c == 1).all() and 1.9 * N < deep.m <= 2 * N
    assert (shallow.w == 0).mean() == pytest.approx(0.6, abs=0.01)
    assert isinstance(shallow.labels, NodeNumbers) and shallow.labels[N - 1] == str(N - 1)


def _is_topological(problem: Problem, order: np.ndarray) -> bool:
    position = np.empty(problem.n, np.int64)
    position[order] = np.arange(problem.n)
    return bool((np.sort(order) == np.arange(problem.n)).all()) and bool(
        (position[problem.src] < position[problem.dst]).all()
    )


@pytest.mark.parametrize("shape", ["shallow", "deep"])
def test_every_heuristic_stage_is_feasible_at_1e5(shape, request):
    problem = request.getfixturevalue(shape)
    order = topo_chunk.depth_first_order(problem)
    assert _is_topological(problem, order)
    chunked = topo_chunk.best_chunking(problem, order)
    listed, peak = list_scheduling.list_schedule(problem, problem.peak_lower_bound, np.zeros(N))
    refined = improve(problem, chunked, max_rounds=1)
    wishes = chunked + np.random.default_rng(0).integers(-2, 3, (4, N))
    checked = evaluate(problem, np.vstack([chunked, listed, refined, legalize(problem, wishes)]))
    assert checked.feasible.all()
    assert checked.peak[1] == peak
    assert checked.cost[2] <= checked.cost[0]  # the pass never worsens
    assert checked.cost.min() >= problem.trivial_lower_bound


def test_the_batch_evaluator_gives_the_same_in_chunks(shallow, monkeypatch):
    chunked = topo_chunk.best_chunking(shallow, shallow.topological_order)
    random = np.random.default_rng(0).integers(0, 10, N)
    batch = np.vstack([shallow.asap, chunked, random])
    whole = evaluate(shallow, batch)
    module = importlib.import_module("schedbench.evaluate")  # the package exports the function
    monkeypatch.setattr(module, "CHUNK_ELEMENTS", 1)  # one row per chunk
    rows = evaluate(shallow, batch)
    for name in ("peak", "comm", "cost", "feasible", "loads", "n_violated"):
        assert np.array_equal(getattr(whole, name), getattr(rows, name))
    span = batch[:, shallow.dst] - batch[:, shallow.src]
    assert np.array_equal(whole.comm, span @ shallow.comm_coeff)  # comm = s @ comm_slope
    assert whole.feasible[:2].all() and not whole.feasible[2]


def test_a_cycle_deep_inside_is_named_in_one_line(deep):
    last = deep.n - 1
    edge = int(np.flatnonzero(deep.dst == last)[0])
    src, dst = np.r_[deep.src, last], np.r_[deep.dst, deep.src[edge]]
    with pytest.raises(ProblemError) as raised:
        Problem.from_arrays(deep.n, src, dst, deep.w, stages=10, ratio=100)
    message = str(raised.value)
    assert "\n" not in message
    assert f"'{deep.src[edge]}' -> '{last}' -> '{deep.src[edge]}'" in message


def test_node_numbers_behave_like_the_label_tuple():
    labels = NodeNumbers(5)
    assert list(labels) == ["0", "1", "2", "3", "4"] and labels[-1] == "4"
    assert labels == ("0", "1", "2", "3", "4") and labels[1:3] == ["1", "2"]
    assert pickle.loads(pickle.dumps(labels)) == labels and len(pickle.dumps(labels)) < 100
    with pytest.raises(IndexError):
        labels[5]


@pytest.mark.parametrize("stages", [3, 300, 70_000])
def test_schedules_cross_the_pipe_packed(stages):
    schedule = np.random.default_rng(0).integers(0, stages, 1000)
    assert np.array_equal(unpack(pack(schedule)), schedule)


def test_a_large_schedule_is_written_compressed_and_reads_back(shallow, tmp_path):
    paths = records.RunPaths(tmp_path)
    written = records.write_schedule(paths, shallow, shallow.alap)
    assert written.name == "schedule.csv.gz" and paths.schedule_file == written
    assert np.array_equal(read_schedule(written, shallow), shallow.alap)
    small = Problem.from_arrays(3, [0], [1], [1, 2, 3], stages=2, ratio=1, labels=["a", "b,c", "d"])
    plain = records.write_schedule(records.RunPaths(tmp_path / "small"), small, [0, 1, 1])
    assert plain.name == "schedule.csv"
    assert np.array_equal(read_schedule(plain, small), [0, 1, 1])


def test_the_pipeline_through_the_runner_at_1e5(shallow, tmp_path):
    options = {"restarts": False, "rounds": 1}
    record = execute(run_spec(shallow, tmp_path, "local_search", budget=120.0, options=options))
    assert record["status"] == "feasible" and record["best_cost"] is not None
    assert 0 < record["peak_memory_gb"] < 8
    folder = tmp_path / record["folder"]
    stages = read_schedule(folder / "schedule.csv.gz", shallow)
    assert evaluate(shallow, stages).cost[0] == record["best_cost"]


def test_gs_is_skipped_with_the_memory_it_would_need(shallow, monkeypatch):
    import schedbench.solvers.icml24.gs as gs

    monkeypatch.setattr(gs, "available_gb", lambda device: 1.0)
    result = solve(shallow, "gs", time_limit=30, device="cpu")
    assert result.status is base.Status.SKIPPED and result.schedule is None
    need = gs.memory_need_gb(N, 250, 10, 4, "per_row")
    assert f"would need {need:.1f} GB" in result.message
    assert f"batch={int(250 / need)} would fit" in result.message


@pytest.mark.parametrize("solver", ["cpsat", "highs"])
def test_exact_models_fail_fast_when_they_cannot_fit(shallow, solver, monkeypatch):
    from schedbench.solvers.registry import backend

    module = backend(solver)
    monkeypatch.setattr(module, "host_memory_gb", lambda: 0.01)
    result = solve(shallow, solver, time_limit=30, formulation="compact")
    assert result.status is base.Status.SKIPPED and "would need" in result.message
    assert result.wall_time < 5  # nothing was built


def test_a_newer_run_of_the_same_config_supersedes_an_older_one():
    config = {"solver": {"name": "local_search", "options": {}}, "seed": 0, "results": "a"}
    run = {"problem_digest": "p", "solver": "local_search", "seed": 0, "config": config}
    later = {**run, "run_key": "new", "config": {**config, "results": "b", "label": None}}
    other = {**run, "config": {**config, "seed": 1}}
    bare = [{"problem_digest": "p", "solver": "x", "seed": 0, "run_key": k} for k in "ab"]
    assert superseded([run, later, other, *bare], [1.0, 2.0, 1.5, 1.0, 2.0]) == {0}


def test_a_newer_run_of_the_same_command_supersedes_one_from_an_edited_config():
    """A portfolio's YAML changed: the same command's newer run stands, another stays."""
    config = {"solver": {"name": "portfolio", "options": {"members": ["a", "b"]}}, "seed": 0}
    command = "python -m schedbench.harness dataset=rw7 solver=hybrid"
    old = {"problem_digest": "p", "solver": "hybrid", "seed": 0, "config": config,
           "command": command}  # fmt: skip
    edited = {**old, "config": {**config, "solver": {"name": "portfolio", "options": {}}}}
    elsewhere = {**edited, "command": f"{command} threads=1", "config": {**config, "x": 1}}
    assert superseded([old, edited, elsewhere], [1.0, 2.0, 1.5]) == {0}
    assert superseded([old, edited], [2.0, 1.0]) == {1}


def _scaling_bench():
    """bench/scaling.py, loaded from the checkout (bench/ is not part of the package)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "bench" / "scaling.py"
    spec = importlib.util.spec_from_file_location("scaling_bench", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_runs_only_sweep_reports_its_solver_table(tmp_path):
    import pandas as pd

    scaling = _scaling_bench()
    assert "nothing to report" in scaling.report(tmp_path)
    (tmp_path / "runs").mkdir()
    row = {"dataset": "scaling_deep_n1000000", "solver": "nested_cuts", "status": "feasible",
           "n": 1_000_000, "wall_time": 86.8, "best_cost": 12_458_984.0, "gap": 0.197,
           "peak_memory_gb": 0.98, "message": "peak 100000 (2 peaks tried)"}  # fmt: skip
    pd.DataFrame([row]).to_csv(tmp_path / "runs" / "runs.csv", index=False)
    text = scaling.report(tmp_path)
    assert "| scaling_deep_n1000000 | nested_cuts | feasible | 87 | 12,458,984 | 19.700 |" in text
    assert (tmp_path / "scaling.md").read_text() == text
