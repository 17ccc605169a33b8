"""Best legal cost of GS at given epochs, per layout: median and range over seeds.

    python research/gs_layout/table.py [--results results] [--dataset rw1] [--epochs 10 50 300]

Reads the epoch records (epochs.csv) of every finished ``gs`` run of the dataset in the
results folder and groups them by layout (``parameters``), optimizer and noise.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from schedbench.harness.tables import load_runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", default="results")
    parser.add_argument("--dataset", default="rw1")
    parser.add_argument("--epochs", type=int, nargs="+", default=[10, 50, 300])
    parser.add_argument("--column", default="best_cost", help="an epochs.csv column")
    args = parser.parse_args()
    rows = []
    for run in load_runs(Path(args.results)):
        if run.get("backend") != "gs" or run.get("dataset") != args.dataset:
            continue
        epochs_file = Path(args.results) / run["folder"] / "epochs.csv"
        if not epochs_file.is_file():
            continue
        epochs = pd.read_csv(epochs_file).set_index("epoch")
        config = run.get("config") or {}
        config = json.loads(config) if isinstance(config, str) else config
        options = config.get("solver", {}).get("options", {})
        for epoch in args.epochs:
            if epoch in epochs.index:
                rows.append(
                    {
                        "layout": options.get("parameters", "per_node"),
                        "optimizer": options.get("optimizer"),
                        "noise": options.get("noise", "fast"),
                        "ratio": run.get("ratio"),
                        "seed": run["seed"],
                        "epoch": epoch,
                        "value": float(epochs.loc[epoch, args.column]),
                    }
                )
    if not rows:
        raise SystemExit(f"no gs runs of {args.dataset} with epoch records in {args.results}")
    frame = pd.DataFrame(rows)
    keys = ["layout", "optimizer", "noise", "ratio", "epoch"]
    summary = frame.groupby(keys)["value"].agg(["count", "median", "min", "max"]).reset_index()
    pd.set_option("display.width", 200)
    print(summary.to_string(index=False, float_format=lambda v: f"{v:,.0f}"))


if __name__ == "__main__":
    main()
