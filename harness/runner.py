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
from schedbench.harness.records import RunPaths, provenance, write_atomic, write_json_atomic
from schedbench.problem import Problem

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

    @property
    def key(self) -> str:
        """Fingerprint of everything but dataset name, solver name and seed that shapes a
        run's result: the instance itself, back-end, options (the back-end's defaults
        included, so a changed default is a new run), budget, sampling, threads."""
        from schedbench.solvers.registry import resolved_options

        blob = json.dumps(
            {
                "problem": self.problem.digest,
                "backend": self.solver,
                "module": self.module,
                "options": resolved_options(self.solver, dict(self.options), self.module),
                "budget": self.budget,
                "interval": self.interval,
                "threads": self.threads,
                "memory_gb": self.memory_gb,
            },
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(blob.encode()).hexdigest()[:10]

    @property
    def paths(self) -> RunPaths:
        return RunPaths.of(self.results_dir, self.dataset, self.solver_key, self.seed, self.key)


def execute(spec: RunSpec) -> dict[str, Any]:
    """Run ``spec`` (or skip it when its finished record exists) and return the record."""
    paths = spec.paths
    if paths.record.is_file() and not spec.force:
        record = json.loads(paths.record.read_text())
        record["skipped"] = True
        return record
    paths.prepare()
    write_json_atomic(paths.running, {**identity(spec), "pid": os.getpid(), "started": time.time()})
    worker_input = paths.folder / ".worker-input.pkl"
    with worker_input.open("wb") as handle:
        pickle.dump(
            {
                "problem": spec.problem,
                "solver": spec.solver,
                "budget": spec.budget,
                "threads": spec.threads,
                "seed": spec.seed,
                "module": spec.module,
                "options": dict(spec.options),
            },
            handle,
        )
    best: dict[str, Any] = {"cost": None}
    rejected = ""
    late = 0  # incumbents found after the budget, in the grace period: not counted
    summary: dict[str, Any] | None = None
    read_fd, write_fd = os.pipe()
    started = time.perf_counter()
    with paths.log.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "schedbench.harness.worker", str(worker_input), str(write_fd)],
            pass_fds=(write_fd,),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=_worker_env(),
            preexec_fn=_memory_limit(spec.memory_gb),
        )
    os.close(write_fd)
    deadline = started + spec.budget + spec.grace
    bar = _progress(spec)
    buffer = b""
    killed = False
    try:
        with paths.incumbents.open("a") as stream, os.fdopen(read_fd, "rb", buffering=0) as pipe:
            while summary is None:
                remaining = deadline - time.perf_counter()
                if remaining <= 0:
                    killed = _stop(process)
                    break
                ready, _, _ = select.select([pipe], [], [], min(0.2, remaining))
                if bar is not None:
                    bar.n = min(spec.budget, time.perf_counter() - started)
                    bar.set_postfix_str(f"best {best['cost']}", refresh=True)
                if not ready:
                    continue
                chunk = pipe.read(1 << 20)
                if not chunk:
                    break  # the worker closed its end: finished or died
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    message = json.loads(line)
                    if message["type"] == "done":
                        summary = message
                        continue
                    row = _check(
                        spec.problem,
                        message["schedule"],
                        message["t"],
                        message["solver_time"],
                        message["bound"],
                    )
                    if row is None:
                        rejected = rejected or f"an incumbent at {message['t']:.2f} s is infeasible"
                    elif message["t"] > spec.budget:
                        late += 1  # the grace period is for stopping, not for searching
                    elif best["cost"] is None or row["cost"] < best["cost"]:
                        best = {**row, "schedule": message["schedule"]}
                        stream.write(json.dumps(row) + "\n")
                        stream.flush()
                        os.fsync(stream.fileno())
    except BaseException:  # a full disk, Ctrl-C: never leave the worker running
        _stop(process)
        raise
    if bar is not None:
        bar.close()
    try:
        process.wait(TERMINATE_WAIT_S)
    except subprocess.TimeoutExpired:
        killed = _stop(process) or killed
    worker_input.unlink(missing_ok=True)
    wall = time.perf_counter() - started
    record = _record(spec, best, summary, killed, process.returncode, rejected, wall, late)
    _write_outputs(spec, paths, best, summary)
    write_json_atomic(paths.record, record)
    paths.running.unlink(missing_ok=True)
    return record


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
    problem: Problem, schedule: list[int], t: float, solver_time: float | None, bound: float | None
) -> dict[str, Any] | None:
    """The evaluator's verdict on a streamed incumbent (None when infeasible)."""
    result = evaluate(problem, np.asarray(schedule, np.int64))
    if not result.feasible[0]:
        return None
    finite = bound is not None and np.isfinite(bound)
    return {
        "t": round(t, 6),
        "solver_time": solver_time,
        "cost": result.cost[0].item(),
        "peak": int(result.peak[0]),
        "comm": int(result.comm[0]),
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


def _record(
    spec: RunSpec,
    best: dict[str, Any],
    summary: dict[str, Any] | None,
    killed: bool,
    exitcode: int | None,
    rejected: str,
    wall: float,
    late: int = 0,
) -> dict[str, Any]:
    if summary is not None:
        status, message = summary["status"], summary.get("message", "")
    elif killed:
        status = "timeout"
        message = f"killed after budget + grace ({spec.budget + spec.grace:.0f} s)"
    else:
        status = "error"
        message = f"the solver process died (exit code {exitcode}"
        message += ": killed by a signal, e.g. out of memory)" if (exitcode or 0) < 0 else ")"
        message += "; see solver.log"
    if spec.memory_gb is not None and status == "error" and _out_of_memory(message, exitcode):
        message = f"out of memory (budget.memory_gb={spec.memory_gb}): {message}"
    if late:
        # a proof or a schedule that came after the budget belongs to a longer run
        status = "timeout" if status in ("optimal", "feasible") else status
        message += f"; {late} incumbent(s) after the {spec.budget:g} s budget not counted"
    if rejected:
        status, message = "error", f"{rejected}; {message}".strip("; ")
    summary = summary or {}
    return {
        **identity(spec),
        "status": status,
        "best_cost": best["cost"],
        "peak": best.get("peak"),
        "comm": best.get("comm"),
        "bound": summary.get("solver_bound"),
        "time_to_best": best.get("t"),
        "wall_time": round(wall, 3),
        "build_time": summary.get("build_time"),
        "solve_time": summary.get("solve_time"),
        "version": summary.get("version"),
        "message": message,
        "provenance": provenance(spec.threads, summary.get("device", "cpu")),
        "config": spec.config,
    }


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
    spec: RunSpec, paths: RunPaths, best: dict[str, Any], summary: dict[str, Any] | None
) -> None:
    import pandas as pd

    if best.get("schedule") is not None:
        frame = pd.DataFrame({"node": list(spec.problem.labels), "stage": best["schedule"]})
        write_atomic(paths.schedule, frame.to_csv(index=False))
    if summary and summary.get("records"):
        write_atomic(paths.epochs, pd.DataFrame(summary["records"]).to_csv(index=False))


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
