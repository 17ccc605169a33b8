"""Merge a results folder's best costs and bounds into the best-known registry.

    python -m schedbench.harness.registry_update --results results/verdict [--registry DIR]

The harness owns the run folders, so it reads them here; the registry's format, reading
and verification stay in :mod:`schedbench.datasets.best_known`. A schedule enters only if
the class's evaluator confirms its recorded cost.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

from schedbench import classes
from schedbench.datasets.best_known import (
    Entry,
    read_registry,
    read_schedule,
    registry_folder,
    schedule_name,
    write_registry,
    write_schedule_file,
)
from schedbench.evaluate import check
from schedbench.harness.tables import bound_candidates, load_runs, read_lp_bounds
from schedbench.problems.icml24 import Problem, ProblemError
from schedbench.solvers.base import Status


def _candidates(runs: list[dict[str, Any]], lp_bounds: dict[str, float]) -> dict[str, dict]:
    """Per digest: the best cost (with its run) and the best bound (with its source)."""
    best: dict[str, dict] = {}
    for run in runs:
        digest = run.get("problem_digest")
        if not digest:
            continue
        slot = best.setdefault(
            digest,
            {"run": run, "cost": math.inf, "cost_run": None, "bound": -math.inf, "src": None},
        )
        cost = run.get("best_cost")
        if cost is not None and cost < slot["cost"] and run.get("folder"):
            slot.update(cost=cost, cost_run=run)
        for value, source in bound_candidates(run, lp_bounds):
            if value > slot["bound"]:
                from_run = source not in ("trivial", "lp_relaxation")
                slot.update(bound=value, src=(source, run.get("run_key", "") if from_run else ""))
    return best


def _schedule_path(results_dir: Path, run: dict) -> Path:
    """The run's schedule file: schedule.csv, or schedule.csv.gz for a large graph."""
    plain = results_dir / run["folder"] / "schedule.csv"
    return plain if plain.is_file() else plain.with_name("schedule.csv.gz")


def update(results_dir: Path, folder: Path | None = None) -> list[str]:
    """Merge a results folder's best costs and bounds into the registry; returns one line
    per change. A schedule enters only if the evaluator confirms its cost."""
    from schedbench.datasets import registry as datasets

    results_dir, folder = Path(results_dir), registry_folder(folder)
    entries = read_registry(folder)
    runs = [r for r in load_runs(results_dir) if r.get("status") != Status.INTERRUPTED]
    changes = []
    for digest, found in _candidates(runs, read_lp_bounds(results_dir)).items():
        old = entries.get(digest)
        found_cost = found["cost_run"] is not None
        cost_better = found_cost and (old is None or found["cost"] < old.best_cost)
        bound_better = old is None or found["bound"] > old.best_bound
        if cost_better and not _schedule_path(results_dir, found["cost_run"]).is_file():
            cost_better = False  # a run restored from an archive keeps no schedule
            changes.append(
                f"skipped {found['cost_run']['dataset']}'s cost {found['cost']:,.0f}: its run "
                "has no schedule here (restored by harness.archive); update where it ran"
            )
        if old is None and not cost_better:
            continue  # an entry starts with a schedule
        if not (cost_better or bound_better):
            continue
        run = found["run"]
        problem = _problem_of(run, datasets)
        if problem.digest != digest:
            changes.append(f"skipped {run['dataset']}: rebuilt instance differs from the run's")
            continue
        fields = old.__dict__.copy() if old else {}
        if cost_better:
            winner = found["cost_run"]
            schedule = read_schedule(_schedule_path(results_dir, winner), problem)
            report = check(problem, schedule)
            if not report.feasible or abs(report.cost - found["cost"]) > 1e-9 * found["cost"]:
                raise ProblemError(
                    f"the schedule of {winner['folder']} does not give its recorded cost "
                    f"({report.reason() or report.cost}); the record is corrupt"
                )
            name = schedule_name(run["dataset"], problem, digest)
            write_schedule_file(folder / "schedules" / name, problem, schedule)
            fields.update(
                best_cost=float(report.cost),
                peak=report.peak,
                comm=report.comm,
                cost_solver=winner["solver"],
                cost_run=winner.get("run_key", ""),
                schedule=name,
            )
            changes.append(f"{run['dataset']}: best cost {report.cost:,.0f} ({winner['solver']})")
        if bound_better:
            source, key = found["src"]
            fields.update(best_bound=float(found["bound"]), bound_source=source, bound_run=key)
            changes.append(f"{run['dataset']}: best bound {found['bound']:,.0f} ({source})")
        settings = classes.of(problem).settings  # the registry keys L and R where they exist
        fields.update(
            dataset=run["dataset"],
            stages=problem.stages if "stages" in settings else None,
            ratio=problem.ratio if "ratio" in settings else None,
            digest=digest,
            n=problem.n,
        )
        entry = Entry(**fields)
        if entry.best_bound > entry.best_cost + 1e-9 * entry.best_cost:
            raise ProblemError(
                f"{entry.dataset}: bound {entry.best_bound} exceeds cost {entry.best_cost}; "
                f"the bound from {entry.bound_source} is wrong"
            )
        entries[digest] = entry
    write_registry(entries, folder)
    return changes


def _problem_of(run: dict[str, Any], datasets: Any) -> Problem:
    dataset = (run.get("config") or {}).get("dataset", {})
    name, params = dataset.get("name") or run["dataset"], dataset.get("params") or {}
    return datasets.load(name, stages=run.get("stages"), ratio=run.get("ratio"), **params)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, required=True)
    parser.add_argument("--registry", type=Path, default=None, help="default: the package's")
    args = parser.parse_args(argv)
    for line in update(args.results, args.registry) or ["(no change)"]:
        print(line)


if __name__ == "__main__":
    main()
