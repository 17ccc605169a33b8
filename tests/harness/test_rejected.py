"""A rejected report is always in the record and a run with one is never optimal; a run
the harness stops at a proved bound still records its solver's summary."""

from __future__ import annotations

import pytest
from builders import run_spec

from schedbench.datasets import load
from schedbench.harness.runner import execute

MODULE = "fake_solvers.reject_then_best"


@pytest.mark.parametrize("dataset", ["heurigym/hal", "heurigym/invert"])
def test_a_rejected_report_is_recorded_and_never_optimal(dataset, tmp_path):
    problem = load(dataset)
    record = execute(run_spec(problem, tmp_path, "reject", module=MODULE, dataset=dataset))
    assert record["status"] == "error", record["message"]
    assert record["rejected"] == 1 and record["class"] == "rcs"
    assert record["message"].startswith("a reported schedule was rejected at "), record
    assert "starts at 0 before" in record["message"]  # the class's own first reason
    assert record["best_cost"] == problem.evaluate(problem.reference_schedule).cost[0]


def test_a_run_stopped_at_the_bound_keeps_every_field(tmp_path):
    problem = load("heurigym/hal")  # its reference schedule meets the latency bound (7)
    spec = run_spec(problem, tmp_path, "reject", module=MODULE, options={"reject": False},
                    budget=30.0)  # fmt: skip
    record = execute(spec)
    assert record["status"] == "optimal" and record["best_cost"] == problem.lower_bound
    assert "stopped: the schedule meets the proved lower bound 7" in record["message"]
    assert record["wall_time"] < 10  # asked to end, not run to its 30 s budget
    for field in ("version", "startup_time", "solve_time", "peak_memory_gb", "build_time"):
        assert record[field] is not None, field
    assert record["rejected"] == 0


def test_a_native_solve_is_interrupted_at_the_bound_and_still_reports(tmp_path):
    """A back-end blocked in a library call hears the stop through ``interruptible``."""
    problem = load("heurigym/hal")
    spec = run_spec(problem, tmp_path, "native", module="fake_solvers.native_wait",
                    budget=60.0)  # fmt: skip
    record = execute(spec)
    assert record["status"] == "optimal" and record["wall_time"] < 15, record
    assert record["message"].startswith("interrupted"), record["message"]
    assert record["version"] == "native-wait 1" and record["peak_memory_gb"] is not None
