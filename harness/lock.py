"""One sweep per results folder: a lock file that a second sweep refuses in one line.

The lock (``<results>/.lock``, JSON: pid, host, token, start time) is taken when a run or
a sweep starts and dropped when it ends. The jobs of one sweep share its token (through
``SCHEDBENCH_LOCK_TOKEN``, which launchers copy into their workers), so parallel jobs of
the same sweep pass. A lock left by a process that no longer runs on this host (killed,
crashed) is stale and taken over.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import socket
import time
import uuid
from pathlib import Path

TOKEN_VARIABLE = "SCHEDBENCH_LOCK_TOKEN"
LOCK_NAME = ".lock"


class ResultsLocked(RuntimeError):
    """Another live sweep holds the results folder."""


def acquire(results_dir: Path, token: str | None = None) -> str:
    """Take the lock of ``results_dir`` (or join it, with the token that holds it); returns
    the token. Raises :class:`ResultsLocked` with a one-line message when a live process
    of another sweep holds it."""
    results_dir = Path(results_dir)
    path = results_dir / LOCK_NAME
    token = token or uuid.uuid4().hex
    mine = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "token": token,
        "started": time.time(),
    }
    for _ in range(3):
        try:
            results_dir.mkdir(parents=True, exist_ok=True)
            _create(path, json.dumps(mine))
            atexit.register(release, results_dir, token)
            return token
        except FileExistsError:
            holder = _read(path)
        except OSError:
            # a full or read-only disk: nothing can be recorded there anyway, and each run
            # reports that in its own line; a lock that cannot be written locks nothing
            return token
        if holder is None:  # torn or vanished meanwhile: try again
            with contextlib.suppress(FileNotFoundError):
                if _read(path) is None:
                    path.unlink()
            continue
        if holder.get("token") == token:
            return token  # a job of the sweep that holds it
        if _alive(holder):
            raise ResultsLocked(
                f"results folder {results_dir} is in use by another sweep (pid "
                f"{holder.get('pid')} on {holder.get('host')}, started "
                f"{time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(holder.get('started', 0)))}"
                f"); wait for it to end or set results.dir to another folder"
            )
        with contextlib.suppress(FileNotFoundError):  # stale: its process is gone
            path.unlink()
    raise ResultsLocked(f"could not take the lock {path}; remove it if no sweep is running")


def release(results_dir: Path, token: str) -> None:
    """Drop the lock if ``token`` still holds it (never someone else's)."""
    path = Path(results_dir) / LOCK_NAME
    holder = _read(path)
    if holder is not None and holder.get("token") == token:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _create(path: Path, text: str) -> None:
    """Create ``path`` with ``text``, failing if it exists; no torn file is left behind."""
    descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(text)
    except OSError:
        path.unlink(missing_ok=True)
        raise


def _read(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
        return None


def _alive(holder: dict) -> bool:
    """Whether the holder may still run: on another host we cannot tell, so yes."""
    if holder.get("host") != socket.gethostname():
        return True
    pid = int(holder.get("pid") or 0)
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
