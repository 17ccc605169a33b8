"""Keep finished runs' records in git, small, so a sweep resumes on a new checkout.

    python -m schedbench.harness.archive pack results/gaus_rcs   # docs/results/records/
    python -m schedbench.harness.archive unpack                   # every archive, results/

``results/`` is git-ignored, so a sweep spread over sessions loses its finished runs when a
session starts on a fresh clone. ``pack`` writes every finished run's ``record.json``,
``incumbents.jsonl`` and ``epochs.csv`` (never the schedule, the solver log, an
unfinished run, or an epoch trace over ``EPOCHS_MAX_BYTES``: a gradient solver logs a
row per epoch, and a long trace is bytes the verdict does not read, as it keeps only
``gs``'s epochs; ``--epochs-of BACKEND`` keeps only those back-ends' traces, for a
folder whose studies read no other) into one gzipped tar named after the results
folder; the bytes depend only on the files (sorted members, each file's own
modification time, which the tables use to tell a rerun from the run it supersedes), so
packing unchanged results changes nothing in git. The folder's cached LP bounds
(``lp_bounds.json``) go along. ``unpack`` puts them back under ``results/<name>/``: the
runner then skips those runs and the studies read them, as if they had run here. A run
already on disk is never overwritten. A restored run has no schedule: the registry takes
best schedules from runs made on this checkout (``registry_update`` says which it
skipped).
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import sys
import tarfile
from collections.abc import Collection
from pathlib import Path

ARCHIVES = Path("docs/results/records")
KEPT = ("record.json", "incumbents.jsonl", "epochs.csv")
FOLDER_FILES = ("lp_bounds.json",)  # beside runs/, not in a run
EPOCHS_MAX_BYTES = 1_000_000  # a longer epochs.csv stays in the results folder only


def finished_runs(results: Path) -> list[Path]:
    """The run folders under ``results/runs`` whose record (written last) exists."""
    return sorted(path.parent for path in (results / "runs").rglob("record.json"))


def pack(
    results: Path, archives: Path = ARCHIVES, epochs_of: Collection[str] | None = None
) -> tuple[Path, int, int]:
    """Write ``archives/<results name>.tar.gz`` from ``results``'s finished runs: (archive,
    runs packed, epoch traces left out). With ``epochs_of``, only the runs of those
    back-ends keep their epoch traces."""
    results = Path(results)
    runs = finished_runs(results)
    if not runs:
        raise SystemExit(f"no finished run under {results}/runs: run a sweep first, or name "
                         "the results folder it wrote (results.dir)")  # fmt: skip
    target = Path(archives) / f"{results.name}.tar.gz"
    target.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    paths = [results / name for name in FOLDER_FILES]
    paths += [folder / name for folder in runs for name in KEPT]
    left_out = set(_left_out_epochs(runs, epochs_of))
    paths = [path for path in paths if path not in left_out]
    with (
        gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as packed,
        tarfile.open(fileobj=packed, mode="w", format=tarfile.GNU_FORMAT) as tar,
    ):
        for path in paths:
            if not path.is_file():
                continue
            data = path.read_bytes()
            info = tarfile.TarInfo(path.relative_to(results).as_posix())
            info.size, info.mtime, info.mode = len(data), int(path.stat().st_mtime), 0o644
            tar.addfile(info, io.BytesIO(data))
    target.write_bytes(buffer.getvalue())
    return target, len(runs), len(left_out)


def _left_out_epochs(runs: list[Path], epochs_of: Collection[str] | None) -> list[Path]:
    """The epoch traces of ``runs`` that ``pack`` leaves out: over the size cap, or of a
    back-end not in ``epochs_of`` (when it is given)."""
    left_out = []
    for folder in runs:
        trace = folder / "epochs.csv"
        if not trace.is_file():
            continue
        if trace.stat().st_size > EPOCHS_MAX_BYTES or (
            epochs_of is not None and _backend(folder) not in epochs_of
        ):
            left_out.append(trace)
    return left_out


def _backend(run: Path) -> str | None:
    """The back-end a finished run's record names."""
    return json.loads((run / "record.json").read_text()).get("backend")


def unpack(archive: Path, results_root: Path = Path("results")) -> tuple[Path, int, int]:
    """Restore ``archive`` under ``results_root/<its name>``: (folder, runs restored, runs
    already there). A run whose record exists on disk keeps its own files."""
    archive = Path(archive)
    name = archive.name.removesuffix(".tar.gz")
    if name == archive.name:
        raise SystemExit(f"{archive} is not a .tar.gz archive: name one that `pack` wrote")
    target = Path(results_root) / name
    restored: set[str] = set()
    kept: set[str] = set()
    with tarfile.open(archive, mode="r:gz") as tar:
        for member in tar.getmembers():
            relative = Path(member.name)
            in_run = relative.parts[0] == "runs" and relative.name in KEPT
            if not member.isfile() or relative.is_absolute() or ".." in relative.parts \
                    or not (in_run or member.name in FOLDER_FILES):  # fmt: skip
                raise SystemExit(f"{archive}: unexpected member {member.name!r}; only "
                                 "run records belong here (re-pack it with `pack`)")  # fmt: skip
            if not in_run:  # the folder's own cache: kept when one is there
                if not (target / relative).is_file():
                    _write(target / relative, tar, member)
                continue
            folder = target / relative.parent
            run = relative.parent.as_posix()
            if run in kept or (run not in restored and (folder / "record.json").is_file()):
                kept.add(run)
                continue
            restored.add(run)
            _write(folder / relative.name, tar, member)
    return target, len(restored), len(kept)


def _write(path: Path, tar: tarfile.TarFile, member: tarfile.TarInfo) -> None:
    """One member's bytes at ``path``, with the modification time it was packed with."""
    path.parent.mkdir(parents=True, exist_ok=True)
    extracted = tar.extractfile(member)
    assert extracted is not None  # a regular file, checked by the caller
    path.write_bytes(extracted.read())
    os.utime(path, (member.mtime, member.mtime))


def _runs(count: int) -> str:
    return f"{count:,} run" + ("" if count == 1 else "s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    packing = commands.add_parser("pack", help="archive results folders' finished runs")
    packing.add_argument("results", type=Path, nargs="*")
    packing.add_argument("--to", type=Path, default=ARCHIVES)
    packing.add_argument("--epochs-of", nargs="+", metavar="BACKEND",
                         help="keep only these back-ends' epoch traces (default: all)")  # fmt: skip
    unpacking = commands.add_parser("unpack", help="restore archived runs under results/")
    unpacking.add_argument("archives", type=Path, nargs="*")
    unpacking.add_argument("--into", type=Path, default=Path("results"))
    args = parser.parse_args(argv)
    if args.command == "pack":
        if not args.results:
            parser.error(
                "no results folder to pack: run an experiment first, or name a "
                "folder holding runs/ (pack results/verdict)"
            )
        for results in args.results:
            target, count, left_out = pack(results, args.to, args.epochs_of)
            kept = f" or not of {', '.join(args.epochs_of)}" if args.epochs_of else ""
            note = f" ({left_out} epoch traces over {EPOCHS_MAX_BYTES:,} bytes{kept} left out)"
            print(f"{target}: {_runs(count)}, {target.stat().st_size:,} bytes"
                  + (note if left_out else ""))  # fmt: skip
        return
    archives = args.archives or sorted(ARCHIVES.glob("*.tar.gz"))
    if not archives:
        print(f"no archive under {ARCHIVES}: nothing to restore", file=sys.stderr)
    for archive in archives:
        folder, restored, kept = unpack(archive, args.into)
        print(f"{folder}: {_runs(restored)} restored, {kept} already there")


if __name__ == "__main__":
    main()
