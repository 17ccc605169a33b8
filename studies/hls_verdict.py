"""The verdict of an HLS class (RCS or TCS) from its results folders.

    python -m schedbench.studies.hls_verdict --results results/verdict_rcs \\
        --scale results/scale_rcs --out docs/results/rcs

Writes the class's section of docs/results: its runs and points tables, the harness's
figures (curves, performance profile) and report, and ``verdict.md`` (``verdict.csv``):
per instance, which solver family (exact, heuristic, differentiable) holds the best cost
at the protocol's budget under :mod:`schedbench.studies.families`' noise rule. With
``--scale``, the scale study's runs (``scale_runs.csv``), its table per size and solver
(runs with a schedule, median best cost and range) and the same family verdict per size
(``scale_verdict.csv``); ``ablation.csv``: each differentiable solver against its
``_nograd`` control where both have three seeds. ``studies.classes`` reads these files.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from schedbench.harness.metrics import TIE_TOLERANCE
from schedbench.studies.families import (
    COMPARED,
    MIN_SEEDS,
    cost,
    counted,
    counts,
    directions,
    family_verdicts,
    seeded_solvers,
)
from schedbench.studies.hls_ablation import ablation_table


def scale_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Per instance (by size) and solver: runs with a schedule, median best cost (range),
    how many runs improved on their first schedule (the exact back-ends report their warm
    start at once: a schedule is not yet a solver's find), the gap to the class's lower bound, the
    median time to a first schedule, the gradient solvers' epochs (how much of a run was
    gradient steps rather than legalization and local search), statuses. Instances of one
    size (a public graph beside a synthetic one) keep rows of their own."""
    rows = []
    for (n, dataset, solver), mine in runs.groupby(["n", "dataset", "solver"], sort=True):
        found = mine.dropna(subset=["best_cost"])
        costs = found["best_cost"].astype(float)
        row = {
            "instance": dataset,
            "operations": int(n),
            "solver": solver,
            "with a schedule": f"{len(costs)}/{len(mine)}",
            "best cost": "-"
            if costs.empty
            else f"{cost(costs.median())} ({cost(costs.min())}-{cost(costs.max())})",
        }
        if "first_cost" in found and not costs.empty:  # a warm start is not a solver's find
            better = (costs < found["first_cost"].astype(float)).sum()
            row["improved its first schedule"] = f"{int(better)}/{len(mine)}"
        if "trivial_bound" in found and not costs.empty:
            gap = 100 * (costs - found["trivial_bound"].astype(float)) / costs
            row["gap to the class bound (%)"] = f"{gap.median():.1f}"
        if "first_incumbent_time" in found and found["first_incumbent_time"].notna().any():
            row["first schedule (s)"] = f"{found['first_incumbent_time'].median():.1f}"
        if "epochs" in mine and mine["epochs"].notna().any():
            done = mine["epochs"].dropna()
            row["gradient epochs"] = f"{done.median():g} ({done.min():g}-{done.max():g})"
        row["statuses"] = ", ".join(
            f"{k} {v}" for k, v in mine["status"].value_counts().sort_index().items()
        )
        rows.append(row)
    return pd.DataFrame(rows)


SCALE_COLUMNS = ("dataset", "solver", "seed", "n", "m", "status", "best_cost", "bound",
                 "trivial_bound", "first_cost", "first_incumbent_time", "budget", "threads",
                 "wall_time", "peak_memory_gb", "epochs", "message")  # fmt: skip


def exact_at_scale(runs: pd.DataFrame) -> str:
    """GauS's claim that exact solvers find no solution on large graphs, tested at the
    largest size of the scale study: per exact solver, in how many runs it found a schedule
    of its own (better than the warm start it was handed, or proved optimal)."""
    from schedbench.studies.families import family

    largest = runs[runs["n"] == runs["n"].max()]
    parts = []
    for solver, mine in largest.groupby("solver", sort=True):
        if family(solver) != "exact":
            continue
        costs, first = mine["best_cost"].astype(float), mine["first_cost"].astype(float)
        own = (costs < first) | (mine["status"] == "optimal")
        died = int((mine["status"] == "error").sum())
        parts.append(f"{solver} {int(own.sum())}/{len(mine)}" + (f" ({died} died)" if died else ""))
    if not parts:
        return ""
    return (
        "GauS reports CPLEX and Gurobi without a solution on its large graphs at 15 minutes "
        f"(one run each). Here, at {int(largest['n'].iloc[0]):,} operations and "
        f"{largest['budget'].max():g} s, runs in which an exact solver found a schedule of "
        "its own (better than its warm start, or proved optimal): " + ", ".join(parts) + "."
    )


def with_epochs(runs: pd.DataFrame, epochs: pd.DataFrame) -> pd.DataFrame:
    """``runs`` with an ``epochs`` column: how many gradient epochs each run (run key and
    seed) recorded; 0 for a differentiable run that recorded none (it stopped at the bound
    before its first step), empty for the solvers without epochs."""
    from schedbench.studies.families import family

    keys = ["run_key", "seed"]
    done = (
        epochs.groupby(keys)["epoch"].max().rename("epochs").reset_index()
        if not epochs.empty
        else pd.DataFrame(columns=[*keys, "epochs"])
    )
    out = runs.drop(columns="epochs", errors="ignore").merge(done, on=keys, how="left")
    gradient = out["solver"].map(family) == "differentiable"
    out["epochs"] = out["epochs"].astype(float).where(~gradient, out["epochs"].fillna(0))
    return out.set_axis(runs.index)


def _present(runs: pd.DataFrame) -> str:
    """Which solvers of each compared family have runs (an unrun family shows as none)."""
    from schedbench.studies.families import family

    names = sorted(set(runs["solver"]))
    return "; ".join(
        f"{kind}: {', '.join(n for n in names if family(n) == kind) or 'none yet'}"
        for kind in COMPARED
    )


def _section(title: str, verdicts: pd.DataFrame) -> list[str]:
    from schedbench.harness.figures import markdown

    return [
        f"\n## {title}: differentiable against the other families\n",
        markdown(counts(verdicts).reset_index()),
        f"\n## {title}: per instance\n",
        "Each family's best solver (median over seeds, range); a family wins an instance "
        "when it is ahead of both others (medians not tied, ranges apart), loses when one "
        "is ahead of it, else ties; standings count the instances where all three "
        f"families ran: {counted(verdicts)}; on {directions(verdicts)} of them a win or "
        f"loss rests on fewer than {MIN_SEEDS} runs of a seeded solver (`seeds`): a "
        "direction, not a result.\n",
        markdown(verdicts),
    ]


def write_class_report(out: Path, docs: Path | None = None,
                       tolerance: float = TIE_TOLERANCE) -> Path:  # fmt: skip
    """``out``/report.html from the section's committed tables (runs, points, the family
    verdicts, the ablation and the scale verdict), linked to the other classes' reports
    when ``docs`` is the docs/results folder it sits in."""
    from schedbench.harness.report import write_report
    from schedbench.studies.classes import report_links

    stored = (pd.read_parquet(out / f"{name}.parquet") for name in ("runs", "points"))
    runs, points = not_refused(*stored)
    sections = {
        "Families at the budget": "verdict.csv",
        "Does the gradient pay?": "ablation.csv",
        "Families at scale": "scale_verdict.csv",
    }
    extra = [(t, pd.read_csv(out / f)) for t, f in sections.items()
             if (out / f).is_file() and (out / f).stat().st_size > 1]  # fmt: skip
    links = report_links(docs, str(out.resolve().relative_to(docs.resolve()))) if docs else None
    return write_report(out, out / "report.html", (runs, points, pd.DataFrame()), tolerance,
                        extra=extra, links=links)  # fmt: skip


def not_refused(runs: pd.DataFrame, points: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The runs a figure or a verdict counts: not those its library refused (``skipped``,
    e.g. a licence's size limit), whose only schedule can be the back-end's opening
    heuristic; runs.csv keeps them, as the record of who refused what."""
    kept = runs[runs["status"] != "skipped"]
    return kept, points[points["run_key"].isin(set(kept["run_key"]))]


def write(results: Path, out: Path, scale: Path | None = None,
          tolerance: float = TIE_TOLERANCE, docs: Path | None = None,
          seeded: set[str] | None = None) -> Path:  # fmt: skip
    """Write the class's section into ``out``; returns ``verdict.md``'s path. ``seeded``
    adds the solvers the protocol runs at several seeds to those seen with several here
    (a partly run protocol must not count a seeded solver as deterministic)."""
    from schedbench.harness.figures import main_budget, make_figures, markdown
    from schedbench.harness.tables import build_tables, finished, write_frame

    runs, points = finished(*build_tables(results))
    if runs.empty:
        raise SystemExit(f"error: no runs in {results}; run its +experiment first")
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in (("runs", runs), ("points", points)):
        write_frame(frame, out, name)
    refused = len(runs)
    runs, points = not_refused(runs, points)
    refused -= len(runs)
    make_figures(results, out / "figures", ("png",), (runs, points), tolerance)
    at_budget, _ = main_budget(runs, points)
    seeded = seeded_solvers(at_budget) | (seeded or set())
    verdicts = family_verdicts(at_budget, tolerance, seeded=seeded)
    verdicts.to_csv(out / "verdict.csv", index=False)
    ablation = ablation_table(at_budget, tolerance, min_seeds=3)
    ablation.to_csv(out / "ablation.csv", index=False)
    text = [
        f"# The verdict of `{results.name}`\n",
        f"Generated by `python -m schedbench.studies.hls_verdict` from {len(runs)} runs "
        f"({len(at_budget)} at the {at_budget['budget'].max():g} s budget"
        + (f"; {refused} runs their library refused are left out" if refused else "")
        + "); best costs are "
        "medians over seeds (range); ahead only when ranges do not overlap. Solvers at "
        "the budget: " + _present(at_budget) + ".\n",
        *_section(f"At {at_budget['budget'].max():g} s", verdicts),
        "\n## Does the gradient pay?\n",
        "Each differentiable solver against itself without gradient steps on the instances "
        "with three or more seeds each (`studies.hls_ablation`'s table at this budget):\n",
        markdown(ablation) if not ablation.empty else "No instance has three seeds of both.",
    ]
    if scale is not None:
        text += scale_section(scale, out, tolerance)
    write_class_report(out, docs, tolerance)
    path = out / "verdict.md"
    path.write_text("\n".join(text) + "\n")
    return path


SCALE_HEADING = "\n## Scale: per size and solver\n"


def scale_section(scale: Path, out: Path, tolerance: float = TIE_TOLERANCE) -> list[str]:
    """The scale study's lines of verdict.md from the runs under ``scale``; writes
    ``scale_runs.csv`` and ``scale_verdict.csv`` into ``out`` (nothing when it has no runs)."""
    from schedbench.harness.figures import markdown
    from schedbench.harness.tables import build_epochs, build_tables, finished

    scale_runs, _ = finished(*build_tables(scale))
    if scale_runs.empty:
        return []
    scale_runs = with_epochs(scale_runs, build_epochs(scale, scale_runs))
    kept = [c for c in SCALE_COLUMNS if c in scale_runs]
    scale_runs[kept].sort_values(["n", "solver", "seed"]).to_csv(
        out / "scale_runs.csv", index=False
    )
    at_scale = family_verdicts(scale_runs, tolerance)
    at_scale.to_csv(out / "scale_verdict.csv", index=False)
    return [SCALE_HEADING, markdown(scale_table(scale_runs)), "\n" + exact_at_scale(scale_runs),
            *_section("At scale", at_scale)]  # fmt: skip


def write_scale(scale: Path, out: Path, tolerance: float = TIE_TOLERANCE,
                docs: Path | None = None) -> Path:  # fmt: skip
    """Replace only the scale section of ``out``'s committed verdict.md (and its tables and
    report): the scale study reruns apart from the class verdict, whose runs stay as
    committed."""
    path = out / "verdict.md"
    if not path.is_file():
        raise SystemExit(f"error: no {path} to update; run the class verdict first (--results)")
    head = path.read_text().split(SCALE_HEADING)[0].rstrip("\n")
    lines = scale_section(scale, out, tolerance)
    if not lines:
        raise SystemExit(f"error: no runs in {scale}; run the scale experiments first")
    write_class_report(out, docs, tolerance)
    path.write_text("\n".join([head, *lines]) + "\n")
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=None)
    parser.add_argument("--scale", type=Path, default=None)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--tie-tolerance", type=float, default=TIE_TOLERANCE)
    parser.add_argument(
        "--docs", type=Path, default=None, help="docs/results: link the other classes' reports"
    )
    parser.add_argument(
        "--report-only", action="store_true", help="only rewrite --out's report.html from tables"
    )
    parser.add_argument(
        "--scale-only", action="store_true",
        help="only replace the scale section of --out's verdict.md (from --scale)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.report_only:
        print(f"wrote {write_class_report(args.out, args.docs, args.tie_tolerance)}")
        return
    if args.scale_only:
        if args.scale is None:
            parser.error("--scale-only needs --scale")
        print(write_scale(args.scale, args.out, args.tie_tolerance, args.docs).read_text())
        return
    if args.results is None:
        parser.error("--results is required (or --report-only)")
    print(write(args.results, args.out, args.scale, args.tie_tolerance, args.docs).read_text())


if __name__ == "__main__":
    main()
