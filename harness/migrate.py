"""Move results recorded before the sampling interval left the run key to their new keys,
and give committed tables made before records named their class the ``class`` column.

    python -m schedbench.harness.migrate --results results/verdict
    python -m schedbench.harness.migrate --tables docs/results --registry datasets/best_known
    python -m schedbench.harness.migrate --classes docs/results --classes docs/results/rcs

A run's key is computed again from its recorded config (the instance is built again):
a run folder whose old key (``RunSpec.legacy_key``) matches is renamed and its record
rewritten; the verdict tables (runs, points, epochs) and the registry's ``cost_run`` and
``bound_run`` get the same mapping. A run whose recorded key matches neither (made by
other code, or its instance no longer builds) is left as it is and named. Running it
twice changes nothing the second time.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from schedbench.harness.records import write_json_atomic

TABLES = ("runs", "points", "epochs")


def keys_of(config: dict[str, Any], solver_key: str) -> tuple[str, str]:
    """(old key, new key) of the run that ``config`` (a record's ``config``) describes."""
    from omegaconf import OmegaConf

    from schedbench import classes
    from schedbench.harness.app import spec_from_config
    from schedbench.harness.config import RunConf

    cfg = OmegaConf.merge(OmegaConf.structured(RunConf), config)  # fields added since
    if cfg.dataset.name != "file" and not classes.owner(cfg.dataset.name).settings:
        cfg.dataset.stages = cfg.dataset.ratio = None  # the schema's old defaults: not its own
    spec = spec_from_config(cfg, solver_key=solver_key)
    return spec.legacy_key, spec.key


def _mapping(rows: list[tuple[str, str, dict[str, Any]]], left: list[str]) -> dict[str, str]:
    """old -> new key for (recorded key, solver, config) rows; the rest named in ``left``."""
    mapping: dict[str, str] = {}
    for recorded, solver, config in rows:
        try:
            old, new = keys_of(config, solver)
        except Exception as err:
            why = str(err).splitlines()[0][:120] if str(err) else ""
            left.append(f"{recorded}: {type(err).__name__}: {why}")
            continue
        if recorded == old and old != new:
            mapping[old] = new
        elif recorded != new:
            left.append(f"{recorded}: made by other code (its key now would be {new})")
    return mapping


def migrate_results(results: Path, left: list[str]) -> dict[str, str]:
    """Rename every run folder under ``results/runs`` and rewrite its record."""
    records = sorted(Path(results).glob("runs/*/*/*/record.json"))
    rows = []
    for path in records:
        record = json.loads(path.read_text())
        rows.append((record["run_key"], record["solver"], record["config"]))
    mapping = _mapping(rows, left)
    for path in records:
        record = json.loads(path.read_text())
        new = mapping.get(record["run_key"])
        if new is None:
            continue
        folder = path.parent
        target = folder.with_name(folder.name.replace(record["run_key"], new))
        record["folder"] = record["folder"].replace(record["run_key"], new)
        record["run_key"] = new
        write_json_atomic(path, record)
        folder.rename(target)
    return mapping


def migrate_tables(folder: Path, left: list[str]) -> dict[str, str]:
    """Rewrite the keys of a verdict folder's runs, points and epochs tables."""
    from schedbench.harness.tables import read_frames, write_frame

    frames = dict(zip(TABLES, read_frames(folder), strict=True))
    runs = frames["runs"]
    rows = [
        (key, solver, json.loads(config))
        for key, solver, config in runs[["run_key", "solver", "config"]].itertuples(index=False)
    ]
    mapping = _mapping(rows, left)
    if mapping:
        for name, frame in frames.items():
            frame = frame.copy()
            frame["run_key"] = frame["run_key"].replace(mapping)
            if "folder" in frame:
                frame["folder"] = [_renamed(f, mapping) for f in frame["folder"]]
            write_frame(frame, Path(folder), name)
    return mapping


def add_class_column(folder: Path) -> list[Path]:
    """Give every runs table of a folder (``runs``, ``scale_runs``; CSV and Parquet) the
    ``class`` column that records written before it lack (after ``status``, as the tables
    write it); returns the tables changed. Running it twice changes nothing."""
    from schedbench.harness.run_record import legacy_class

    changed = []
    for path in sorted(Path(folder).glob("*runs.csv")) + sorted(Path(folder).glob("*runs.parquet")):
        frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
        if "class" in frame or "dataset" not in frame:
            continue
        rows = frame.to_dict("records")
        where = frame.columns.get_loc("status") + 1 if "status" in frame else 0
        frame.insert(where, "class", [legacy_class(row) for row in rows])
        if path.suffix == ".parquet":
            frame.to_parquet(path, index=False)
        else:
            path.write_text(frame.to_csv(index=False))
        changed.append(path)
    return changed


def migrate_registry(registry: Path, mapping: dict[str, str]) -> int:
    """Rewrite the registry's ``cost_run`` and ``bound_run`` keys; returns how many."""
    path = Path(registry) / "best_known.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    changed = 0
    for column in ("cost_run", "bound_run"):
        new = frame[column].map(lambda key: mapping.get(key, key))
        changed += int((new != frame[column]).sum())
        frame[column] = new
    if changed:
        path.write_text(frame.to_csv(index=False))
    return changed


def _renamed(folder: str, mapping: dict[str, str]) -> str:
    head, _, key = folder.rpartition("-")
    return f"{head}-{mapping[key]}" if key in mapping else folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m schedbench.harness.migrate")
    parser.add_argument("--results", type=Path, action="append", default=[])
    parser.add_argument("--tables", type=Path, action="append", default=[])
    parser.add_argument("--registry", type=Path, help="a registry folder (best_known.csv)")
    parser.add_argument("--classes", type=Path, action="append", default=[],
                        help="a folder of committed tables to give the class column")  # fmt: skip
    args = parser.parse_args(argv)
    if not (args.results or args.tables or args.classes):
        parser.error("give --results DIR, --tables DIR and/or --classes DIR")
    left: list[str] = []
    mapping: dict[str, str] = {}
    for folder in args.results:
        mapping |= migrate_results(folder, left)
    for folder in args.tables:
        mapping |= migrate_tables(folder, left)
    for folder in args.classes:
        for path in add_class_column(folder):
            print(f"{path}: class column added")
    print(f"{len(mapping)} run keys moved")
    if args.registry:
        print(f"{migrate_registry(args.registry, mapping)} registry keys rewritten")
    for line in left:
        print(f"left as it is: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
