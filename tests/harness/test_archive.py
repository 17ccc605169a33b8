"""``python -m schedbench.harness.archive``: finished runs packed into git survive a fresh
checkout; unpacked, the runner skips them and the tables read them as if they ran here."""

from __future__ import annotations

import io
import shutil
import tarfile

import pytest
from hydra import compose, initialize_config_module

from schedbench.harness import archive
from schedbench.harness.app import spec_from_config
from schedbench.harness.runner import execute
from schedbench.harness.tables import build_tables


def _spec(results, seed):
    with initialize_config_module(version_base="1.3", config_module="schedbench.conf"):
        cfg = compose(
            config_name="config",
            overrides=["dataset=rw4", "solver=list", "budget.seconds=1", "threads=1",
                       f"seed={seed}", f"results.dir={results}"],
        )  # fmt: skip
    return spec_from_config(cfg, solver_key="list")


def test_packed_runs_come_back_skipped_and_tabled_on_a_fresh_checkout(tmp_path, capsys):
    results = tmp_path / "results" / "sweep"
    specs = [_spec(results, seed) for seed in (0, 1)]
    for spec in specs:
        execute(spec)
    (specs[1].paths.folder / "record.json").unlink()  # seed 1 "interrupted": not finished
    before = build_tables(results)[0]
    archives = tmp_path / "records"
    archive.main(["pack", str(results), "--to", str(archives)])
    packed = archives / "sweep.tar.gz"
    assert ": 1 run, " in capsys.readouterr().out
    first = packed.read_bytes()
    archive.pack(results, archives)
    assert packed.read_bytes() == first  # unchanged runs: the same bytes, nothing for git

    with tarfile.open(packed) as tar:
        names = {member.name.rsplit("/", 1)[-1] for member in tar.getmembers()}
    assert names == {"record.json", "incumbents.jsonl"}  # no schedule, no log, no seed 1

    shutil.rmtree(tmp_path / "results")  # the fresh checkout
    fresh = tmp_path / "results"
    folder, restored, kept = archive.unpack(packed, fresh)
    assert (folder, restored, kept) == (results, 1, 0)
    assert execute(specs[0]).get("skipped")  # the sweep resumes past it
    after = build_tables(results)[0]
    columns = ["run_key", "best_cost", "status", "seed"]
    assert after[columns].equals(before[columns])
    assert archive.unpack(packed, fresh)[1:] == (0, 1)  # what is on disk is never overwritten


def test_an_archive_with_anything_but_run_records_is_refused(tmp_path):
    bad = tmp_path / "evil.tar.gz"
    with tarfile.open(bad, "w:gz") as tar:
        info = tarfile.TarInfo("../outside.txt")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"hi"))
    with pytest.raises(SystemExit, match=r"unexpected member '\.\./outside\.txt'"):
        archive.unpack(bad, tmp_path / "results")
    assert not (tmp_path / "outside.txt").exists()


def test_packing_nothing_says_what_to_name(capsys):
    with pytest.raises(SystemExit):
        archive.main(["pack"])
    assert "no results folder to pack" in capsys.readouterr().err


def test_an_epoch_trace_over_the_cap_stays_out_and_says_so(tmp_path, capsys, monkeypatch):
    results = tmp_path / "results" / "sweep"
    folders = [tmp_path / "results" / "sweep" / "runs" / "rw4" / "gauss" / name
               for name in ("seed0-a", "seed1-a")]  # fmt: skip
    for folder, rows in zip(folders, (3, 300), strict=True):
        folder.mkdir(parents=True)
        (folder / "record.json").write_text("{}")
        (folder / "epochs.csv").write_text("epoch,loss\n" + "1,0.5\n" * rows)
    monkeypatch.setattr(archive, "EPOCHS_MAX_BYTES", 100)
    archive.main(["pack", str(results), "--to", str(tmp_path / "records")])
    assert "(1 epoch traces over 100 bytes left out)" in capsys.readouterr().out
    with tarfile.open(tmp_path / "records" / "sweep.tar.gz") as tar:
        names = sorted(member.name for member in tar.getmembers())
    assert names == ["runs/rw4/gauss/seed0-a/epochs.csv", "runs/rw4/gauss/seed0-a/record.json",
                     "runs/rw4/gauss/seed1-a/record.json"]  # fmt: skip


def test_epochs_of_keeps_only_the_named_backends_traces(tmp_path, capsys):
    results = tmp_path / "results" / "sweep"
    for backend in ("gs", "gauss"):
        folder = results / "runs" / "rw4" / backend / "seed0-a"
        folder.mkdir(parents=True)
        (folder / "record.json").write_text(f'{{"backend": "{backend}"}}')
        (folder / "epochs.csv").write_text("epoch,loss\n1,0.5\n")
    archive.main(["pack", str(results), "--to", str(tmp_path / "records"), "--epochs-of", "gs"])
    assert "(1 epoch traces over 1,000,000 bytes or not of gs left out)" in capsys.readouterr().out
    with tarfile.open(tmp_path / "records" / "sweep.tar.gz") as tar:
        names = sorted(member.name for member in tar.getmembers())
    assert names == ["runs/rw4/gauss/seed0-a/record.json", "runs/rw4/gs/seed0-a/epochs.csv",
                     "runs/rw4/gs/seed0-a/record.json"]  # fmt: skip
