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

import contextlib
import hashlib
import json
import os
import pickle
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from schedbench.evaluate import evaluate
from schedbench.harness.compose import Member, split_threads
from schedbench.harness.records import (
    RunPaths,
    provenance,
    write_atomic,
    write_json_atomic,
    write_schedule,
)
from schedbench.harness.worker import unpack
from schedbench.problem import Problem
from schedbench.solvers.base import Status, decide_status

TERMINATE_WAIT_S = 5.0


@dataclass
class RunSpec:
    """Everything one run needs, independent of Hydra (tests build it directly)."""

    dataset: str
    solver_key: str  # the solver config's name (e.g. cpsat_compact): the record's "solver"
    solver: str  # the registered back-end name
    problem: Problem
    budget: float
    interval: float
    seed: int = 0
    threads: int = 1
    grace: float = 10.0
    memory_gb: float | None = None  # RLIMIT_AS of the worker: a run over it fails alone
    options: dict[str, Any] = field(default_factory=dict)
    module: str | None = None
    results_dir: Path = Path("results")
    force: bool = False
    progress: bool = False
    config: dict[str, Any] = field(default_factory=dict)
    label: str = ""  # e.g. "[run 3/18] " in a sweep, shown on the progress bar
    command: str | None = None  # the command line that reruns this run
    composition: str = "single"  # or "portfolio", "relay" (then ``members`` run, not solver)
    members: list[Member] = field(default_factory=list)
    share: float = 0.5  # relay: the first member's part of the budget
    warm_start: Any = None  # a feasible schedule the (first) solver starts from, or None

    def team(self) -> list[Member]:
        """The workers this run starts, each with its threads (the run's, split)."""
        if self.composition == "single":
            return [Member(self.solver, dict(self.options), self.threads, self.module)]
        if self.composition not in ("portfolio", "relay"):
            raise ValueError(f"unknown composition {self.composition!r}; use portfolio or relay")
        return split_threads(self.members, self.threads, self.composition)

    @property
    def key(self) -> str:
        """Fingerprint of everything but dataset name, solver name and seed that shapes a
        run's result: the instance itself, back-end (and its REVISION), options (the
        back-end's defaults included, so a changed default is a new run), budget,
        sampling, threads."""
        from schedbench.solvers.registry import resolved_options, revision

        code = revision(self.solver, self.module) if self.composition == "single" else None
        blob = json.dumps(
            {
                **({"revision": code} if code is not None else {}),
                "problem": self.problem.digest,
                "backend": self.solver,
                "module": self.module,
                "options": resolved_options(self.solver, dict(self.options), self.module)
                if self.composition == "single"
                else {
                    "composition": self.composition,
                    "share": self.share if self.composition == "relay" else None,
                    "members": [
                        m.fingerprint()
                        for m in split_threads(self.members, self.threads, self.composition)
                    ],
                },
                "budget": self.budget,
                "interval": self.interval,
                "threads": self.threads,
                "memory_gb": self.memory_gb,
                **({"warm_start": self._warm_digest()} if self.warm_start is not None else {}),
            },
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(blob.encode()).hexdigest()[:10]

    def _warm_digest(self) -> str:
        stages = np.ascontiguousarray(self.warm_start, np.int64)
        return hashlib.sha256(stages.tobytes()).hexdigest()[:16]

    @property
    def paths(self) -> RunPaths:
        return RunPaths.of(self.results_dir, self.dataset, self.solver_key, self.seed, self.key)


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
        record["skipped"] = True
        return record
    paths.prepare()
    write_json_atomic(paths.running, {**identity(spec), "pid": os.getpid(), "started": time.time()})
    members = spec.team()
    started = time.perf_counter()
    run = _Merged(spec, started)
    bar = _progress(spec)
    queue = list(enumerate(members))
    active: list[_Worker] = []
    ended: list[_Worker] = []
    try:
        with paths.incumbents.open("a") as stream:
            while queue or active:
                if queue and (spec.composition != "relay" or not active):
                    batch = queue if spec.composition == "portfolio" else queue[:1]
                    for index, member in batch:
                        active.append(_start(spec, paths, member, index, started, run))
                    queue = [item for item in queue if item not in batch]
                now = time.perf_counter()
                for worker in [w for w in active if now >= w.deadline]:
                    worker.killed = _stop(worker.process)
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
                                _stop_the_others(worker, active, run)
                        elif run.offer(worker, message, stream):
                            _stop_on_event(worker, active, run)
                _stop_the_impatient(active, run)
                for worker in [w for w in active if w.closed]:
                    active.remove(worker)
                    ended.append(worker)
                    worker.wait()
    except BaseException:  # a full disk, Ctrl-C: never leave a worker running
        for worker in active:
            _stop(worker.process)
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


@dataclass
class _Worker:
    """One member's solver process, its pipe and what it said."""

    member: Member
    index: int
    process: subprocess.Popen
    pipe: Any
    input_path: Path
    offset: float  # when it started, in seconds of the run's clock
    deadline: float  # perf_counter time at which it is stopped
    buffer: bytes = b""
    summary: dict[str, Any] | None = None
    killed: bool = False  # stopped at its deadline
    stopped: str = ""  # stopped by an event (why)
    reported: bool = False  # has reported a feasible schedule
    led_at: float | None = None  # when (run's clock) it last set the run's best
    closed: bool = False

    def read(self) -> list[dict[str, Any]]:
        chunk = self.pipe.read(1 << 20)
        if not chunk:  # the worker closed its end: finished or died
            self.finish()
            return []
        self.buffer += chunk
        *lines, self.buffer = self.buffer.split(b"\n")
        return [json.loads(line) for line in lines]

    def finish(self) -> None:
        if not self.closed:
            self.closed = True
            self.pipe.close()

    def wait(self) -> None:
        try:
            self.process.wait(TERMINATE_WAIT_S)
        except subprocess.TimeoutExpired:
            self.killed = _stop(self.process) or self.killed
        self.input_path.unlink(missing_ok=True)


class _Merged:
    """The run's one best-so-far curve over every member's reports."""

    def __init__(self, spec: RunSpec, started: float):
        self.spec, self.started = spec, started
        self.best: dict[str, Any] = {"cost": None}
        self.leader: _Worker | None = None  # the member whose schedule is the best
        self.rejected = ""
        self.late = 0  # incumbents found after the budget, in the grace period: not counted
        self.composed = spec.composition != "single"

    def offer(self, worker: _Worker, message: dict[str, Any], stream: Any) -> bool:
        """Check one report; True when it is the member's first feasible one."""
        t = worker.offset + message["t"]
        schedule = unpack(message["schedule"])
        row = _check(self.spec.problem, schedule, t, message["bound"])
        if row is None:
            self.rejected = self.rejected or f"an incumbent at {t:.2f} s is infeasible"
            return False
        first, worker.reported = not worker.reported, True
        if t > self.spec.budget:
            self.late += 1  # the grace period is for stopping, not for searching
        elif self.best["cost"] is None or row["cost"] < self.best["cost"]:
            if self.composed:
                row["member"] = worker.member.label
            self.best = {**row, "schedule": schedule}
            self.leader, worker.led_at = worker, t
            stream.write(json.dumps(row) + "\n")
            stream.flush()
            os.fsync(stream.fileno())
        return first


def _stop_on_event(reporter: _Worker, active: list[_Worker], run: _Merged) -> None:
    """Stop every member that runs until ``reporter``'s first schedule."""
    for worker in active:
        if worker.member.until_first_of == reporter.member.label and not worker.closed:
            when = time.perf_counter() - run.started
            _halt(worker, f"stopped at {reporter.member.label}'s first schedule ({when:.1f} s)")


def _stop_the_impatient(active: list[_Worker], run: _Merged) -> None:
    """Stop every member with ``patience`` that has trailed another member's schedule for
    that fraction of the budget (counted from its last lead, or its start)."""
    now = time.perf_counter() - run.started
    for worker in active:
        patience = worker.member.patience
        if patience is None or worker.closed or run.leader in (None, worker):
            continue
        since = worker.led_at if worker.led_at is not None else worker.offset
        if now - since >= patience * run.spec.budget:
            leader = run.leader.member.label
            _halt(worker, f"stopped: {now - since:.1f} s without the lead, {leader} ahead "
                          f"({now:.1f} s)")  # fmt: skip


def _stop_the_others(prover: _Worker, active: list[_Worker], run: _Merged) -> None:
    """A member proved optimality: nothing the others find can beat it."""
    for worker in active:
        if worker is not prover and not worker.closed:
            when = time.perf_counter() - run.started
            _halt(worker, f"stopped: {prover.member.label} proved optimality ({when:.1f} s)")


def _halt(worker: _Worker, why: str) -> None:
    """Stop one member's worker by an event of the run, saying why in its record."""
    _stop(worker.process)
    worker.stopped = why
    worker.finish()


def _start(
    spec: RunSpec, paths: RunPaths, member: Member, index: int, started: float, run: _Merged
) -> _Worker:
    """Spawn one member's worker with its share of the budget and threads."""
    offset = time.perf_counter() - started
    if spec.composition == "relay":
        budget = spec.budget * spec.share if index == 0 else spec.budget - offset
    else:
        budget = spec.budget
    member.budget = max(0.01, budget)
    if spec.composition == "relay" and index:
        warm = run.best.get("schedule")  # the relay's baton: the best schedule so far
    else:
        warm = None if index or spec.warm_start is None else np.asarray(spec.warm_start, np.int64)
    suffix = f"-{member.label}" if spec.composition != "single" else ""
    input_path = paths.folder / f".worker-input{suffix}.pkl"
    with input_path.open("wb") as handle:
        pickle.dump(
            {
                "problem": spec.problem,
                "solver": member.solver,
                "budget": member.budget,
                "threads": member.threads,
                "seed": spec.seed,
                "module": member.module,
                "options": dict(member.options),
                "warm_start": warm,
            },
            handle,
        )
    read_fd, write_fd = os.pipe()
    log_path = paths.log if not suffix else paths.folder / f"solver{suffix}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "schedbench.harness.worker",
                str(input_path),
                str(write_fd),
                str(member.nice),
            ],
            pass_fds=(write_fd,),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=_worker_env(),
            preexec_fn=_memory_limit(spec.memory_gb),
        )
    os.close(write_fd)
    return _Worker(
        member=member,
        index=index,
        process=process,
        pipe=os.fdopen(read_fd, "rb", buffering=0),
        input_path=input_path,
        offset=offset,
        deadline=started + offset + member.budget + spec.grace,
    )


def _memory_limit(gigabytes: float | None) -> Any:
    """A preexec function that caps the worker's address space (None: no cap)."""
    if gigabytes is None:
        return None
    limit = int(gigabytes * 2**30)

    def apply() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


def _worker_env() -> dict[str, str]:
    """The worker sees this process's import path (tests and user back-ends included)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [p for p in sys.path if p] + [env.get("PYTHONPATH", "")]
    ).strip(os.pathsep)
    return env


def _check(
    problem: Problem, schedule: np.ndarray, t: float, bound: float | None
) -> dict[str, Any] | None:
    """The evaluator's verdict on a streamed incumbent (None when infeasible)."""
    result = evaluate(problem, schedule)
    if not result.feasible[0]:
        return None
    finite = bound is not None and np.isfinite(bound)
    # the class's named cost terms (the paper's: peak and comm; RCS: latency)
    terms = getattr(result, "terms", None) or {"peak": result.peak, "comm": result.comm}
    return {
        "t": round(t, 6),
        "cost": result.cost[0].item(),
        **{name: int(values[0]) for name, values in terms.items()},
        "bound": float(bound) if finite else None,
    }


def _out_of_memory(message: str, exitcode: int | None) -> bool:
    """A Python MemoryError, or a native allocation failure that aborted or killed it."""
    return "MemoryError" in message or "bad_alloc" in message or (exitcode or 0) < 0


def _stop(process: subprocess.Popen) -> bool:
    """Terminate, then kill, the worker and anything it started (its process group)."""
    if process.poll() is not None:
        return False
    for sig, wait in ((signal.SIGTERM, TERMINATE_WAIT_S), (signal.SIGKILL, TERMINATE_WAIT_S)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(wait)
            break
        except subprocess.TimeoutExpired:
            continue
    return True


def run_status(spec: RunSpec, workers: list[_Worker], run: _Merged) -> tuple[str, str]:
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


def _worker_status(spec: RunSpec, worker: _Worker) -> tuple[str, str]:
    exitcode = worker.process.returncode
    if worker.summary is not None:
        status, message = worker.summary["status"], worker.summary.get("message", "")
    elif worker.stopped:
        return "stopped", worker.stopped
    elif worker.killed:
        status = "timeout"
        limit = (worker.member.budget or spec.budget) + spec.grace
        message = f"killed after budget + grace ({limit:.0f} s)"
    else:
        status = "error"
        message = f"the solver process died (exit code {exitcode}"
        message += ": killed by a signal, e.g. out of memory)" if (exitcode or 0) < 0 else ")"
        message += "; see solver.log"
    if spec.memory_gb is not None and status == "error" and _out_of_memory(message, exitcode):
        message = f"out of memory (budget.memory_gb={spec.memory_gb}): {message}"
    if worker.stopped:
        message = f"{message}; {worker.stopped}".strip("; ")
    return status, message


def _record(spec: RunSpec, run: _Merged, workers: list[_Worker], wall: float) -> dict[str, Any]:
    status, message = run_status(spec, workers, run)
    said = [w.summary or {} for w in workers]
    primary = said[0]
    bounds = [s["solver_bound"] for s in said if s.get("solver_bound") is not None]
    devices = [s.get("device", "cpu") for s in said if s]
    best = run.best
    record = {
        **identity(spec),
        "status": status,
        "best_cost": best["cost"],
        "peak": best.get("peak"),
        "comm": best.get("comm"),
        "bound": max(bounds) if bounds else None,
        "time_to_best": best.get("t"),
        "wall_time": round(wall, 3),
        "build_time": primary.get("build_time"),
        "solve_time": primary.get("solve_time"),
        "startup_time": primary.get("startup_time"),
        "peak_memory_gb": max(
            (s["peak_memory_gb"] for s in said if "peak_memory_gb" in s), default=None
        ),
        "version": "; ".join(dict.fromkeys(s["version"] for s in said if s.get("version"))) or None,
        "message": message,
        "provenance": provenance(spec.threads, "cuda" if "cuda" in devices else "cpu"),
        "config": spec.config,
    }
    if spec.composition != "single":
        record["members"] = [
            {
                **w.member.fingerprint(),
                "budget": w.member.budget,
                "started_at": round(w.offset, 3),
                "status": _worker_status(spec, w)[0],
            }
            for w in workers
        ]
    return record


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
        **(problem.facts() if hasattr(problem, "facts") else _icml24_facts(problem)),
    }


def _icml24_facts(problem: Any) -> dict[str, Any]:
    """The paper's class: size, L, R, total weight, trivial bound, the ASAP reference."""
    return {
        "n": problem.n,
        "m": problem.m,
        "depth": problem.depth,
        "stages": problem.stages,
        "ratio": problem.ratio,
        "total_weight": int(problem.w.sum()),
        "trivial_bound": float(problem.trivial_lower_bound),
        "asap_cost": evaluate(problem, problem.asap).cost[0].item(),
    }


def _write_outputs(
    spec: RunSpec, paths: RunPaths, best: dict[str, Any], workers: list[_Worker]
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
    import sys

    if not spec.progress or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(
        total=spec.budget,
        desc=f"{spec.label}{spec.dataset}/{spec.solver_key}/seed{spec.seed}",
        unit="s",
        bar_format="{desc}: {bar} {n:.0f}/{total:.0f}s {postfix}",
    )
