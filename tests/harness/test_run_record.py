"""The typed run record: one definition of a run's fields, old records still read."""

from __future__ import annotations

import json

from schedbench.harness.run_record import TABLE_FIELDS, RunRecord
from schedbench.solvers.base import Status


def test_a_record_round_trips_and_keeps_what_it_does_not_know():
    old = {"dataset": "rw4", "solver": "list", "backend": "list", "formulation": None,
           "seed": 0, "status": "timeout", "best_cost": 12.0, "lp_bound": 3.0}  # fmt: skip
    record = RunRecord.from_json(old)
    assert record.status is Status.TIMEOUT and record.startup_time is None
    assert record.extra == {"lp_bound": 3.0}
    again = json.loads(json.dumps(record.as_json()))
    assert again["lp_bound"] == 3.0 and again["status"] == "timeout" and "members" not in again
    assert RunRecord.from_json(again) == record


def test_the_runs_table_columns_come_from_the_record():
    assert TABLE_FIELDS[:6] == ("dataset", "solver", "backend", "formulation", "seed", "status")
    assert "config" not in TABLE_FIELDS and "provenance" not in TABLE_FIELDS
    assert TABLE_FIELDS[-3:] == ("folder", "run_key", "problem_digest")
