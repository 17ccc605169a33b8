"""The solver process: ``python -m schedbench.harness.worker <input.pkl> <fd> [nice]``.

It unpickles the problem and settings, runs the solver through the registry, and writes
one JSON line per incumbent (and a final summary) to file descriptor ``fd``, a pipe the
parent reads. The solver library's own output goes to stdout/stderr (the run's
``solver.log``), so whatever it prints cannot corrupt the records. A watchdog ends the
process when the parent disappears, so a killed sweep leaves no orphan solver behind.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import sys
import threading
import time
from typing import Any

PARENT_CHECK_S = 0.5


def pack(stages: Any) -> str:
    """A schedule as base64 of its smallest integer type ("<dtype>:<data>"): a 10^7-node
    schedule crosses the pipe in milliseconds, where a JSON list takes seconds."""
    import base64

    import numpy as np

    stages = np.asarray(stages, np.int64)
    top = int(stages.max(initial=0))
    kind = np.int8 if top < 2**7 else np.int16 if top < 2**15 else np.int32
    data = base64.b64encode(np.ascontiguousarray(stages, kind).tobytes()).decode("ascii")
    return f"{np.dtype(kind).str}:{data}"


def unpack(text: str) -> Any:
    """The int64 stages that :func:`pack` wrote."""
    import base64

    import numpy as np

    kind, data = text.split(":", 1)
    return np.frombuffer(base64.b64decode(data), np.dtype(kind)).astype(np.int64)


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(PARENT_CHECK_S)
        if os.getppid() != parent:
            os._exit(3)


def _warm_start(spec: dict[str, Any]) -> Any:
    """A relay's schedule for the next member (None for the first or a single run)."""
    import numpy as np

    schedule = spec.get("warm_start")
    return None if schedule is None else np.asarray(schedule, np.int64)


def _peak_memory_gb() -> float:
    """This process's peak resident memory (Linux reports ru_maxrss in KiB)."""
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 3)


def _listen_for_stop() -> None:
    """SIGUSR1 is the harness's "end your search" (a schedule met a proved bound): the
    back-end returns what it has and this process still sends its summary. The signal is
    read on a thread of its own (through the wakeup fd, which the interpreter writes at
    once), so it is heard while the main thread runs a library's native solve."""
    from schedbench.solvers.base import request_stop

    read, write = os.pipe()
    os.set_blocking(write, False)
    signal.signal(signal.SIGUSR1, lambda *_: None)
    signal.set_wakeup_fd(write)

    def listen() -> None:
        while True:
            if signal.SIGUSR1 in os.read(read, 64):
                request_stop()

    threading.Thread(target=listen, daemon=True).start()


def main(argv: list[str]) -> None:
    started = time.perf_counter()  # the budget clock: model building and imports count
    input_path, fd = argv[0], int(argv[1])
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    if len(argv) > 2 and int(argv[2]):
        # a low-priority member: before unpickling imports numpy, so that every thread a
        # library starts inherits it (nice is per thread on Linux)
        os.nice(int(argv[2]))
    _listen_for_stop()
    with open(input_path, "rb") as handle:
        spec: dict[str, Any] = pickle.load(handle)
    channel = os.fdopen(fd, "w", buffering=1)

    def send(message: dict[str, Any]) -> None:
        channel.write(json.dumps(message) + "\n")
        channel.flush()

    try:
        from schedbench.solvers.registry import solve

        def on_incumbent(schedule: Any, t: float, bound: float | None) -> None:
            send(
                {
                    "type": "incumbent",
                    "t": time.perf_counter() - started,
                    "bound": bound,
                    "schedule": pack(schedule),
                }
            )

        def on_rejected(reason: str) -> None:
            send({"type": "rejected", "t": time.perf_counter() - started, "reason": reason})

        result = solve(
            spec["problem"],
            spec["solver"],
            time_limit=spec["budget"],
            started=started,  # one clock: imports and unpickling count
            threads=spec["threads"],
            seed=spec["seed"],
            on_incumbent=on_incumbent,
            on_rejected=on_rejected,
            warm_start=_warm_start(spec),
            module=spec["module"],
            **spec["options"],
        )
        send(
            {
                "type": "done",
                "status": str(result.status),
                "solver_bound": result.bound,
                "build_time": result.build_time,
                "solve_time": result.solve_time,
                "startup_time": result.startup_time,
                "version": result.version,
                "formulation": result.formulation,
                "message": result.message,
                "records": result.records,
                "device": result.device,
                "peak_memory_gb": _peak_memory_gb(),
            }
        )
    except Exception as err:  # anything the registry did not already turn into a status
        send({"type": "done", "status": "error", "message": f"{type(err).__name__}: {err}"})
    finally:
        channel.close()


if __name__ == "__main__":
    main(sys.argv[1:])
