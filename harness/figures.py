"""Figures and tables from stored results only (never from a live run).

    python -m schedbench.harness.figures [--results results] [--out results/figures]

Writes PNG and PDF of: Figure 3 (RW1-3, RW4-6, RW7-9, RW10-12: the gap to the best known
bound over time, mean over the panel's designs with a min-max band; ``_paper_norm``: the
same in the paper's normalization), Figure 4 (six EPFL designs, original solid and mapped
dashed; likewise), Figure 5 (GS loss over the first 75 epochs, AdamW vs Adam), a
performance profile; and Markdown/CSV of Table 1 and the final-gap table, plus
``summary.md``. Colours by solver family (:mod:`.palette`), gaps in %.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from schedbench.harness import metrics, palette
from schedbench.harness.tables import fixed_epochs, gap_table, write_tables

RW_PANELS = {
    "RW1-RW3": ["rw1", "rw2", "rw3"],
    "RW4-RW6": ["rw4", "rw5", "rw6"],
    "RW7-RW9": ["rw7", "rw8", "rw9"],
    "RW10-RW12": ["rw10", "rw11", "rw12"],
}
EPFL = ["adder", "bar", "i2c", "max", "square", "voter"]
FIG5_EPOCHS = 75
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


def _series(values: pd.Series, value: str) -> pd.Series:
    return values.clip(lower=GAP_FLOOR) if value == "gap" else values


def _axis(ax: plt.Axes, value: str) -> None:
    if value == "gap":
        from matplotlib.ticker import LogFormatter

        ax.set_yscale("log")  # plain numbers (20, 30, 50), labelled within a decade too
        ax.yaxis.set_major_formatter(LogFormatter(labelOnlyBase=False))
        ax.yaxis.set_minor_formatter(LogFormatter(labelOnlyBase=False, minor_thresholds=(2, 1)))


def _save(
    fig: plt.Figure, out: Path, name: str, formats: tuple[str, ...] = ("png", "pdf")
) -> list[Path]:
    paths = [out / f"{name}.{fmt}" for fmt in formats]
    for path in paths:
        fig.savefig(path, dpi=150, bbox_inches="tight")
    plt.close(fig)
    return paths


def _colors(points: pd.DataFrame) -> dict[str, dict[str, str]]:
    """Each solver that found a schedule: its family's colour, its marker and line style
    (:mod:`.palette`); solvers without one (skipped, failed) stay out of the legend."""
    found = points.dropna(subset=["best_cost"]) if not points.empty else points
    return palette.style(found["solver"].unique() if not found.empty else [])


def _plot(ax: plt.Axes, x, y, look: dict[str, str], **kwargs: Any) -> Any:
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


def _key(solvers: list[str], colors: dict[str, dict[str, str]]) -> list:
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


def _legend(fig: plt.Figure, handles: list, labels: list[str], columns: int = 7) -> None:
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
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.4), squeeze=False)
    colors = _colors(points)
    points = chart_values(points, value)
    handles: dict[str, Any] = {}
    for ax, (panel, designs) in zip(axes[0], panels.items(), strict=True):
        sub = points[points["dataset"].isin(designs)] if not points.empty else points
        ax.set_title(panel)
        ax.set_xlabel("time (s)")
        ax.set_ylabel(ylabel)
        if sub.empty:
            ax.text(0.5, 0.5, "no runs", ha="center", va="center", transform=ax.transAxes)
            continue
        _axis(ax, value)
        per_design = sub.groupby(["solver", "dataset", "t"])[value].mean().reset_index()
        per_design[value] = _series(per_design[value], value)
        for solver, rows in per_design.groupby("solver"):
            if solver not in colors:
                continue
            stats = rows.groupby("t")[value].agg(["mean", "min", "max", "count"]).reset_index()
            # a mean over designs only where every design of the panel has a schedule
            stats = stats[stats["count"] == sub["dataset"].nunique()]
            if stats.empty:
                continue
            handles[solver] = _plot(ax, stats["t"], stats["mean"], colors[solver], label=solver)
            ax.fill_between(
                stats["t"], stats["min"], stats["max"], alpha=0.12, color=colors[solver]["color"]
            )
    names = sorted(handles, key=lambda s: (colors[s]["family"], s))
    _legend(fig, _key(names, colors), names)
    fig.suptitle(title, y=1.2)
    fig.tight_layout()
    return fig


def figure4(points: pd.DataFrame, value: str, ylabel: str, title: str) -> plt.Figure:
    """Six EPFL designs; original solid, mapped (_m) dashed (the key says so)."""
    fig, axes = plt.subplots(2, 3, figsize=(13, 6.5), squeeze=False)
    colors = _colors(points)
    points = chart_values(points, value)
    handles: dict[str, Any] = {}
    for ax, design in zip(axes.ravel(), EPFL, strict=True):
        ax.set_title(f"{design} (solid) / {design}_m (dashed)")
        ax.set_xlabel("time (s)")
        ax.set_ylabel(ylabel)
        drawn = False
        for name, dashed in ((design, False), (f"{design}_m", True)):
            sub = points[points["dataset"] == name] if not points.empty else points
            for solver, rows in sub.groupby("solver") if not sub.empty else []:
                if solver not in colors:
                    continue
                stats = _series(rows.groupby("t")[value].mean(), value)
                _axis(ax, value)
                style = {"linestyle": "--"} if dashed else {}
                line = _plot(ax, stats.index, stats.values, colors[solver], label=solver, **style)
                handles.setdefault(solver, line)
                drawn = True
        if not drawn:
            ax.text(0.5, 0.5, "no runs", ha="center", va="center", transform=ax.transAxes)
    names = sorted(handles, key=lambda s: (colors[s]["family"], s))
    key = [
        plt.Line2D([], [], color="k", label="original design"),
        plt.Line2D([], [], color="k", ls="--", label="mapped design (_m)"),
    ]
    _legend(fig, _key(names, colors) + key, names + [k.get_label() for k in key], 8)
    fig.suptitle(title, y=1.1)
    fig.tight_layout()
    return fig


def figure5(
    results_dir: Path, runs: pd.DataFrame, epochs: pd.DataFrame | None = None
) -> plt.Figure:
    """Figure 5 for every run with epoch records (the epochs table): per design (columns)
    the loss over the first 75 epochs (top) and the cost (bottom): the best so far
    (solid), the batch's mean (dashed: for GS it rises after the best stops improving, the
    paper's "overfitting") and GS's reference incumbent rule (dotted), where recorded. One
    colour per solver, optimizer, layout and seed."""
    from schedbench.harness.tables import build_epochs

    if epochs is None:
        epochs = build_epochs(results_dir, runs)
    elif not runs.empty and not epochs.empty:  # a table of every run's epochs: these runs'
        epochs = epochs[epochs["run_key"].isin(set(runs["run_key"]))]
    curves = []
    if not runs.empty and not epochs.empty:
        by_key = runs.set_index("run_key")
        for (key, _seed), rows in epochs.groupby(["run_key", "seed"], sort=False):
            run = by_key.loc[key]
            run = run.iloc[0] if isinstance(run, pd.DataFrame) else run
            run = run.copy()
            run["seed"] = _seed
            curves.append((run, rows.sort_values("epoch").head(FIG5_EPOCHS)))
    designs = sorted({str(run["dataset"]) for run, _ in curves}, key=_design_order)
    columns = max(1, len(designs))
    fig, axes = plt.subplots(2, columns, figsize=(3.6 * columns, 6.0), squeeze=False, sharex=True)
    if not curves:
        axes[0, 0].text(
            0.5, 0.5, "no epoch records", ha="center", va="center", transform=axes[0, 0].transAxes
        )
        return fig
    labels = sorted({_curve_label(run) for run, _ in curves})
    colours = {label: plt.get_cmap("tab10")(i % 10) for i, label in enumerate(labels)}
    for run, epochs in curves:
        column = designs.index(str(run["dataset"]))
        label = _curve_label(run)
        colour = colours[label]
        loss_ax, cost_ax = axes[0, column], axes[1, column]
        loss_ax.plot(epochs["epoch"], epochs["loss"], color=colour, label=label)
        cost_ax.plot(epochs["epoch"], epochs["best_cost"], color=colour)
        for column, style in (("mean_cost", "--"), ("reference_cost", ":")):
            if column in epochs and epochs[column].notna().any():
                cost_ax.plot(epochs["epoch"], epochs[column], color=colour, ls=style, lw=0.9)
    for column, design in enumerate(designs):
        axes[0, column].set_title(design)
        axes[1, column].set_xlabel("epoch")
        axes[1, column].set_yscale("log")
    axes[0, 0].set_ylabel("loss (lambda L_e + L_c), batch mean")
    axes[1, 0].set_ylabel("cost R*peak + comm")
    axes[0, 0].legend(fontsize=7)
    styles = [
        plt.Line2D([], [], color="k", label="best so far (all B samples scored)"),
        plt.Line2D([], [], color="k", ls="--", lw=0.9, label="batch mean"),
        plt.Line2D([], [], color="k", ls=":", lw=0.9, label="reference's incumbent rule"),
    ]
    axes[1, 0].legend(handles=styles, fontsize=7)
    fig.suptitle(f"GS, first {FIG5_EPOCHS} epochs")
    fig.tight_layout()
    return fig


def _design_order(design: str) -> tuple[int, str]:
    """RW designs first (by number), then the rest by name."""
    if design.startswith("rw") and design[2:].isdigit():
        return (int(design[2:]), "")
    return (1000, design)


def _curve_label(run: pd.Series) -> str:
    import json

    options = json.loads(run.get("config") or "{}").get("solver", {}).get("options", {})
    if run.get("backend") != "gs":
        return f"{run['solver']}, seed {run['seed']}"
    layout = options.get("parameters", "per_node")
    return f"{options.get('optimizer', '?')}, {layout}, seed {run['seed']}"


def profile_figure(runs: pd.DataFrame, tolerance: float = metrics.TIE_TOLERANCE) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(6, 3.8))
    finished = runs.dropna(subset=["best_cost"]) if not runs.empty else runs
    if finished.empty:
        ax.text(0.5, 0.5, "no runs", ha="center", va="center", transform=ax.transAxes)
        return fig
    per_instance = finished.groupby(["dataset", "solver"])["best_cost"].mean().reset_index()
    profile = metrics.performance_profile(per_instance, tolerance=tolerance)
    colors = _colors(finished)
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
    ax.set_xscale("log")
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
    fig.tight_layout()
    return fig


def table1_frame(runs: pd.DataFrame) -> pd.DataFrame:
    """Sizes of every stored design beside the paper's stated values."""
    from schedbench.datasets import registry

    if runs.empty:
        return runs
    sizes = runs.groupby("dataset")[["n", "m", "depth", "total_weight"]].first().reset_index()
    stated = []
    for name in sizes["dataset"]:
        try:
            entry = registry.info(name)
            stated.append((entry.paper_nodes, entry.paper_depth))
        except ValueError:
            stated.append((None, None))
    sizes["paper_nodes"] = [s[0] for s in stated]
    sizes["paper_depth"] = [s[1] for s in stated]
    return sizes


def markdown(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "(no runs)\n"
    cells = frame.astype(object).where(frame.notna(), "")
    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    rows = ["| " + " | ".join(str(v) for v in row) + " |" for row in cells.itertuples(index=False)]
    return "\n".join([header, rule, *rows]) + "\n"


def main_budget(runs: pd.DataFrame, points: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The runs (and their points) at the budget and thread count most runs have: curves
    of different budgets never share an axis, and a solver's runs on fewer threads (a
    portfolio member alone on its share) never join its line (they stay in the tables)."""
    if runs.empty:
        return runs, points
    budget = runs.groupby("budget").size().idxmax()
    main = runs[runs["budget"] == budget]
    main = main[main["threads"] == main.groupby("threads").size().idxmax()]
    return main, points[points["run_key"].isin(set(main["run_key"]))]


def figure5_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """Figure 5's runs: those stopped at a fixed epoch count (``+experiment=fig5``) when
    the folder has any, else every run (each run with epoch records is drawn)."""
    if runs.empty:
        return runs
    capped = runs["config"].map(fixed_epochs)
    return runs[capped] if capped.any() else runs


def make_figures(
    results_dir: Path,
    out: Path | None = None,
    formats: tuple[str, ...] = ("png", "pdf"),
    tables: tuple[pd.DataFrame, ...] | None = None,
    tolerance: float = metrics.TIE_TOLERANCE,
) -> dict[str, list[Path]]:
    """Rebuild the tables (unless ``tables``, the folder's (runs, points[, epochs]), are
    given), then every figure and table (costs within the relative ``tolerance`` tie);
    returns the files written."""
    results_dir = Path(results_dir)
    out = Path(out) if out else results_dir / "figures"
    out.mkdir(parents=True, exist_ok=True)
    every_run, every_point, *epochs = tables if tables is not None else write_tables(results_dir)
    runs, points = main_budget(every_run, every_point)
    written: dict[str, list[Path]] = {}
    # the gap to the best known bound is the verdict's view; the paper's normalization
    # (each curve over its own first schedule) is the labelled second one
    written["fig3"] = _save(
        curve_panels(
            points,
            RW_PANELS,
            "gap",
            GAP_LABEL,
            "Figure 3, random workloads: gap to the best known bound",
        ),
        out,
        "fig3_rw",
        formats,
    )
    written["fig3_paper"] = _save(
        curve_panels(
            points,
            RW_PANELS,
            "norm_paper",
            PAPER_LABEL,
            "Figure 3 in the paper's normalization (each curve over its own first schedule)",
        ),
        out,
        "fig3_rw_paper_norm",
        formats,
    )
    written["fig4"] = _save(
        figure4(points, "gap", GAP_LABEL, "Figure 4, EPFL designs: gap to the best known bound"),
        out,
        "fig4_epfl",
        formats,
    )
    written["fig4_paper"] = _save(
        figure4(
            points,
            "norm_paper",
            PAPER_LABEL,
            "Figure 4 in the paper's normalization (each curve over its own first schedule)",
        ),
        out,
        "fig4_epfl_paper_norm",
        formats,
    )
    written["fig5"] = _save(
        figure5(results_dir, figure5_runs(every_run), *epochs), out, "fig5_gs_loss", formats
    )
    written["profile"] = _save(profile_figure(runs, tolerance), out, "performance_profile", formats)
    gaps = gap_table(runs, tolerance)
    table1 = table1_frame(runs)
    (out / "gap_table.csv").write_text(gaps.to_csv())
    (out / "table1.csv").write_text(table1.to_csv(index=False))
    summary = [
        "# schedbench results",
        "",
        f"{len(every_run)} runs in `{results_dir}`; curves and gaps at the "
        f"{runs['budget'].iloc[0] if len(runs) else 0:g} s budget ({len(runs)} runs).",
        "",
        "## Final gap to the best known bound (%)",
        "",
        markdown(gaps.reset_index()) if not gaps.empty else "(no runs)\n",
        "## Table 1 (designs in these results)",
        "",
        markdown(table1),
        "## Figures",
        "",
    ]
    summary += [f"- `{p.name}`" for paths in written.values() for p in paths if p.suffix == ".png"]
    (out / "summary.md").write_text("\n".join(summary) + "\n")
    written["tables"] = [out / "gap_table.csv", out / "table1.csv", out / "summary.md"]
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=Path("results"))
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    written = make_figures(args.results, args.out)
    runs_csv = args.results / "runs.csv"
    runs = pd.read_csv(runs_csv) if runs_csv.stat().st_size > 1 else pd.DataFrame()
    print("Final gap to the best known bound (%):")
    print(gap_table(runs).to_string() if not runs.empty else "(no runs)")
    print(f"wrote {sum(len(v) for v in written.values())} files to {written['tables'][0].parent}")


if __name__ == "__main__":
    main()
