"""The paper's figures and Table 1 from a results folder, in the harness's style.

    python -m schedbench.studies.icml24.figures [--results results] [--out results/figures]

Writes, besides the harness's figures (:func:`schedbench.harness.figures.make_figures`):
Figure 3 (RW1-3, RW4-6, RW7-9, RW10-12: the gap to the best known bound over time, mean
over the panel's designs with a min-max band; ``_paper_norm``: the paper's normalization),
Figure 4 (six EPFL designs, original solid and mapped dashed; likewise), Figure 5 (GS loss
over the first 75 epochs, AdamW vs Adam) and Table 1 (``table1.csv``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from schedbench.harness import metrics
from schedbench.harness.figures import (
    GAP_LABEL,
    PAPER_LABEL,
    chart_values,
    curve_panels,
    figure_legend,
    legend_handles,
    main_budget,
    plot_line,
    plotted,
    run_cli,
    save_figure,
    solver_looks,
    style_axis,
)
from schedbench.harness.figures import make_figures as harness_figures
from schedbench.harness.tables import fixed_epochs, write_tables

RW_PANELS = {
    "RW1-RW3": ["rw1", "rw2", "rw3"],
    "RW4-RW6": ["rw4", "rw5", "rw6"],
    "RW7-RW9": ["rw7", "rw8", "rw9"],
    "RW10-RW12": ["rw10", "rw11", "rw12"],
}
EPFL = ["adder", "bar", "i2c", "max", "square", "voter"]
FIG5_EPOCHS = 75
# the report's groups of designs: the paper's four RW panels and its EPFL designs
FAMILIES = {
    **RW_PANELS,
    "EPFL": EPFL,
    "EPFL mapped": [f"{d}_m" for d in EPFL],
}
FIG5_EPOCHS = 75


def figure4(points: pd.DataFrame, value: str, ylabel: str, title: str) -> plt.Figure:
    """Six EPFL designs; original solid, mapped (_m) dashed (the key says so)."""
    fig, axes = plt.subplots(2, 3, figsize=(13, 6.5), squeeze=False)
    colors = solver_looks(points)
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
                stats = plotted(rows.groupby("t")[value].mean(), value)
                style_axis(ax, value)
                style = {"linestyle": "--"} if dashed else {}
                line = plot_line(
                    ax, stats.index, stats.values, colors[solver], label=solver, **style
                )
                handles.setdefault(solver, line)
                drawn = True
        if not drawn:
            ax.text(0.5, 0.5, "no runs", ha="center", va="center", transform=ax.transAxes)
    names = sorted(handles, key=lambda s: (colors[s]["family"], s))
    key = [
        plt.Line2D([], [], color="k", label="original design"),
        plt.Line2D([], [], color="k", ls="--", label="mapped design (_m)"),
    ]
    figure_legend(fig, legend_handles(names, colors) + key, names + [k.get_label() for k in key], 8)
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

    from schedbench.solvers.registry import resolved_options

    options = json.loads(run.get("config") or "{}").get("solver", {}).get("options", {})
    if run.get("backend") != "gs":
        return f"{run['solver']}, seed {run['seed']}"
    options = resolved_options("gs", options)  # what the YAML leaves out is the code's default
    layout = options.get("parameters", "per_node")
    return f"{options.get('optimizer', '?')}, {layout}, seed {run['seed']}"


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
    """The harness's figures, then Figures 3-5 and Table 1; returns the files written."""
    results_dir = Path(results_dir)
    out = Path(out) if out else results_dir / "figures"
    every_run, every_point, *epochs = tables if tables is not None else write_tables(results_dir)
    written = harness_figures(results_dir, out, formats, (every_run, every_point), tolerance)
    runs, points = main_budget(every_run, every_point)
    # the gap to the best known bound is the verdict's view; the paper's normalization
    # (each curve over its own first schedule) is the labelled second one
    written["fig3"] = save_figure(
        curve_panels(
            points, RW_PANELS, "gap", GAP_LABEL,
            "Figure 3, random workloads: gap to the best known bound",
        ),
        out, "fig3_rw", formats,
    )  # fmt: skip
    written["fig3_paper"] = save_figure(
        curve_panels(
            points, RW_PANELS, "norm_paper", PAPER_LABEL,
            "Figure 3 in the paper's normalization (each curve over its own first schedule)",
        ),
        out, "fig3_rw_paper_norm", formats,
    )  # fmt: skip
    written["fig4"] = save_figure(
        figure4(points, "gap", GAP_LABEL, "Figure 4, EPFL designs: gap to the best known bound"),
        out, "fig4_epfl", formats,
    )  # fmt: skip
    written["fig4_paper"] = save_figure(
        figure4(
            points, "norm_paper", PAPER_LABEL,
            "Figure 4 in the paper's normalization (each curve over its own first schedule)",
        ),
        out, "fig4_epfl_paper_norm", formats,
    )  # fmt: skip
    written["fig5"] = save_figure(
        figure5(results_dir, figure5_runs(every_run), *epochs), out, "fig5_gs_loss", formats
    )
    (out / "table1.csv").write_text(table1_frame(runs).to_csv(index=False))
    written["tables"] = [*written["tables"], out / "table1.csv"]
    return written


def main(argv: list[str] | None = None) -> None:
    run_cli(make_figures, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    main()
