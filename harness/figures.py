"""Figures and tables of any results folder, from stored results only (never a live run).

    python -m schedbench.harness.figures [--results results] [--out results/figures]

Writes PNG and PDF of the curves per design (the gap to the best known bound over time;
``curves_paper_norm``: each curve over its own first schedule) and the performance
profile, and the final-gap table and ``summary.md``. Colours by solver family
(:mod:`.palette`), gaps in %. The paper's own figures (3-5, Table 1) are the ICML24
study's (:mod:`schedbench.studies.icml24.figures`), built from these pieces.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import LogFormatter

from schedbench.harness import metrics, palette
from schedbench.harness.tables import fixed_epochs, gap_table, write_tables

GAP_FLOOR = 1e-2  # gaps (in %) are drawn on a log axis; 0 (proven optimal) sits here
GAP_LABEL = "gap to best bound (%, log)"
PAPER_LABEL = "best / first schedule"


def chart_values(points: pd.DataFrame, value: str) -> pd.DataFrame:
    """The points as a chart draws them: gap in % (the tables' unit; the runs table keeps
    the fraction), and only the times at which *every* seed of a (design, solver) has a
    schedule, so a median or mean over seeds never rises when a late seed's first schedule
    joins it."""
    if points.empty:
        return points
    frame = points.copy()
    if value == "gap":
        frame[value] = 100 * frame[value]
    seeds = frame.groupby(["dataset", "solver"])["seed"].transform("nunique")
    found = frame.groupby(["dataset", "solver", "t"])[value].transform("count")
    return frame[found == seeds]


def plotted(values: pd.Series, value: str) -> pd.Series:
    return values.clip(lower=GAP_FLOOR) if value == "gap" else values


def style_axis(ax: plt.Axes, value: str) -> None:
    if value == "gap":
        ax.set_yscale("log")  # plain numbers (20, 30, 50), labelled within a decade too
        ax.yaxis.set_major_formatter(LogFormatter(labelOnlyBase=False))
        ax.yaxis.set_minor_formatter(LogFormatter(labelOnlyBase=False, minor_thresholds=(2, 1)))


def save_figure(
    fig: plt.Figure, out: Path, name: str, formats: tuple[str, ...] = ("png", "pdf")
) -> list[Path]:
    paths = [out / f"{name}.{fmt}" for fmt in formats]
    for path in paths:
        fig.savefig(path, dpi=150, bbox_inches="tight")
    plt.close(fig)
    return paths


def solver_looks(points: pd.DataFrame) -> dict[str, dict[str, str]]:
    """Each solver that found a schedule: its family's colour, its marker and line style
    (:mod:`.palette`); solvers without one (skipped, failed) stay out of the legend."""
    found = points.dropna(subset=["best_cost"]) if not points.empty else points
    return palette.style(found["solver"].unique() if not found.empty else [])


def plot_line(ax: plt.Axes, x, y, look: dict[str, str], **kwargs: Any) -> Any:
    """One solver's line in its colour, marker (about six per line) and line style."""
    (line,) = ax.plot(
        x,
        y,
        color=look["color"],
        marker=look["marker"],
        markersize=3.5,
        markevery=max(1, len(x) // 6),
        linestyle=kwargs.pop("linestyle", look["linestyle"]),
        lw=1.3,
        **kwargs,
    )
    return line


def legend_handles(solvers: list[str], colors: dict[str, dict[str, str]]) -> list:
    """Legend handles in each solver's own colour, marker and line style, by family."""
    return [
        plt.Line2D(
            [],
            [],
            color=colors[s]["color"],
            marker=colors[s]["marker"],
            markersize=3.5,
            linestyle=colors[s]["linestyle"],
            label=s,
        )
        for s in solvers
    ]


def figure_legend(fig: plt.Figure, handles: list, labels: list[str], columns: int = 7) -> None:
    """The legend above the panels, outside the data."""
    if handles:
        fig.legend(
            handles,
            labels,
            loc="lower center",
            ncol=min(columns, len(labels)),
            bbox_to_anchor=(0.5, 1.0),
            frameon=False,
            fontsize=8,
        )


def curve_panels(
    points: pd.DataFrame, panels: dict[str, list[str]], value: str, ylabel: str, title: str
) -> plt.Figure:
    """One panel per group: per solver, mean over the group's designs of the mean over
    seeds, with a min-max band over the designs, drawn where every seed of every design
    has a schedule (so a curve never rises when a late first schedule joins it)."""
    columns = max(1, min(4, len(panels)))
    grid_rows = max(1, -(-len(panels) // columns))
    fig, grid = plt.subplots(
        grid_rows, columns, figsize=(4.2 * columns, 3.4 * grid_rows), squeeze=False
    )
    axes = grid.ravel()
    for spare in axes[len(panels) :]:
        spare.set_visible(False)
    colors = solver_looks(points)
    points = chart_values(points, value)
    handles: dict[str, Any] = {}
    for ax, (panel, designs) in zip(axes, panels.items(), strict=False):
        sub = points[points["dataset"].isin(designs)] if not points.empty else points
        ax.set_title(panel)
        ax.set_xlabel("time (s)")
        ax.set_ylabel(ylabel)
        if sub.empty:
            ax.text(0.5, 0.5, "no runs", ha="center", va="center", transform=ax.transAxes)
            continue
        style_axis(ax, value)
        per_design = sub.groupby(["solver", "dataset", "t"])[value].mean().reset_index()
        per_design[value] = plotted(per_design[value], value)
        for solver, rows in per_design.groupby("solver"):
            if solver not in colors:
                continue
            stats = rows.groupby("t")[value].agg(["mean", "min", "max", "count"]).reset_index()
            # a mean over designs only where every design of the panel has a schedule
            stats = stats[stats["count"] == sub["dataset"].nunique()]
            if stats.empty:
                continue
            handles[solver] = plot_line(ax, stats["t"], stats["mean"], colors[solver], label=solver)
            ax.fill_between(
                stats["t"], stats["min"], stats["max"], alpha=0.12, color=colors[solver]["color"]
            )
    names = sorted(handles, key=lambda s: (colors[s]["family"], s))
    figure_legend(fig, legend_handles(names, colors), names)
    fig.suptitle(title, y=1.0 + 0.2 / grid_rows)
    fig.tight_layout()
    return fig


def profile_figure(runs: pd.DataFrame, tolerance: float = metrics.TIE_TOLERANCE) -> plt.Figure:
    """The Dolan-More profile of the runs' final costs over one set of designs
    (:func:`metrics.on_every_design`: a solver not run on every design is named, not
    drawn as failing)."""
    fig, ax = plt.subplots(figsize=(6, 3.8))
    runs, left_out = metrics.on_every_design(runs)
    finished = runs.dropna(subset=["best_cost"]) if not runs.empty else runs
    if finished.empty:
        ax.text(0.5, 0.5, "no runs", ha="center", va="center", transform=ax.transAxes)
        return fig
    per_instance = finished.groupby(["dataset", "solver"])["best_cost"].median().reset_index()
    profile = metrics.performance_profile(per_instance, tolerance=tolerance)
    colors = solver_looks(finished)
    for solver, rows in profile.groupby("solver"):
        look = colors[solver]
        ax.step(
            rows["tau"],
            rows["share"],
            where="post",
            label=solver,
            color=look["color"],
            linestyle=look["linestyle"],
            marker=look["marker"],
            markersize=3,
            markevery=max(1, len(rows) // 6),
        )
    ax.set_xscale("log")  # plain numbers (1.02, 1.05) also when tau spans under a decade
    ax.xaxis.set_major_formatter(LogFormatter(labelOnlyBase=False))
    ax.xaxis.set_minor_formatter(LogFormatter(labelOnlyBase=False, minor_thresholds=(2, 1)))
    ax.set_xlabel("tau = cost / best cost on the design (ties within the tolerance: 1)")
    ax.set_ylabel("share of designs within tau")
    ax.set_title("Performance profile (final cost)")
    handles, labels = ax.get_legend_handles_labels()
    order = sorted(range(len(labels)), key=lambda i: (colors[labels[i]]["family"], labels[i]))
    ax.legend(
        [handles[i] for i in order],
        [labels[i] for i in order],
        fontsize=7,
        loc="upper left",
        bbox_to_anchor=(1.02, 1.0),
        frameon=False,
    )
    if left_out:
        ax.text(1.02, 0.0, "not run on every design,\nleft out: " + ",\n".join(left_out),
                transform=ax.transAxes, fontsize=7, va="bottom")  # fmt: skip
    fig.tight_layout()
    return fig


def markdown(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "(no runs)\n"
    cells = frame.astype(object).where(frame.notna(), "")
    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    rows = ["| " + " | ".join(str(v) for v in row) + " |" for row in cells.itertuples(index=False)]
    return "\n".join([header, rule, *rows]) + "\n"


def main_budget(runs: pd.DataFrame, points: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The runs (and their points) at the budget and thread count most runs have, runs
    stopped at a fixed epoch count aside: curves of different budgets never share an axis,
    and a solver's runs on fewer threads (a portfolio member alone on its share) never
    join its line (they stay in the tables). The one rule for "the protocol's budget"."""
    if runs.empty:
        return runs, points
    timed = runs[~runs["config"].map(fixed_epochs)] if "config" in runs else runs
    timed = timed if not timed.empty else runs
    budget = timed.groupby("budget").size().idxmax()
    main = timed[timed["budget"] == budget]
    main = main[main["threads"] == main.groupby("threads").size().idxmax()]
    return main, points[points["run_key"].isin(set(main["run_key"]))]


def default_families(datasets: list[str]) -> dict[str, list[str]]:
    """Instances drawn together when a study names no families: by collection (the name
    before ``/``, with the size its class's catalogue gives it: ``heurigym small``) and,
    for a labelled setting of a named instance (``eds/hal_1.5``), by that setting."""
    from schedbench import classes

    known = {}
    for plugin in classes.classes().values():
        known |= {name: entry.about for name, entry in plugin.datasets.items()}
    order = {name: i for i, name in enumerate(known)}  # the catalogues' order (demo first)
    families: dict[str, list[str]] = {}
    for name in sorted(datasets, key=lambda d: (order.get(d, len(order)), d)):
        head, slash, _ = name.partition("/")
        if not slash:
            families.setdefault("all", []).append(name)
            continue
        setting = re.fullmatch(r"(.+)_(\d+(?:\.\d+)?)", name)
        if name not in known and setting and setting.group(1) in known:
            key = f"{head} at {setting.group(2)}"
        else:
            size = re.search(r"\((\w+)\)$", known.get(name, ""))
            key = f"{head} {size.group(1)}" if size else head
        families.setdefault(key, []).append(name)
    return families


PANELS_MOST = 64  # beyond this many designs one panel per design is unreadable (and MBs)


def design_panels(points: pd.DataFrame, most: int = PANELS_MOST) -> dict[str, list[str]]:
    """One panel per design of the results, in natural order (rw2 before rw10); with more
    than ``most`` designs, one panel per folder of designs (``modulo/chstone/jpeg`` for
    its loops ``.../graphN``) when that gives more than one panel."""
    from schedbench.harness.tables import natural_key

    designs = sorted(set(points["dataset"]), key=natural_key) if not points.empty else []
    folders: dict[str, list[str]] = {}
    for design in designs:
        folders.setdefault(design.rsplit("/", 1)[0], []).append(design)
    if len(designs) > most and 1 < len(folders) < len(designs):
        return {f"{folder} ({len(group)})": group for folder, group in folders.items()}
    return {d: [d] for d in designs}


def make_figures(
    results_dir: Path,
    out: Path | None = None,
    formats: tuple[str, ...] = ("png", "pdf"),
    tables: tuple[pd.DataFrame, ...] | None = None,
    tolerance: float = metrics.TIE_TOLERANCE,
) -> dict[str, list[Path]]:
    """Rebuild the tables (unless ``tables``, the folder's (runs, points[, epochs]), are
    given), then the figures and tables any results folder has: per design the gap to the
    best known bound over time (``curves``) and the paper's normalization
    (``curves_paper_norm``), the performance profile and the gap table (costs within the
    relative ``tolerance`` tie); returns the files written."""
    results_dir = Path(results_dir)
    out = Path(out) if out else results_dir / "figures"
    out.mkdir(parents=True, exist_ok=True)
    every_run, every_point, *_ = tables if tables is not None else write_tables(results_dir)
    runs, points = main_budget(every_run, every_point)
    panels = design_panels(points)
    written: dict[str, list[Path]] = {}
    written["curves"] = save_figure(
        curve_panels(points, panels, "gap", GAP_LABEL, "Gap to the best known bound"),
        out,
        "curves",
        formats,
    )
    written["curves_paper"] = save_figure(
        curve_panels(
            points, panels, "norm_paper", PAPER_LABEL, "Each curve over its own first schedule"
        ),
        out,
        "curves_paper_norm",
        formats,
    )
    written["profile"] = save_figure(
        profile_figure(runs, tolerance), out, "performance_profile", formats
    )
    gaps = gap_table(runs, tolerance)
    (out / "gap_table.csv").write_text(gaps.to_csv())
    summary = [
        "# schedbench results",
        "",
        f"{len(every_run)} runs in `{results_dir}`; curves and gaps at the "
        f"{runs['budget'].iloc[0] if len(runs) else 0:g} s budget ({len(runs)} runs).",
        "",
        "## Final gap to the best known bound (%)",
        "",
        markdown(gaps.reset_index()) if not gaps.empty else "(no runs)\n",
        "## Figures",
        "",
    ]
    summary += [f"- `{p.name}`" for paths in written.values() for p in paths if p.suffix == ".png"]
    (out / "summary.md").write_text("\n".join(summary) + "\n")
    written["tables"] = [out / "gap_table.csv", out / "summary.md"]
    return written


def run_cli(make: Any, description: str, argv: list[str] | None = None) -> None:
    """``--results`` and ``--out``, then ``make(results, out)``; prints the summary (the
    gap table) and what was written. Any study's figures command is this with its own
    ``make``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--results", type=Path, default=Path("results"))
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    written = make(args.results, args.out)
    folder = written["tables"][0].parent
    print((folder / "summary.md").read_text())
    print(f"wrote {sum(len(v) for v in written.values())} files to {folder}")


def main(argv: list[str] | None = None) -> None:
    run_cli(make_figures, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    main()
