"""The worker processes of a run: starting them with their limits, reading what they
report, checking each incumbent with the class's evaluator, merging the members of a
portfolio or relay into one best-so-far curve, and stopping them (at the deadline, on a
member's event, for lack of patience, or when one proves optimality)."""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from schedbench.classes import Instance
from schedbench.harness.compose import Member
from schedbench.harness.records import RunPaths
from schedbench.harness.spec import RunSpec
from schedbench.harness.worker import unpack

TERMINATE_WAIT_S = 5.0
WIND_DOWN_S = 3.0  # a worker asked to end its search gets this long to send its summary


@dataclass
class Worker:
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
        if self.closed:  # stopped by another worker's message in the same select pass
            return []
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
            self.killed = stop_process(self.process) or self.killed
        self.input_path.unlink(missing_ok=True)


class Merged:
    """The run's one best-so-far curve over every member's reports."""

    def __init__(self, spec: RunSpec, started: float):
        self.spec, self.started = spec, started
        self.best: dict[str, Any] = {"cost": None}
        self.leader: Worker | None = None  # the member whose schedule is the best
        self.rejected = ""  # the first rejected report's reason
        self.rejections = 0  # reports the evaluator rejected (worker- and parent-side)
        self.late = 0  # incumbents found after the budget, in the grace period: not counted
        self.composed = spec.composition != "single"
        self.floor = proved_floor(spec.problem)
        self.met_floor = False  # the best schedule meets a proved lower bound: optimal

    def meets_floor(self) -> bool:
        """Whether the best schedule's cost is at a proved lower bound (nothing can beat it)."""
        cost = self.best["cost"]
        if cost is None or self.floor is None:
            return False
        return float(cost) <= self.floor + 1e-9 * max(1.0, abs(self.floor))

    def offer(self, worker: Worker, message: dict[str, Any], stream: Any) -> bool:
        """Check one report; True when it is the member's first feasible one."""
        t = worker.offset + message["t"]
        schedule = unpack(message["schedule"])
        row = _check(self.spec.problem, schedule, t, message["bound"])
        if row is None:
            self.reject(worker, {"t": message["t"], "reason": "its incumbent is infeasible"})
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

    def reject(self, worker: Worker, message: dict[str, Any]) -> None:
        """A schedule the evaluator rejected (in the worker or here): the run is an error,
        whatever else it finds, and its record says so."""
        self.rejections += 1
        if not self.rejected:
            t = worker.offset + message["t"]
            who = f"{worker.member.label}: " if self.composed else ""
            self.rejected = (
                f"{who}a reported schedule was rejected at {t:.2f} s ({message['reason']})"
            )


def proved_floor(problem: Any) -> float | None:
    """The best lower bound proved for ``problem``: its class's own bound, or the
    best-known registry's when higher (a bound some exact run proved on this instance)."""
    from schedbench.datasets import best_known

    bounds = []
    bounds.append(float(problem.trivial_lower_bound))
    try:
        entry = best_known.lookup(problem)
    except (OSError, ValueError):  # an unreadable registry only loses the shortcut
        entry = None
    if entry is not None and entry.best_bound is not None:
        bounds.append(float(entry.best_bound))
    return max(bounds) if bounds else None


def stop_at_floor(active: list[Worker], run: Merged) -> None:
    """The best schedule meets a proved lower bound: no member can beat it, stop them all
    (its cost at the budget is the same; only the time the run takes is saved)."""
    run.met_floor = True
    now = time.perf_counter()
    for worker in active:
        if not worker.closed:
            # asked, not killed: the worker ends its search and still sends its summary
            # (version, times, memory, bound); killed at the deadline if it cannot
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker.process.pid, signal.SIGUSR1)
            worker.stopped = (
                f"stopped: the schedule meets the proved lower bound {_number(run.floor)} "
                f"({now - run.started:.1f} s)"
            )
            worker.deadline = min(worker.deadline, now + WIND_DOWN_S)


def stop_on_event(reporter: Worker, active: list[Worker], run: Merged) -> None:
    """Stop every member that runs until ``reporter``'s first schedule."""
    for worker in active:
        if worker.member.until_first_of == reporter.member.label and not worker.closed:
            when = time.perf_counter() - run.started
            _halt(worker, f"stopped at {reporter.member.label}'s first schedule ({when:.1f} s)")


def stop_the_impatient(active: list[Worker], run: Merged) -> None:
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


def stop_the_others(prover: Worker, active: list[Worker], run: Merged) -> None:
    """A member proved optimality: nothing the others find can beat it."""
    for worker in active:
        if worker is not prover and not worker.closed:
            when = time.perf_counter() - run.started
            _halt(worker, f"stopped: {prover.member.label} proved optimality ({when:.1f} s)")


def _halt(worker: Worker, why: str) -> None:
    """Stop one member's worker by an event of the run, saying why in its record."""
    stop_process(worker.process)
    worker.stopped = why
    worker.finish()


def start_worker(
    spec: RunSpec, paths: RunPaths, member: Member, index: int, started: float, run: Merged
) -> Worker:
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
    return Worker(
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
    problem: Instance, schedule: np.ndarray, t: float, bound: float | None
) -> dict[str, Any] | None:
    """The evaluator's verdict on a streamed incumbent (None when infeasible)."""
    result = problem.evaluate(schedule)
    if not result.feasible[0]:
        return None
    finite = bound is not None and np.isfinite(bound)
    terms = result.terms  # the class's named cost terms (the paper's: peak and comm)
    return {
        "t": round(t, 6),
        "cost": result.cost[0].item(),
        **{name: int(values[0]) for name, values in terms.items()},
        "bound": float(bound) if finite else None,
    }


def out_of_memory(message: str, exitcode: int | None) -> bool:
    """A Python MemoryError, or a native allocation failure that aborted or killed it."""
    return "MemoryError" in message or "bad_alloc" in message or (exitcode or 0) < 0


def stop_process(process: subprocess.Popen) -> bool:
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


def _number(value: float) -> str:
    """A cost as written elsewhere: whole numbers in full (5,000,001, not 5e+06)."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,g}"
