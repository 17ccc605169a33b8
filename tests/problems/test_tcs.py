"""Latency-constrained minimum resources: the class's checks, its evaluator and bounds,
and its solvers on the EDS instances against EDS's published optima (read from
../shared, never the network)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from schedbench.datasets import eds
from schedbench.graph import ProblemError
from schedbench.problems.dot import typed_graph
from schedbench.problems.tcs import TCSProblem
from schedbench.solvers.registry import solve

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "eds"
LP = next(SHARED.glob("293b*/TC_ILP"), None)
needs_data = pytest.mark.skipif(LP is None, reason="../shared/data/eds is missing")


def chain(latency: int = 5) -> TCSProblem:
    """a (mul, 2 cycles) and b (mul) feed c (add, 1 cycle); d (add) is free."""
    graph = typed_graph(
        "chain",
        [("a", "mul"), ("b", "mul"), ("c", "add"), ("d", "add")],
        [("a", "c"), ("b", "c")],
    )
    return TCSProblem.on(
        graph,
        delay={"mul": 2, "add": 1},
        kind={"mul": "MUL", "add": "ALU"},
        cost={"MUL": 3, "ALU": 1},
        latency=latency,
    )


def test_evaluator_on_a_small_instance():
    p = chain()
    assert p.critical_path == 3 and p.asap.tolist() == [0, 0, 2, 0]
    assert p.alap.tolist() == [2, 2, 4, 4]
    result = p.evaluate([[0, 0, 2, 0], [0, 2, 4, 0], [1, 0, 2, 0]])
    assert result.feasible.tolist() == [True, True, False]
    assert result.units.tolist() == [[2, 1], [1, 1], [2, 1]]
    assert result.cost.tolist() == [7, 4, 7]
    assert p.check([1, 0, 2, 0]) == "'c' starts at 2 before 'a' ends at 3"
    assert p.check([0, 2, 5, 0]) == "operation 'c' ends at 6 > the bound 5"
    assert p.lower_bounds() == {"units": 4}  # one multiplier (x3), one ALU


def test_evaluator_against_a_per_cycle_count():
    p = eds.load("hal", 1.5)
    rng = np.random.default_rng(0)
    d = p.node_delay
    for _ in range(30):
        start = p.asap + rng.integers(0, 3, p.n)
        units = p.evaluate(start).units[0]
        for k in range(len(p.kinds)):
            ops = np.flatnonzero(p.node_kind == k)
            peak = max(
                sum(start[i] <= c < start[i] + d[i] for i in ops) for c in range(p.latency + 3)
            )
            assert units[k] == max(peak, p.min_units[k])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"latency": 2}, "the latency bound 2 is below the critical path 3"),
        ({"latency_factor": 0.5}, r"factor 0.5 puts the bound below the critical path \(3 cycles"),
        ({"latency_factor": float("nan")}, "factor nan puts the bound below the critical"),
        ({"latency_factor": "x"}, "the latency factor is 'x'; give a number >= 1"),
        ({}, "give the latency bound as latency=<cycles> or latency_factor=<x>"),
        ({"latency": 5, "delay": {"mul": 2}}, "operation type 'add' has no delay"),
        ({"latency": 5, "cost": {"MUL": -1}}, "the cost of 'MUL' is -1"),
    ],
)
def test_bad_instances_are_one_line(kwargs, message):
    graph = chain().graph
    options = {"delay": {"mul": 2, "add": 1}, "kind": {"mul": "MUL", "add": "ALU"}} | kwargs
    with pytest.raises(ProblemError, match=message) as err:
        TCSProblem.on(graph, **options)
    assert "\n" not in str(err.value)


@needs_data
def test_eds_names_and_factors_are_checked():
    with pytest.raises(ProblemError, match="unknown EDS graph 'nope'"):
        eds.load("nope")
    other = eds.load("hal", 1.2)  # a valid instance without a published optimum
    assert other.latency == int(other.critical_path * 1.2) and other.name == "hal_1.2"
    with pytest.raises(ProblemError, match=r"^dataset.params.factor=0.5: .* critical path \(\d+ "
                       r"cycles\).*smallest feasible factor is 1$"):  # fmt: skip
        eds.load("hal", 0.5)


@needs_data
def test_bounds_never_exceed_the_published_optima():
    for factor in eds.FACTORS:
        for name in eds.NAMES:
            p = eds.load(name, factor)
            assert p.lower_bound <= sum(eds.optimum(name, factor)), (name, factor)
            assert p.evaluate(p.asap).feasible[0]


@needs_data
@pytest.mark.parametrize("factor", eds.FACTORS)
@pytest.mark.parametrize("name", ["hal", "arf", "horner_bezier_surf_dfg__12", "ewf"])
def test_the_time_indexed_milp_reproduces_the_published_optimum(name, factor):
    p = eds.load(name, factor)
    result = solve(p, "tcs_highs", time_limit=30, threads=1)
    assert result.status == "optimal" and result.cost == sum(eds.optimum(name, factor))
    assert p.evaluate(result.schedule).feasible[0]


@needs_data
@pytest.mark.parametrize("name", ["hal", "arf", "motion_vectors_dfg__7"])
def test_cpsat_reproduces_the_published_optimum(name):
    p = eds.load(name, 1.0)
    result = solve(p, "tcs_cpsat", time_limit=30, threads=1)
    assert result.status == "optimal" and result.cost == sum(eds.optimum(name, 1.0))


@needs_data
def test_our_model_and_the_published_lp_agree():
    """HiGHS reads EDS's own LP file: the same optimum as our model of the instance (the
    LP states the reversed graph, whose optimum is the same)."""
    import highspy

    for name, factor in (("hal", 1.0), ("arf", 1.5), ("cosine1", 2.0)):
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.readModel(str(LP / f"{name}_{factor:.1f}.lp"))
        h.run()
        published = round(h.getInfo().objective_function_value)
        assert published == sum(eds.optimum(name, factor))
        ours = solve(eds.load(name, factor), "tcs_highs", time_limit=30, threads=1)
        assert ours.cost == published


@needs_data
@pytest.mark.parametrize("solver", ["tcs_list", "tcs_fds"])
def test_heuristics_are_feasible_and_above_the_optimum(solver):
    for name in ("hal", "arf", "cosine1", "fir2", "matmul_dfg__3"):
        p = eds.load(name, 1.5)
        result = solve(p, solver, time_limit=2, threads=1)
        assert p.evaluate(result.schedule).feasible[0]
        assert result.cost >= sum(eds.optimum(name, 1.5))


def _harness(tmp_path, *args):
    return subprocess.run(
        [sys.executable, "-m", "schedbench.harness", *args, "threads=1", "budget=smoke",
         f"results.dir={tmp_path}"],
        capture_output=True, text=True, timeout=180, env=os.environ.copy(),
    )  # fmt: skip


@needs_data
@pytest.mark.parametrize("solver", ["tcs_highs", "gurobi", "cplex", "cbc"])
def test_a_tcs_run_through_the_harness(tmp_path, solver):
    if solver in ("gurobi", "cplex"):
        pytest.importorskip({"gurobi": "gurobipy", "cplex": "cplex"}[solver])
    done = _harness(tmp_path, "dataset=eds/hal", "dataset.params.factor=1.5", f"solver={solver}")
    assert done.returncode == 0, done.stderr
    assert f"eds/hal_1.5/{solver}/seed0: optimal, best cost 3" in done.stdout
    assert (tmp_path / "runs" / "eds--hal_1.5" / solver).is_dir()


@needs_data
def test_a_solver_of_another_class_is_one_line_for_tcs(tmp_path):
    done = _harness(tmp_path, "dataset=eds/hal", "solver=rcs_list")
    assert done.returncode == 2
    assert done.stderr.startswith("error: solver 'rcs_list' does not solve 'tcs' problems")


def test_force_directed_cut_at_its_budget_still_reports_a_schedule():
    from schedbench.datasets import typed_synthetic

    p = typed_synthetic.tcs(1000, seed=0)
    result = solve(p, "tcs_fds", time_limit=2, threads=1)
    assert p.evaluate(result.schedule).feasible[0] and "cut at the budget" in result.message


@pytest.mark.parametrize("latency", [5, 8])
def test_the_milp_size_is_counted_before_the_model_is_built(latency):
    """The count that decides a memory skip is never below what the build writes."""
    from schedbench.datasets import typed_synthetic
    from schedbench.solvers.tcs.milp import build, model_nonzeros

    for p in (chain(latency), typed_synthetic.tcs(300, seed=1)):
        written = build(p).model.nnz
        assert written <= model_nonzeros(p) <= 2 * written + len(p.kinds) * p.latency


@pytest.mark.parametrize("solver,module", [("tcs_highs", "milp"), ("tcs_fds", "fds")])
def test_a_tcs_model_that_cannot_fit_is_skipped_before_its_first_schedule(
    solver, module, monkeypatch
):
    import importlib

    from schedbench.solvers.base import Status

    monkeypatch.setattr(importlib.import_module(f"schedbench.solvers.tcs.{module}"),
                        "host_memory_gb", lambda: 1e-9)  # fmt: skip
    result = solve(chain(), solver, time_limit=10)
    assert result.status is Status.SKIPPED and result.schedule is None
    assert "would need" in result.message
