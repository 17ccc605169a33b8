"""The verdict of an HLS class (RCS or TCS) from its results folders.

    python -m schedbench.studies.hls_verdict --results results/verdict_rcs \\
        --scale results/scale_rcs --out docs/results/rcs

Writes the class's section of docs/results: its runs and points tables, the harness's
figures (curves, performance profile) and report, and ``verdict.md``: per instance, which
solver family (exact, heuristic, differentiable) holds the best cost at the protocol's
budget, each solver's cost the median over its seeds with the range; a family is ahead of
another only when its best solver's median is lower beyond the tie tolerance and their
ranges do not overlap (else "within noise"). With ``--scale``, the scale study's table:
per size and solver, the runs with a schedule and the median best cost (range).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from schedbench.harness.metrics import TIE_TOLERANCE, tied

FAMILIES = {
    "exact": ("rcs_cpsat", "rcs_highs", "tcs_cpsat", "tcs_highs", "gurobi", "cplex", "cbc"),
    "heuristic": ("rcs_list", "tcs_list", "tcs_fds"),
    "differentiable": ("hls_gs", "hls_gauss"),
    "ablation": ("hls_gs_nograd", "hls_gauss_nograd"),
}


def family_of(solver: str) -> str:
    return next((f for f, names in FAMILIES.items() if solver in names), "other")


def solver_medians(runs: pd.DataFrame) -> pd.DataFrame:
    """Per instance and solver: median, min and max best cost over seeds, and counts."""
    found = runs.assign(cost=runs["best_cost"].astype(float))
    grouped = found.groupby(["dataset", "solver"])["cost"]
    out = grouped.agg(median="median", low="min", high="max", schedules="count")
    out["runs"] = found.groupby(["dataset", "solver"]).size()
    out = out.reset_index()
    out["family"] = out["solver"].map(family_of)
    return out


def compare(a: pd.Series, b: pd.Series, tolerance: float = TIE_TOLERANCE) -> str:
    """a's best solver against b's: ahead, tie, behind, or within noise."""
    if np.isnan(a["median"]) and np.isnan(b["median"]):
        return "neither has a schedule"
    if np.isnan(b["median"]):
        return "ahead"
    if np.isnan(a["median"]):
        return "behind"
    if tied(a["median"], b["median"], tolerance):
        return "tie"
    if a["high"] < b["low"]:
        return "ahead"
    if b["high"] < a["low"]:
        return "behind"
    return "within noise"


def family_verdicts(runs: pd.DataFrame, tolerance: float = TIE_TOLERANCE) -> pd.DataFrame:
    """Per instance: each family's best solver (median, range) and the differentiable
    family against the exact and the heuristic families."""
    medians = solver_medians(runs)
    rows = []
    for dataset, mine in medians.groupby("dataset", sort=True):
        best: dict[str, pd.Series] = {}
        for family in ("exact", "heuristic", "differentiable"):
            members = mine[mine["family"] == family]
            if members.empty:
                continue
            ordered = members.sort_values("median", na_position="last")
            best[family] = ordered.iloc[0]
        row = {"instance": dataset}
        for family, top in best.items():
            row[family] = (
                "no schedule"
                if np.isnan(top["median"])
                else f"{top['median']:g} ({top['low']:g}-{top['high']:g}) {top['solver']}"
            )
        if "differentiable" in best:
            for other in ("exact", "heuristic"):
                if other in best:
                    row[f"differentiable vs {other}"] = compare(
                        best["differentiable"], best[other], tolerance
                    )
        rows.append(row)
    return pd.DataFrame(rows)


def counts(verdicts: pd.DataFrame) -> pd.DataFrame:
    """How many instances fall under each verdict, per comparison."""
    columns = [c for c in verdicts.columns if c.startswith("differentiable vs")]
    frames = [verdicts[c].value_counts().rename(c) for c in columns]
    return pd.concat(frames, axis=1).fillna(0).astype(int).T if frames else pd.DataFrame()


def scale_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Per size and solver: runs with a schedule, median best cost (range), statuses."""
    rows = []
    for (n, solver), mine in runs.groupby(["n", "solver"], sort=True):
        costs = mine["best_cost"].dropna().astype(float)
        rows.append(
            {
                "operations": int(n),
                "solver": solver,
                "with a schedule": f"{len(costs)}/{len(mine)}",
                "best cost": "-"
                if costs.empty
                else f"{costs.median():g} ({costs.min():g}-{costs.max():g})",
                "statuses": ", ".join(
                    f"{k} {v}" for k, v in mine["status"].value_counts().sort_index().items()
                ),
            }
        )
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> None:
    from schedbench.harness.figures import main_budget, make_figures, markdown
    from schedbench.harness.report import write_report
    from schedbench.harness.tables import build_tables, write_frame

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, required=True)
    parser.add_argument("--scale", type=Path, default=None)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--tie-tolerance", type=float, default=TIE_TOLERANCE)
    args = parser.parse_args(argv)
    runs, points = build_tables(args.results)
    if runs.empty:
        raise SystemExit(f"error: no runs in {args.results}; run its +experiment first")
    args.out.mkdir(parents=True, exist_ok=True)
    for name, frame in (("runs", runs), ("points", points)):
        write_frame(frame, args.out, name)
    make_figures(args.results, args.out / "figures", ("png",), (runs, points), args.tie_tolerance)
    write_report(args.results, args.out / "report.html", (runs, points, pd.DataFrame()),
                 args.tie_tolerance)  # fmt: skip
    at_budget, _ = main_budget(runs, points)
    verdicts = family_verdicts(at_budget, args.tie_tolerance)
    text = [
        f"# The verdict of `{args.results.name}`\n",
        f"Generated by `python -m schedbench.studies.hls_verdict` from {len(runs)} runs "
        f"({len(at_budget)} at the {at_budget['budget'].max():g} s budget); best costs are "
        "medians over seeds (range); ahead only when ranges do not overlap.\n",
        "## Differentiable against the other families\n",
        markdown(counts(verdicts).reset_index()),
        "\n## Per instance\n",
        markdown(verdicts),
    ]
    if args.scale is not None:
        scale_runs, _ = build_tables(args.scale)
        if not scale_runs.empty:
            text += ["\n## Scale\n", markdown(scale_table(scale_runs))]
    (args.out / "verdict.md").write_text("\n".join(text) + "\n")
    print("\n".join(text))


if __name__ == "__main__":
    main()
