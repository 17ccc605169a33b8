"""One run = one dataset x one solver x one seed, in its own process, with a hard time limit.

The parent owns the clock and the records (benchopt's lesson): the solver runs in a
separate process (:mod:`schedbench.harness.worker`) that streams every incumbent through
a pipe; the parent re-checks each
with the evaluator and appends it to ``incumbents.jsonl`` at once (flushed and synced),
so a crash, a kill or an out-of-memory loses nothing already found. At budget + grace the
process is terminated, then killed. The finished record is written atomically last; a run
whose record exists is skipped unless ``force``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import select
import sys
import time
from typing import Any

from schedbench.harness.records import (
    RunPaths,
    provenance,
    write_atomic,
    write_json_atomic,
    write_schedule,
)
from schedbench.harness.run_record import RunRecord
from schedbench.harness.spec import RunSpec
from schedbench.harness.workers import (
    Merged,
    Worker,
    out_of_memory,
    start_worker,
    stop_at_floor,
    stop_on_event,
    stop_process,
    stop_the_impatient,
    stop_the_others,
)
from schedbench.solvers.base import Status, decide_status

__all__ = ["RunSpec", "execute", "identity"]


def execute(spec: RunSpec) -> dict[str, Any]:
    """Run ``spec`` (or skip it when its finished record exists) and return the record.

    A single run has one worker. A portfolio starts every member's worker at once (each
    with its share of the threads, a ``nice`` member at low priority, a member with
    ``until_first_of`` stopped when that member reports its first schedule, one with
    ``patience`` stopped once it has trailed the run's leader that long); a relay runs
    its first member for ``share`` of the budget, then the second, warm-started with the
    best schedule so far, for the rest. Either way every report is checked here and the
    run has one merged best-so-far curve.
    """
    paths = spec.paths
    if paths.record.is_file() and not spec.force:
        record = json.loads(paths.record.read_text())
        if record.get("interval") != spec.interval:  # not part of the run: resample its curve
            record["interval"] = spec.interval
            write_json_atomic(paths.record, record)
        record["skipped"] = True
        return record
    paths.prepare()
    write_json_atomic(paths.running, {**identity(spec), "pid": os.getpid(), "started": time.time()})
    members = spec.team()
    started = time.perf_counter()
    run = Merged(spec, started)
    bar = _progress(spec)
    queue = list(enumerate(members))
    active: list[Worker] = []
    ended: list[Worker] = []
    try:
        with paths.incumbents.open("a") as stream:
            while queue or active:
                if queue and (spec.composition != "relay" or not active):
                    batch = queue if spec.composition == "portfolio" else queue[:1]
                    for index, member in batch:
                        active.append(start_worker(spec, paths, member, index, started, run))
                    queue = [item for item in queue if item not in batch]
                now = time.perf_counter()
                for worker in [w for w in active if now >= w.deadline]:
                    worker.killed = stop_process(worker.process)
                    worker.finish()
                ready = [w for w in active if not w.closed]
                if ready:
                    timeout = max(0.0, min(0.2, min(w.deadline for w in ready) - now))
                    readable, _, _ = select.select([w.pipe for w in ready], [], [], timeout)
                else:
                    readable = []
                if bar is not None:
                    bar.n = min(spec.budget, time.perf_counter() - started)
                    bar.set_postfix_str(f"best {run.best['cost']}", refresh=True)
                for worker in [w for w in ready if w.pipe in readable]:
                    for message in worker.read():
                        if message["type"] == "done":
                            worker.summary = message
                            if message["status"] == "optimal":
                                stop_the_others(worker, active, run)
                        elif message["type"] == "rejected":
                            run.reject(worker, message)
                        elif run.offer(worker, message, stream):
                            stop_on_event(worker, active, run)
                        if not run.met_floor and run.meets_floor():
                            stop_at_floor(active, run)
                stop_the_impatient(active, run)
                for worker in [w for w in active if w.closed]:
                    active.remove(worker)
                    ended.append(worker)
                    worker.wait()
    except BaseException:  # a full disk, Ctrl-C: never leave a worker running
        for worker in active:
            stop_process(worker.process)
        raise
    if bar is not None:
        bar.close()
    wall = time.perf_counter() - started
    ended.sort(key=lambda w: w.index)
    record = _record(spec, run, ended, wall)
    _write_outputs(spec, paths, run.best, ended)
    write_json_atomic(paths.record, record)
    paths.running.unlink(missing_ok=True)
    return record


def run_status(spec: RunSpec, workers: list[Worker], run: Merged) -> tuple[str, str]:
    """The run's status and message, from what each worker said, how it ended (finished,
    killed at its deadline, died, stopped by an event), the incumbents after the budget
    and any infeasible report; the rule itself is :func:`decide_status`.

    A portfolio is optimal when any member proved it; otherwise it has the status of a
    run that found a schedule (timeout when a member ran out of time) or, without one,
    its first member's.
    """
    outcomes = [_worker_status(spec, worker) for worker in workers]
    statuses = [status for status, _ in outcomes]
    if spec.composition == "single":
        status, message = outcomes[0]
    else:
        pairs = zip(workers, outcomes, strict=True)
        message = "; ".join(f"{w.member.label}: {said}" for w, (_, said) in pairs)
        if "optimal" in statuses:
            status = "optimal"
        elif run.best["cost"] is not None:
            status = "timeout" if "timeout" in statuses else "feasible"
        else:
            status = statuses[0]
    if run.met_floor and status in (Status.STOPPED, Status.TIMEOUT, Status.FEASIBLE):
        status = Status.OPTIMAL  # the best schedule meets a proved lower bound (and a
        # rejected report makes it an error below: a run with one is never optimal)
    # what only the parent sees: schedules after the budget, and reports it rejected (the
    # clock was read by each worker's own decision: elapsed 0 keeps it)
    known = {s.value for s in Status}
    status = decide_status(
        Status(status) if status in known else None,
        run.best["cost"] is not None,
        0.0,
        spec.budget,
        late=run.late,
        rejected=bool(run.rejected),
    ).value
    if run.late:
        message += f"; {run.late} incumbent(s) after the {spec.budget:g} s budget not counted"
    if run.rejected:
        message = f"{run.rejected}; {message}".strip("; ")
    return status, message


def _worker_status(spec: RunSpec, worker: Worker) -> tuple[str, str]:
    exitcode = worker.process.returncode
    if worker.summary is not None:
        status, message = worker.summary["status"], worker.summary.get("message", "")
    elif worker.stopped:
        return Status.STOPPED, worker.stopped
    elif worker.killed:
        status = Status.TIMEOUT
        limit = (worker.member.budget or spec.budget) + spec.grace
        message = f"killed after budget + grace ({limit:.0f} s)"
    else:
        status = Status.ERROR
        message = f"the solver process died (exit code {exitcode}"
        message += ": killed by a signal, e.g. out of memory)" if (exitcode or 0) < 0 else ")"
        message += "; see solver.log"
    if spec.memory_gb is not None and status == Status.ERROR and out_of_memory(message, exitcode):
        message = f"out of memory (budget.memory_gb={spec.memory_gb}): {message}"
    if worker.stopped:
        message = f"{message}; {worker.stopped}".strip("; ")
    return status, message


def _record(spec: RunSpec, run: Merged, workers: list[Worker], wall: float) -> dict[str, Any]:
    status, message = run_status(spec, workers, run)
    said = [w.summary or {} for w in workers]
    primary = said[0]
    bounds = [s["solver_bound"] for s in said if s.get("solver_bound") is not None]
    devices = [s.get("device", "cpu") for s in said if s]
    best = run.best
    members = None
    if spec.composition != "single":
        members = [
            {
                **w.member.fingerprint(),
                "budget": w.member.budget,
                "started_at": round(w.offset, 3),
                "status": _worker_status(spec, w)[0],
            }
            for w in workers
        ]
    record = RunRecord.from_json({**identity(spec), "status": Status(status)})
    terms = {k: v for k, v in best.items() if k not in ("t", "cost", "bound", "schedule", "member")}
    record = dataclasses.replace(
        record,
        terms=terms,
        best_cost=best["cost"],
        rejected=run.rejections,
        bound=max(bounds) if bounds else None,
        time_to_best=best.get("t"),
        wall_time=round(wall, 3),
        build_time=primary.get("build_time"),
        solve_time=primary.get("solve_time"),
        startup_time=primary.get("startup_time"),
        peak_memory_gb=max(
            (s["peak_memory_gb"] for s in said if "peak_memory_gb" in s), default=None
        ),
        version="; ".join(dict.fromkeys(s["version"] for s in said if s.get("version"))) or None,
        message=message,
        provenance=provenance(spec.threads, "cuda" if "cuda" in devices else "cpu"),
        config=spec.config,
        members=members,
    )
    return record.as_json()


def identity(spec: RunSpec) -> dict[str, Any]:
    """What a run is: enough to tabulate it even if it never finishes."""
    problem = spec.problem
    return {
        "dataset": spec.dataset,
        "solver": spec.solver_key,
        "backend": spec.solver,
        "formulation": spec.options.get("formulation"),
        "seed": spec.seed,
        "run_key": spec.key,
        "folder": str(spec.paths.folder.relative_to(spec.results_dir)),
        "problem_digest": problem.digest,
        "command": spec.command,
        "budget": spec.budget,
        "interval": spec.interval,
        "threads": spec.threads,
        "class": problem.CLASS,
        "n": problem.n,
        "m": problem.m,
        "facts": {k: v for k, v in problem.facts().items() if k not in ("n", "m")},
        "trivial_bound": float(problem.trivial_lower_bound),
        "asap_cost": float(problem.evaluate(problem.reference_schedule).cost[0]),
    }


def _write_outputs(
    spec: RunSpec, paths: RunPaths, best: dict[str, Any], workers: list[Worker]
) -> None:
    import pandas as pd

    if best.get("schedule") is not None:
        write_schedule(paths, spec.problem, best["schedule"])
    frames = [
        pd.DataFrame(w.summary["records"]).assign(
            **({"member": w.member.label} if spec.composition != "single" else {})
        )
        for w in workers
        if w.summary and w.summary.get("records")
    ]
    if frames:
        write_atomic(paths.epochs, pd.concat(frames, ignore_index=True).to_csv(index=False))


def _progress(spec: RunSpec) -> Any:
    """A tqdm bar over the budget, only on a terminal."""

    if not spec.progress or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(
        total=spec.budget,
        desc=f"{spec.label}{spec.dataset}/{spec.solver_key}/seed{spec.seed}",
        unit="s",
        bar_format="{desc}: {bar} {n:.0f}/{total:.0f}s {postfix}",
    )
