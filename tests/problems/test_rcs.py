"""Resource-constrained minimum latency: the class's checks, its evaluator, its bounds, and
its solvers on HeuriGym's instances (read from ../shared, never the network)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from schedbench.problems.icml24 import ProblemError
from schedbench.problems.rcs import RCSProblem, read_heurigym
from schedbench.solvers.rcs.cpsat import solve_cpsat
from schedbench.solvers.rcs.list_scheduling import best_list_schedule

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "heurigym"
DATASET = next(SHARED.glob("f862*/operator_scheduling/dataset"), None)
BASELINE = next(SHARED.glob("fcdce*/operator_scheduling/baseline/baseline.json"), None)
needs_data = pytest.mark.skipif(DATASET is None, reason="../shared/data/heurigym is missing")


def demo(mul_units: int = 2) -> RCSProblem:
    """HeuriGym's README example: two 3-cycle multiplies feed a 1-cycle subtract."""
    return RCSProblem.from_lists(
        "demo",
        [("n1", "mul"), ("n2", "mul"), ("n3", "sub")],
        [("n1", "n3"), ("n2", "n3")],
        {"mul": 3, "sub": 1},
        {"mul": mul_units, "sub": 1},
    )


def test_evaluator_on_the_readme_example():
    p = demo()
    result = p.evaluate([[0, 0, 3], [0, 0, 2], [0, 1, 4]])
    assert result.feasible.tolist() == [True, False, True]
    assert result.latency.tolist() == [4, 3, 5]
    assert "'n3' starts at 2 before 'n1' ends at 3" in p.check([0, 0, 2])
    one_unit = demo(mul_units=1)
    assert not one_unit.evaluate([0, 0, 3]).feasible[0]  # both multiplies on one unit
    assert "2 mul operations are busy at cycle 0; 1 units" in one_unit.check([0, 0, 3])
    assert one_unit.evaluate([0, 3, 6]).feasible[0]  # a unit is free again at t + delay


def test_evaluator_against_a_per_cycle_count():
    p = demo(mul_units=1)
    rng = np.random.default_rng(0)
    for start in rng.integers(0, 8, size=(200, 3)):
        d = p.node_delay
        ok = all(start[s] + d[s] <= start[t] for s, t in zip(p.src, p.dst, strict=True))
        for k in range(len(p.types)):
            ops = np.flatnonzero(p.op_type == k)
            for cycle in range(20):
                busy = sum(start[i] <= cycle < start[i] + d[i] for i in ops)
                ok &= busy <= p.units[k]
        assert p.evaluate(start).feasible[0] == ok


def test_bounds_and_schedule_text():
    p = demo(mul_units=1)
    assert p.lower_bounds() == {"critical_path": 4, "resource": 7}  # 2 x 3 cycles, then 1
    text = p.format_schedule([0, 3, 6])
    assert text == "n1:0\nn2:3\nn3:6\n"
    assert p.parse_schedule("n3:6\nn1:0\n\nn2:3\n").tolist() == [0, 3, 6]
    with pytest.raises(ProblemError, match="no start cycle for 'n2'"):
        p.parse_schedule("n1:0\nn3:6\n")
    with pytest.raises(ProblemError, match=r"line 1 .* is not '<operation>:<cycle>'"):
        p.parse_schedule("n1=0\n")


@pytest.mark.parametrize(
    ("nodes", "edges", "delay", "units", "message"),
    [
        ([("a", "mul")], [], {}, {"mul": 1}, "operation type 'mul' has no delay"),
        ([("a", "mul")], [], {"mul": 0}, {"mul": 1}, "the delay of type 'mul' is 0"),
        ([("a", "mul")], [], {"mul": 1}, {"mul": 1.5}, "resource of 'mul' is 1.5"),
        ([("a", "m"), ("b", "m")], [("a", "b"), ("b", "a")], {"m": 1}, {"m": 1}, "has a cycle"),
        ([("a", "m")], [("a", "z")], {"m": 1}, {"m": 1}, "unknown operation 'z'"),
        ([], [], {}, {}, "has no operations"),
    ],
)
def test_bad_instances_are_one_line(nodes, edges, delay, units, message):
    with pytest.raises(ProblemError, match=message) as err:
        RCSProblem.from_lists("bad", nodes, edges, delay, units)
    assert "\n" not in str(err.value)


@needs_data
def test_every_heurigym_instance_loads_and_list_scheduling_is_feasible():
    files = sorted(DATASET.glob("*/*.json"))
    reference = json.loads(BASELINE.read_text())
    assert len(files) == 24 and {f.stem for f in files} == set(reference)
    for file in files:
        p = read_heurigym(file)
        start = best_list_schedule(p, restarts=5)
        result = p.evaluate(start)
        assert result.feasible[0], (file.stem, p.check(start))
        assert p.lower_bound <= result.latency[0]
        assert p.lower_bound <= reference[file.stem]  # the bounds are valid


@needs_data
@pytest.mark.parametrize("name", ["hal", "arf", "ewf", "fir2", "motion"])
def test_cpsat_reproduces_the_published_latency(name):
    p = read_heurigym(next(DATASET.glob(f"*/{name}.json")))
    reference = json.loads(BASELINE.read_text())[name]
    hint = best_list_schedule(p)
    result = solve_cpsat(p, time_limit=10, hint=hint, threads=1)
    assert result.start is not None and p.evaluate(result.start).feasible[0]
    assert result.latency <= reference and result.optimal and result.bound == result.latency


EDS = next((SHARED.parent / "eds").glob("*/Benchmarks"), None)


@needs_data
@pytest.mark.skipif(EDS is None, reason="../shared/data/eds is missing")
def test_an_express_dot_graph_with_heurigym_delays_is_the_same_instance():
    from schedbench.problems.rcs import read_dot

    spec = json.loads(next(DATASET.glob("*/arf.json")).read_text())
    from_json = read_heurigym(next(DATASET.glob("*/arf.json")))
    from_dot = read_dot(EDS / "arf.dot", spec["delay"], spec["resource"])
    assert from_dot.digest == from_json.digest


def test_dot_without_operations_is_one_line(tmp_path):
    from schedbench.problems.rcs import read_dot

    (tmp_path / "x.dot").write_text("digraph x { }\n")
    with pytest.raises(ProblemError, match="has no '<operation> \\[label = <type>\\]' lines"):
        read_dot(tmp_path / "x.dot", {}, {})


@needs_data
@pytest.mark.parametrize("name", ["hal", "arf", "motion"])
def test_the_time_indexed_milp_proves_the_published_latency(name):
    from schedbench.solvers.rcs.milp import build, solve_highs

    p = read_heurigym(next(DATASET.glob(f"*/{name}.json")))
    reference = json.loads(BASELINE.read_text())[name]
    hint = best_list_schedule(p)
    indexed = build(p, int((hint + p.node_delay).max()))
    assert (indexed.decode(indexed.encode(hint)) == hint).all()  # a MIP start round-trips
    result = solve_highs(p, time_limit=20, hint=hint)
    assert result.start is not None and p.evaluate(result.start).feasible[0]
    assert result.latency == reference and result.optimal and result.bound == reference


@needs_data
@pytest.mark.parametrize("name", ["hal", "motion", "matmul"])
def test_the_milp_size_is_counted_before_the_model_is_built(name):
    """The count that decides a memory skip is never below what the build writes."""
    from schedbench.solvers.rcs.milp import build, model_nonzeros

    p = read_heurigym(next(DATASET.glob(f"*/{name}.json")))
    horizon = int((best_list_schedule(p) + p.node_delay).max())
    written = build(p, horizon).model.nnz
    assert written <= model_nonzeros(p, horizon) <= 2 * written


def test_highs_is_skipped_before_its_first_schedule_when_the_model_cannot_fit(monkeypatch):
    import schedbench.solvers.rcs.milp as milp
    from schedbench.solvers.base import Status
    from schedbench.solvers.registry import solve

    monkeypatch.setattr(milp, "host_memory_gb", lambda: 1e-6)
    result = solve(demo(), "rcs_highs", time_limit=10)
    assert result.status is Status.SKIPPED and result.schedule is None
    assert "would need" in result.message and "time-indexed model" in result.message


def test_a_stopped_highs_without_a_dual_bound_proves_the_class_bound():
    """The harness stops HiGHS once its schedule meets the class's bound; HiGHS can then
    end without a dual bound (infinite), which was an OverflowError (heurigym/dag_1000)."""
    from schedbench.solvers.rcs.milp import proved_latency

    assert proved_latency(68, float("inf")) == 68 and proved_latency(68, float("-inf")) == 68
    assert proved_latency(68, 70.2) == 71 and proved_latency(68, 70.0000001) == 70
    assert proved_latency(68, 12.0) == 68


@needs_data
@pytest.mark.parametrize("solver", ["gurobi", "cplex", "cbc"])
def test_the_milp_back_ends_solve_rcs_on_the_shared_model(tmp_path, solver):
    """Gurobi, CPLEX and CBC take the time-indexed model as they take the paper's: hal's
    model fits the pip packages' size limits."""
    pytest.importorskip({"gurobi": "gurobipy", "cplex": "cplex", "cbc": "pulp"}[solver])
    done = _harness(tmp_path, "dataset=heurigym/hal", f"solver={solver}", "budget=smoke")
    assert done.returncode == 0, done.stderr
    assert f"heurigym/hal/{solver}/seed0: optimal, best cost 7" in done.stdout
    done = _harness(tmp_path, "dataset=heurigym/hal", f"solver={solver}", "budget=smoke",
                    "solver.options.formulation=compact")  # fmt: skip
    assert done.returncode == 2 and done.stderr == (
        "error: formulation='compact' is the paper's class's; RCS has one (time-indexed) "
        "model: drop the option\n"
    )


def _harness(tmp_path, *args):
    import os
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "schedbench.harness", *args, "threads=1",
         f"results.dir={tmp_path}"],
        capture_output=True, text=True, timeout=180, env=os.environ.copy(),
    )  # fmt: skip


@needs_data
def test_an_rcs_run_through_the_harness_is_recorded_and_tabulated(tmp_path):
    import pandas as pd

    done = _harness(
        tmp_path, "-m", "dataset=heurigym/hal", "solver=rcs_list,rcs_cpsat", "budget=smoke"
    )
    assert done.returncode == 0, done.stderr
    assert "heurigym/hal/rcs_cpsat/seed0: optimal, best cost 7" in done.stdout
    runs = pd.read_csv(tmp_path / "runs.csv").set_index("solver")
    assert runs.loc["rcs_cpsat", "best_cost"] == 7 and runs.loc["rcs_cpsat", "gap"] == 0
    assert (runs["trivial_bound"] == 7).all() and (runs["n"] == 11).all()
    folder = next((tmp_path / "runs" / "heurigym--hal" / "rcs_cpsat").iterdir())
    start = pd.read_csv(folder / "schedule.csv")["start"].to_numpy()
    problem = read_heurigym(next(DATASET.glob("*/hal.json")))
    assert problem.evaluate(start).feasible[0] and problem.evaluate(start).latency[0] == 7


def test_a_solver_of_another_class_is_one_line(tmp_path):
    done = _harness(tmp_path, "dataset=heurigym/hal", "solver=gs", "budget=smoke")
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line == (
        "error: solver 'gs' does not solve 'rcs' problems; use one of gurobi, cplex, cbc, "
        "rcs_list, rcs_cpsat, rcs_highs, hls_gs, hls_gauss"
    )
    assert not (tmp_path / "runs").exists()


@needs_data
def test_the_registry_keeps_and_reverifies_an_rcs_schedule(tmp_path):
    from schedbench.datasets import best_known, registry
    from schedbench.harness import registry_update

    done = _harness(
        tmp_path / "results", "dataset=heurigym/hal", "solver=rcs_cpsat", "budget=smoke"
    )
    assert done.returncode == 0, done.stderr
    lines = registry_update.update(tmp_path / "results", tmp_path / "registry")
    assert "heurigym/hal: best cost 7 (rcs_cpsat)" in lines
    (entry,) = best_known.read_registry(tmp_path / "registry").values()
    assert entry.stages is None and entry.peak is None and entry.best_bound == 7
    assert entry.schedule.startswith("heurigym--hal-rcs-")
    problem = registry.load(entry.dataset)
    assert problem.digest == entry.digest
    best_known.verify_entry(entry, problem, tmp_path / "registry")


@needs_data
def test_the_heurigym_table_says_reproduced_beaten_or_behind():
    import pandas as pd

    from schedbench.studies.heurigym import verdict_table

    def run(name, solver, cost, bound):
        return {
            "dataset": f"heurigym/{name}", "solver": solver, "best_cost": cost,
            "best_known_bound": bound, "n": 10,
        }  # fmt: skip

    runs = pd.DataFrame(
        [
            run("arf", "rcs_cpsat", 16, 16),  # reference 16, proved
            run("arf", "rcs_list", 17, 16),
            run("invert", "rcs_cpsat", 24, 21),  # reference 23
            run("hal", "rcs_list", 6, 6),  # reference 7: better than published
        ]
    )
    table = verdict_table(runs).set_index("instance")
    assert table.loc["arf", "verdict"] == "reproduced" and table.loc["arf", "by"] == "rcs_cpsat"
    assert table.loc["arf", "proved"] == "optimal"
    assert table.loc["invert", "verdict"] == "behind by 1"
    assert table.loc["invert", "proved"] == "bound 21"
    assert table.loc["hal", "verdict"] == "beaten by 1"
    assert list(table.index) == ["hal", "arf", "invert"]  # HeuriGym's order


@needs_data
def test_verify_reads_heurigym_schedules(tmp_path):
    import os
    import subprocess
    import sys

    p = read_heurigym(next(DATASET.glob("*/hal.json")))
    best = solve_cpsat(p, time_limit=10, hint=best_list_schedule(p), threads=1).start
    (tmp_path / "hal.txt").write_text(p.format_schedule(best))
    done = subprocess.run(
        [sys.executable, "-m", "schedbench", "verify", "--dataset", "heurigym/hal",
         "--schedule", str(tmp_path / "hal.txt")],
        capture_output=True, text=True, timeout=60, env=os.environ.copy(),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "heurigym/hal (rcs, n=11): feasible, cost 7" in done.stdout
    late = best.copy()
    late[p.dst[0]] = 0  # before its predecessor ends
    (tmp_path / "late.txt").write_text(p.format_schedule(late))
    done = subprocess.run(
        [sys.executable, "-m", "schedbench", "verify", "--dataset", "heurigym/hal",
         "--schedule", str(tmp_path / "late.txt")],
        capture_output=True, text=True, timeout=60, env=os.environ.copy(),
    )  # fmt: skip
    assert done.returncode == 1 and "infeasible" in done.stdout
