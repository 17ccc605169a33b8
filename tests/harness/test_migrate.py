"""``python -m schedbench.harness.migrate``: records made when the sampling interval was
part of the run key move to their new keys, in run folders, tables and the registry."""

from __future__ import annotations

import json
import shutil

import pandas as pd
from hydra import compose, initialize_config_module

from schedbench.harness.app import spec_from_config
from schedbench.harness.migrate import main
from schedbench.harness.runner import execute
from schedbench.harness.tables import build_tables, write_frame


def _spec(results, interval=0.2):
    with initialize_config_module(version_base="1.3", config_module="schedbench.conf"):
        cfg = compose(
            config_name="config",
            overrides=["dataset=rw4", "solver=list", "budget.seconds=1",
                       f"budget.interval={interval}", "threads=1", f"results.dir={results}"],
        )  # fmt: skip
    return spec_from_config(cfg, solver_key="list")


def _as_old_code_left_it(spec):
    """Rename the run to its legacy key, as records made before the change are."""
    folder = spec.paths.folder
    old = folder.with_name(folder.name.replace(spec.key, spec.legacy_key))
    shutil.move(folder, old)
    record = json.loads((old / "record.json").read_text())
    record["run_key"], record["folder"] = (
        spec.legacy_key,
        record["folder"].replace(spec.key, spec.legacy_key),
    )
    (old / "record.json").write_text(json.dumps(record))
    return old


def test_a_results_folder_and_its_tables_move_to_the_new_keys(tmp_path, capsys):
    results = tmp_path / "results"
    spec = _spec(results)
    execute(spec)
    assert spec.key != spec.legacy_key
    old = _as_old_code_left_it(spec)
    assert main(["--results", str(results)]) == 0
    assert "1 run keys moved" in capsys.readouterr().out
    assert not old.exists() and spec.paths.record.is_file()
    assert json.loads(spec.paths.record.read_text())["run_key"] == spec.key
    assert execute(spec).get("skipped")  # the command that made it finds it again
    main(["--results", str(results)])
    assert "0 run keys moved" in capsys.readouterr().out  # twice changes nothing

    # the committed tables and the registry of a verdict folder, with the old keys
    tables = tmp_path / "tables"
    tables.mkdir()
    runs, points = build_tables(results)[:2]
    epochs = pd.DataFrame({"run_key": [spec.key], "epoch": [1]})
    for name, frame in (("runs", runs), ("points", points), ("epochs", epochs)):
        frame = frame.replace({spec.key: spec.legacy_key})
        if "folder" in frame:
            frame["folder"] = frame["folder"].str.replace(spec.key, spec.legacy_key)
        write_frame(frame, tables, name)
    registry = tmp_path / "registry"
    registry.mkdir()
    (registry / "best_known.csv").write_text(
        f"dataset,cost_run,bound_run\nrw4,{spec.legacy_key},\n"
    )
    main(["--tables", str(tables), "--registry", str(registry)])
    out = capsys.readouterr().out
    assert "1 run keys moved" in out and "1 registry keys rewritten" in out
    for name in ("runs", "points", "epochs"):
        assert set(pd.read_parquet(tables / f"{name}.parquet")["run_key"]) == {spec.key}
    assert spec.legacy_key not in (tables / "runs.csv").read_text()
    assert pd.read_csv(registry / "best_known.csv")["cost_run"].tolist() == [spec.key]


def test_another_interval_reuses_the_run_and_resamples(tmp_path):
    results = tmp_path / "results"
    first = _spec(results, interval=0.2)
    execute(first)
    again = _spec(results, interval=0.5)
    assert again.key == first.key
    record = execute(again)
    assert record.get("skipped") and record["interval"] == 0.5
    assert json.loads(first.paths.record.read_text())["interval"] == 0.5
