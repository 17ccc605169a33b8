"""Gradient epochs and peak memory of the HLS classes' differentiable solvers, dense against banded.

    python bench/hls_speed.py                               # 1e3 .. 1e6, both classes, 60 s
    python bench/hls_speed.py --sizes 1e3 1e4 --seconds 20  # a shorter sweep
    python bench/hls_speed.py --width 4                     # the calibrated families
    python bench/hls_speed.py --report                      # the table from what was run

Every run goes through the harness runner (records, the budget, a 16 GB address-space cap)
on the scale families (``rcs_synthetic``; ``tcs_synthetic`` at 1.0x the critical path, as
``conf/experiment/scale_*.yaml``; ``--width 4``: 4 operations per level, the families
calibrated in research/scale_calibration), seed 0, 2 threads, with the local search off so every
second goes to epochs. ``dense`` is each solver as it was ([B, n, H] tensors, every epoch's
samples legalized and scored); ``banded`` is the scale configuration (``hls_gauss_scale``,
``hls_gs_scale``): ``hls_gauss`` with its bands, ``hls_gs`` with ``band=32``, both with
8 rows and ``score_share=0.3``. An epoch is one gradient step (sampling,
loss, backward, optimizer) plus, when due, legalizing and scoring its B samples.
Output: ``<results>/<mode>/`` (the runner's folders and tables) and ``hls_speed.md``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

SOLVERS = ("hls_gauss", "hls_gs")
FAMILIES = {"rcs": ["dataset=rcs_synthetic"], "tcs": ["dataset=tcs_synthetic",
                                                        "dataset.params.factor=1.0"]}  # fmt: skip
MODES = {
    "dense": {"hls_gauss": ["++solver.options.band=false"], "hls_gs": []},
    "banded": {
        "hls_gauss": [
            "++solver.options.band=true",
            "++solver.options.batch=8",
            "++solver.options.score_share=0.3",
        ],
        "hls_gs": [
            "++solver.options.band=32",
            "++solver.options.batch=8",
            "++solver.options.score_share=0.3",
        ],
    },
}


def sweep(sizes: list[int], seconds: float, results: Path, modes: list[str],
          width: int | None = None) -> None:  # fmt: skip
    """One runner sweep per (mode, class, solver) over the sizes."""
    shape = []
    if width is not None:
        label = f"dataset.label=${{dataset.name}}_w{width}_n${{dataset.params.nodes}}"
        shape = [f"dataset.params.width={width}", label]
    for mode in modes:
        for family, dataset in FAMILIES.items():
            for solver in SOLVERS:
                command = [
                    sys.executable, "-m", "schedbench.harness", "-m", *dataset, *shape,
                    f"dataset.params.nodes={','.join(str(n) for n in sizes)}",
                    f"solver={solver}", *MODES[mode][solver],
                    "++solver.options.local_search=false", f"budget.seconds={seconds}",
                    f"budget.interval={seconds / 10:g}", "budget.memory_gb=16", "threads=2",
                    f"results.dir={results / mode}", "progress=false",
                ]  # fmt: skip
                print(f"# {mode} {family} {solver}", flush=True)
                subprocess.run(command, check=False)


def report(results: Path) -> str:
    """Per class, size and solver: epochs, epochs per second, scored epochs and peak GB,
    dense then banded."""
    import numpy as np
    import pandas as pd

    frames = []
    for mode in MODES:
        table = results / mode / "runs.csv"
        if table.is_file():
            frames.append(pd.read_csv(table).assign(mode=mode))
    if not frames:
        raise SystemExit(f"no runs under {results}: run `python bench/hls_speed.py` first")
    runs = pd.concat(frames)
    runs["family"] = runs["dataset"].str.extract(r"^(rcs|tcs)_synthetic")[0]
    width = runs["dataset"].str.extract(r"_w(\d+)_")[0]
    runs["family"] += np.where(width.notna(), " w" + width.fillna(""), "")
    epochs = runs["message"].str.extract(r"(\d+) epochs on")[0].astype(float)
    scored = runs["message"].str.extract(r"\((\d+) scored\)")[0].astype(float)
    runs["epochs"] = epochs
    runs["scored"] = scored.fillna(epochs)
    runs["solve_s"] = runs["wall_time"] - runs["startup_time"].fillna(0)
    lines = [
        "| class | n | solver | mode | status | epochs | epochs/s | scored | peak GB | cost |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs.sort_values(
        ["family", "n", "solver", "mode"], ascending=[1, 1, 1, 0]
    ).itertuples():
        rate = r.epochs / r.solve_s if pd.notna(r.epochs) and r.solve_s > 0 else float("nan")
        cells = [
            r.family, f"{r.n:,}", r.solver, r.mode, r.status,
            "-" if pd.isna(r.epochs) else f"{r.epochs:.0f}",
            "-" if pd.isna(rate) else f"{rate:.2f}",
            "-" if pd.isna(r.scored) else f"{r.scored:.0f}",
            "-" if pd.isna(r.peak_memory_gb) else f"{r.peak_memory_gb:.1f}",
            "-" if pd.isna(r.best_cost) else f"{r.best_cost:,.0f}",
        ]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    skipped = runs[runs["status"].isin(["skipped", "error", "killed"])]
    notes = [f"- {r.family} n={r.n:,} {r.solver} {r.mode}: {r.message}"
             for r in skipped.itertuples()]  # fmt: skip
    text = "\n".join(lines) + "\n" + ("\n" + "\n".join(notes) + "\n" if notes else "")
    (results / "hls_speed.md").write_text(text)
    return text


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["1e3", "1e4", "1e5", "1e6"])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--modes", nargs="+", choices=list(MODES), default=list(MODES))
    parser.add_argument("--width", type=int, default=None, help="operations per level")
    parser.add_argument("--results", type=Path, default=Path("results/hls_speed"))
    parser.add_argument("--report", action="store_true", help="only the table from earlier runs")
    args = parser.parse_args(argv)
    if not args.report:
        sizes = [int(float(s)) for s in args.sizes]
        sweep(sizes, args.seconds, args.results, args.modes, args.width)
    print(report(args.results))


if __name__ == "__main__":
    main()
