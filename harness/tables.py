"""Tidy tables from the stored run folders: one row per run, one row per run and time point.

Everything here is a pure function of what is on disk, so tables (and figures) can be
rebuilt at any time, including from runs that were interrupted (status ``interrupted``).
Instances are (dataset, L, R): bounds and normalizations never mix different settings.

The one *best known bound* of an instance is the largest of every bound any run proved
(its final bound and the bounds streamed with its incumbents), the trivial bound, the cost
of a run that proved optimality, and an LP-relaxation bound when ``lp_bounds.json`` in
the results folder holds one for the instance's digest (bench scripts fill it; an LP of
a large design takes minutes), and the best-known registry's bound
(:mod:`schedbench.datasets.best_known`). Column ``bound`` is always the solver's own
bound, ``best_known_bound`` this one; gaps are to the latter.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from schedbench.datasets import best_known
from schedbench.evaluate import relative_gap
from schedbench.harness import metrics
from schedbench.harness.records import read_incumbents, write_atomic
from schedbench.harness.run_record import TABLE_FIELDS, RunRecord, class_columns
from schedbench.solvers.base import Status

INSTANCE = ["dataset", "stages", "ratio"]
GPU_SUFFIX = "@cuda"  # a run on a GPU is shown as its own solver (gs@cuda beside gs)
LP_BOUNDS_FILE = "lp_bounds.json"  # {problem digest: LP-relaxation bound}
TARGET_GAP = 0.01  # time_to_1pct: first time within 1 % of the best known bound


def instance_key(run: dict[str, Any]) -> tuple:
    """Runs on the same instance share their best bound (the digest tells apart two
    instances under one name, e.g. one design mapped with two cell libraries)."""
    return (*(run.get(k) for k in INSTANCE), run.get("problem_digest"))


def read_lp_bounds(results_dir: Path) -> dict[str, float]:
    """The cached LP-relaxation bounds of the results folder, by problem digest."""
    path = Path(results_dir) / LP_BOUNDS_FILE
    return json.loads(path.read_text()) if path.is_file() else {}


def store_lp_bound(results_dir: Path, digest: str, bound: float) -> None:
    """Add one instance's LP-relaxation bound to the folder's cache (atomically)."""
    cache = read_lp_bounds(results_dir)
    cache[digest] = float(bound)
    Path(results_dir).mkdir(parents=True, exist_ok=True)
    write_atomic(Path(results_dir) / LP_BOUNDS_FILE, json.dumps(cache, indent=1))


def bound_candidates(
    run: dict[str, Any], lp_bounds: dict[str, float] | None = None
) -> list[tuple[float, str]]:
    """Every bound one run knows of its instance, as (value, source): the source is
    ``trivial``, ``lp_relaxation`` or the run's solver (its final and streamed bounds,
    and its cost when it proved optimality)."""
    proven = [run.get("bound")] + [row.get("bound") for row in run.get("curve", [])]
    if run.get("status") == "optimal":
        proven.append(run.get("best_cost"))
    found = [(run.get("trivial_bound"), "trivial")]
    found += [(b, run.get("solver", "")) for b in proven]
    found.append(((lp_bounds or {}).get(run.get("problem_digest")), "lp_relaxation"))
    return [(float(b), source) for b, source in found if b is not None and np.isfinite(b)]


def fixed_epochs(config: str | None) -> bool:
    """Whether a run's config (the JSON in runs.config) stops its solver at a fixed epoch
    count (``+experiment=fig5``) rather than at the budget."""
    options = (json.loads(config or "{}").get("solver", {}) or {}).get("options") or {}
    return options.get("epochs") is not None


def run_bound(run: dict[str, Any], lp_bounds: dict[str, float] | None = None) -> float:
    """The strongest bound one run knows of its instance (see the module docstring)."""
    return max((b for b, _ in bound_candidates(run, lp_bounds)), default=-np.inf)


def load_runs(results_dir: Path) -> list[dict[str, Any]]:
    """Every current run folder's record (or its running.json for an interrupted run) and
    curve; see :func:`superseded` for the runs left out."""
    runs, finished = [], []
    for folder in sorted((Path(results_dir) / "runs").glob("*/*/seed*")):
        record_path, running_path = folder / "record.json", folder / "running.json"
        if record_path.is_file():
            record = json.loads(record_path.read_text())
            finished.append(record_path.stat().st_mtime)
        elif running_path.is_file():
            record = {**json.loads(running_path.read_text()), "status": Status.INTERRUPTED}
            finished.append(running_path.stat().st_mtime)
        else:
            continue
        record = RunRecord.from_json(record).flat()  # older records in today's shape
        record["curve"] = read_incumbents(folder / "incumbents.jsonl")
        runs.append(record)
    old = superseded(runs, finished)
    return [run for i, run in enumerate(runs) if i not in old]


def superseded(runs: list[dict[str, Any]], finished: list[float]) -> set[int]:
    """Indices of runs made again later with the same instance, solver and seed, and either
    the same config as given (their keys differ because a back-end's default changed in
    code) or the same command (a config file changed, e.g. a portfolio's members): the
    newest such run stands for that configuration. A run without its config (built from a
    RunSpec in code) is never superseded."""
    newest: dict[str, int] = {}
    cells = []
    for i, run in enumerate(runs):
        config = {k: v for k, v in (run.get("config") or {}).items() if k not in VOLATILE}
        given = _given(config) if config else run.get("run_key")  # no config: no telling
        cell = [run.get("problem_digest"), run.get("solver"), run.get("seed")]
        keys = [json.dumps([*cell, "config", given], sort_keys=True, default=str)]
        if config and run.get("command"):
            keys.append(json.dumps([*cell, "command", run["command"]]))
        cells.append(keys)
        for key in keys:
            if key not in newest or finished[i] >= finished[newest[key]]:
                newest[key] = i
    return {i for i, keys in enumerate(cells) if any(newest[key] != i for key in keys)}


VOLATILE = ("results", "force", "progress")  # config keys that do not shape a run


def _given(value: Any) -> Any:
    """A config without its unset (None) entries, so adding a field keeps old cells."""
    if isinstance(value, dict):
        return {k: _given(v) for k, v in value.items() if v is not None}
    return value


def finished(runs: pd.DataFrame, points: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The tables without runs in flight or cut short by a stopped sitting (``interrupted``:
    they are rerun when the sweep resumes and never count in a result)."""
    if runs.empty:
        return runs, points
    runs = runs[runs["status"] != Status.INTERRUPTED]
    return runs, points[points["run_key"].isin(set(runs["run_key"]))]


def build_tables(results_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(runs, points) with normalized values, gaps and anytime metrics."""
    runs = load_runs(results_dir)
    if not runs:
        return pd.DataFrame(), pd.DataFrame()
    lp_bounds = read_lp_bounds(results_dir)
    registry = best_known.known_bounds()
    bounds: dict[tuple, float] = {}
    for run in runs:
        key = instance_key(run)
        known = registry.get(run.get("problem_digest"), -np.inf)
        bounds[key] = max(bounds.get(key, -np.inf), run_bound(run, lp_bounds), known)
    run_rows, point_rows = [], []
    for run in runs:
        if run.get("provenance", {}).get("device") == "cuda":  # its own line, beside the CPU
            run = {**run, "solver": run["solver"] + GPU_SUFFIX}
        bound = bounds[instance_key(run)]
        times = [row["t"] for row in run["curve"]]
        costs = [row["cost"] for row in run["curve"]]
        first = costs[0] if costs else np.nan
        best = min(costs) if costs else np.nan
        grid = metrics.sampling_grid(run["budget"], run["interval"])
        sampled = metrics.best_at(times, costs, grid)
        peaks = _sampled_column(run["curve"], "peak", grid)
        comms = _sampled_column(run["curve"], "comm", grid)
        for t, value, peak, comm in zip(grid, sampled, peaks, comms, strict=True):
            point_rows.append(
                {
                    "dataset": run["dataset"],
                    "solver": run["solver"],
                    "formulation": run.get("formulation"),
                    "seed": run["seed"],
                    "run_key": run.get("run_key"),
                    "stages": run.get("stages"),
                    "ratio": run.get("ratio"),
                    "t": float(t),
                    "best_cost": value,
                    "peak": peak,
                    "comm": comm,
                    "best_known_bound": bound,
                    "status": run["status"],
                    "norm_paper": value / first,
                    "norm_asap": value / run["asap_cost"] if run.get("asap_cost") else np.nan,
                    "gap": relative_gap(value, bound),
                }
            )
        prov = run.get("provenance", {})
        run_rows.append(
            {
                **{k: run.get(k) for k in TABLE_FIELDS},
                **class_columns(run),
                "best_known_bound": bound,
                "gap": relative_gap(best, bound),
                "first_incumbent_time": times[0] if times else np.nan,
                "first_cost": first,
                "primal_integral": metrics.primal_integral(times, costs, bound, run["budget"]),
                "time_to_1pct": metrics.time_to_target(times, costs, bound, TARGET_GAP),
                "git_commit": prov.get("git_commit"),
                "cpu": prov.get("cpu"),
                "device": prov.get("device"),
                "python": prov.get("python"),
                "versions": json.dumps(prov.get("versions", {}), sort_keys=True),
                "config": json.dumps(run.get("config", {}), sort_keys=True, default=str),
            }
        )
    runs = pd.DataFrame(run_rows)
    for column in INSTANCE:  # instances are (dataset, L, R): a class without L or R has none
        if column not in runs:
            runs[column] = None
    return runs, pd.DataFrame(point_rows)


def _sampled_column(curve: list[dict[str, Any]], column: str, grid: np.ndarray) -> np.ndarray:
    """The value of ``column`` for the incumbent that is best at each grid time."""
    if not curve:
        return np.full(len(grid), np.nan)
    times = np.asarray([row["t"] for row in curve], float)
    values = np.asarray([row.get(column, np.nan) for row in curve], float)
    index = np.searchsorted(times, grid, side="right") - 1
    return np.where(index >= 0, values[np.clip(index, 0, None)], np.nan)


EPOCH_KEYS = ["run_key", "dataset", "solver", "backend", "seed", "stages", "ratio"]


def build_epochs(results_dir: Path, runs: pd.DataFrame) -> pd.DataFrame:
    """Every run's per-epoch records (GS, gauss, gs_plus: epochs.csv), one tidy table with
    the run's key columns in front."""
    frames = []
    for _, run in runs.iterrows() if not runs.empty else []:
        path = Path(results_dir) / str(run["folder"]) / "epochs.csv"
        if path.is_file():
            epochs = pd.read_csv(path)
            for column in reversed(EPOCH_KEYS):
                epochs.insert(0, column, run.get(column))
            frames.append(epochs)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=EPOCH_KEYS)


def write_tables(results_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rebuild runs.*, points.* and epochs.* (CSV for people, Parquet for pandas),
    atomically."""
    runs, points = build_tables(results_dir)
    root = Path(results_dir)
    epochs = build_epochs(results_dir, runs)
    for name, frame in (("runs", runs), ("points", points), ("epochs", epochs)):
        write_atomic(root / f"{name}.csv", frame.to_csv(index=False))
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        write_atomic(root / f"{name}.parquet", buffer.getvalue())
    return runs, points


def gap_table(runs: pd.DataFrame, tolerance: float = metrics.TIE_TOLERANCE) -> pd.DataFrame:
    """Final gap (%) to the best known bound: one row per dataset (in the natural order:
    rw2 before rw10), one column per solver (the median over seeds), and ``best``: the
    solvers whose median cost ties the design's lowest (``tolerance``, relative). An empty
    cell is a solver without a schedule on that design (or not run there)."""
    if runs.empty:
        return runs
    table = runs.pivot_table(
        index="dataset", columns="solver", values="gap", aggfunc="median", dropna=False
    )
    costs = runs.pivot_table(
        index="dataset", columns="solver", values="best_cost", aggfunc="median", dropna=False
    )
    table = (100 * table).round(3)
    table["best"] = [
        ", ".join(s for s, c in row.dropna().items() if metrics.tied(c, row.min(), tolerance))
        for _, row in costs.reindex(table.index).iterrows()
    ]
    return table.loc[sorted(table.index, key=natural_key)]


def natural_key(name: str) -> tuple:
    """Sort key that orders the digits in a name by value (rw2 before rw10)."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name))


def write_frame(frame: pd.DataFrame, out: Path, name: str) -> list[Path]:
    """A verdict table as ``<name>.parquet`` and ``<name>.csv`` (epochs: ``.csv.gz``,
    stamped so the same table gives the same bytes)."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    (out / f"{name}.parquet").write_bytes(buffer.getvalue())
    csv = out / f"{name}.csv.gz" if name == "epochs" else out / f"{name}.csv"
    gzip = {"method": "gzip", "mtime": 0} if name == "epochs" else None
    frame.to_csv(csv, index=False, compression=gzip)
    return [out / f"{name}.parquet", csv]


def read_frames(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(runs, points, epochs) as a verdict folder stores them (``runs.parquet``, ...)."""
    folder = Path(folder)
    frames = []
    for name in ("runs", "points", "epochs"):
        path = folder / f"{name}.parquet"
        if not path.is_file():
            raise ValueError(f"{path} does not exist; pass a folder written by the verdict")
        frames.append(pd.read_parquet(path))
    return frames[0], frames[1], frames[2]


def combine(
    base: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
    new: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Committed tables (``base``) with newer runs folded in: a new run supersedes a base
    run of the same key and seed (the key leaves the seed out: seeds of one configuration
    share it), and a design whose instance changed (a new run of it has another
    ``problem_digest``) keeps only the runs of its new instance, so tables never mix two
    instances under one name."""
    base_runs, base_points, base_epochs = base
    runs, points, epochs = new
    if runs.empty:
        return base
    digests = runs.groupby("dataset")["problem_digest"].agg(set)
    stale = base_runs["dataset"].map(digests).notna() & ~base_runs.apply(
        lambda row: row["problem_digest"] in digests.get(row["dataset"], {row["problem_digest"]}),
        axis=1,
    )
    kept = base_runs[~stale & ~_identity(base_runs).isin(set(_identity(runs)))]
    keys = set(_identity(kept))
    return (
        pd.concat([kept, runs], ignore_index=True),
        pd.concat([base_points[_identity(base_points).isin(keys)], points], ignore_index=True),
        pd.concat(
            [
                frame
                for frame in (base_epochs[_identity(base_epochs).isin(keys)], epochs)
                if not frame.empty
            ]
            or [base_epochs],
            ignore_index=True,
        ),
    )


def _identity(frame: pd.DataFrame) -> pd.Series:
    """A run's identity in a table: its key and, where the table has one, its seed."""
    if "seed" not in frame:
        return frame["run_key"].astype(str)
    return frame["run_key"].astype(str) + "/" + frame["seed"].astype(str)
