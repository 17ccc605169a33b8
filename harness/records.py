"""Where a run's records live, how they are written (atomically), and the tidy tables.

Layout under ``results.dir``::

    runs/<dataset>/<solver>/seed<k>/
        incumbents.jsonl   one line per improving, evaluator-checked incumbent (streamed)
        record.json        the finished run (written last: its presence means "done")
        schedule.csv       node and stage (start, ...: the class's column) of the best
                           schedule (original node labels;
                           schedule.csv.gz from COMPRESS_FROM nodes)
        epochs.csv         GS-family runs: per-epoch loss terms, best and mean cost
        solver.log         what the solver library printed
        running.json       present only while the run is in progress
    runs.csv / runs.parquet       one row per run, with provenance
    points.csv / points.parquet   one row per run and sampling point
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import tempfile
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class RunPaths:
    folder: Path

    @classmethod
    def of(cls, results_dir: Path, dataset: str, solver: str, seed: int, key: str) -> RunPaths:
        """runs/<dataset>/<solver>/seed<k>-<key>: ``key`` fingerprints the rest of the
        configuration, so changing L, R, the budget or an option never reuses a record.
        A collection's name (``heurigym/arf``) is one folder (``heurigym--arf``)."""
        folder = dataset.replace("/", "--")
        return cls(Path(results_dir) / "runs" / folder / solver / f"seed{seed}-{key}")

    @property
    def incumbents(self) -> Path:
        return self.folder / "incumbents.jsonl"

    @property
    def record(self) -> Path:
        return self.folder / "record.json"

    @property
    def schedule(self) -> Path:
        return self.folder / "schedule.csv"

    @property
    def schedule_file(self) -> Path:
        """The schedule as written: schedule.csv, or schedule.csv.gz for a large graph."""
        packed = self.schedule.with_name("schedule.csv.gz")
        return packed if packed.is_file() and not self.schedule.is_file() else self.schedule

    @property
    def epochs(self) -> Path:
        return self.folder / "epochs.csv"

    @property
    def log(self) -> Path:
        return self.folder / "solver.log"

    @property
    def running(self) -> Path:
        return self.folder / "running.json"

    def prepare(self) -> None:
        """Create the folder; keep an interrupted attempt's incumbents under another name."""
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        packed = self.schedule.with_name("schedule.csv.gz")
        for path in (self.incumbents, self.schedule, packed, self.epochs, self.record):
            if path.exists():
                path.rename(path.with_name(f"{path.stem}.previous-{stamp}{path.suffix}"))


def _umask() -> int:
    """The process's umask (reading it means setting it; set straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# what open() gives a new file (mkstemp's 0600 made records unreadable to others)
FILE_MODE = 0o666 & ~_umask()


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write to a temporary file in the same folder, then rename over ``path``: a full
    disk or a kill leaves the previous file whole and no temporary file behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}", suffix=".tmp")
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode() if isinstance(text, str) else text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


COMPRESS_FROM = 100_000  # nodes: a run this large writes its schedule gzip-compressed


def write_schedule(paths: RunPaths, problem: Any, schedule: Any) -> Path:
    """node and the class's schedule column of ``schedule`` (original labels) as CSV,
    gzip-compressed from COMPRESS_FROM nodes; written by Arrow's CSV writer (a 10^7-row
    file in seconds) to a temporary file, then renamed."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from schedbench import classes
    from schedbench.problems.icml24 import NodeNumbers

    labels = problem.labels
    nodes = np.arange(problem.n) if isinstance(labels, NodeNumbers) else list(labels)
    column = classes.of(problem).schedule  # stage (the paper's), start (rcs, tcs), ...
    table = pa.table({"node": nodes, column: np.asarray(schedule, np.int64)})
    big = problem.n >= COMPRESS_FROM
    path = paths.schedule.with_name("schedule.csv.gz") if big else paths.schedule
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}", suffix=".tmp")
    os.fchmod(fd, FILE_MODE)
    os.close(fd)
    try:
        codec = "gzip" if path.suffix == ".gz" else None
        with pa.CompressedOutputStream(tmp, "gzip") if codec else pa.OSFile(tmp, "wb") as sink:
            options = pacsv.WriteOptions(quoting_style="needed")
            pacsv.write_csv(table, sink, write_options=options)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    write_atomic(path, json.dumps(data, indent=1, default=str) + "\n")


def read_incumbents(path: Path) -> list[dict[str, Any]]:
    """The streamed incumbents; a torn last line (the process was killed mid-write) is dropped."""
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text().splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return rows


@lru_cache(maxsize=1)
def _static_provenance() -> dict[str, Any]:
    from importlib import metadata

    versions = {}
    for package in (
        "schedbench",
        "numpy",
        "torch",
        "ortools",
        "highspy",
        "pulp",
        "networkx",
        "pandas",
        "hydra-core",
        "aigverse",
        "gurobipy",
        "cplex",
    ):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return {
        "git_commit": _git_commit(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "hostname": platform.node(),
        "versions": versions,
    }


def provenance(threads: int, device: str) -> dict[str, Any]:
    """Enough to rerun and to judge a row: code version, libraries, machine, and the
    device the solver says it ran on."""
    return {**_static_provenance(), "threads": threads, "device": device}


def _git_commit() -> str | None:
    root = Path(__file__).resolve().parents[1]
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return commit + ("-dirty" if dirty else "")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"
