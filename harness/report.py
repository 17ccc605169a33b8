"""A single-file HTML report of a results folder: opens from disk, needs no network.

    python -m schedbench.harness.report [--results results] [--out results/report.html]

Curves per design and per family (median over seeds, min-max band; hover a point for its
numbers, click a solver in the legend to hide it everywhere, switch between the paper's
normalization and the gap to the best known bound), the gap table, the tables a study adds
(the ICML24 verdict: its claims), the performance profile, and per run its provenance and
the command that reruns it.

The charts are SVG drawn here, with a few lines of inline JavaScript for the toggles: an
inlined plotting bundle (plotly's is ~4.8 MB) would make every committed report that big
and every regeneration another copy of it in git history.
"""

from __future__ import annotations

import argparse
import html
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from schedbench.harness import metrics, palette
from schedbench.harness.figures import GAP_FLOOR, main_budget
from schedbench.harness.tables import build_epochs, build_tables, gap_table

# the first is the default view: the gap; the paper's normalization is the second
VALUES = {
    "gap": "gap to the best known bound (%, log scale): the verdict's view",
    "norm_paper": "best / first schedule: the paper's normalization (a bad first schedule "
    "looks like progress)",
}
Y_LABELS = {
    "gap": "gap to best bound (%)",
    "norm_paper": "best / first schedule",
    "share": "share of designs",
}
W, H, PAD_L, PAD_R, PAD_T, PAD_B = 360, 230, 62, 10, 22, 30

STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.5em}h2{margin-top:1.8em;border-bottom:1px solid #ccc}
.charts{display:flex;flex-wrap:wrap;gap:10px}.chart{border:1px solid #ddd}
svg text{font:11px sans-serif}.axis{stroke:#999}.grid{stroke:#eee}
.legend span{display:inline-block;margin:2px 8px 2px 0;cursor:pointer;user-select:none}
.legend span.off{opacity:.3;text-decoration:line-through}
.swatch{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px}
table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ddd;padding:2px 6px}
th{background:#f4f4f4}td.num{text-align:right}code{font-size:11px}
.hidden{display:none}#controls{position:sticky;top:0;background:#fff;padding:6px 0;z-index:1}
.note{color:#555;margin:2px 0}
"""

SCRIPT = """
const off = new Set();
function apply() {
  for (const el of document.querySelectorAll('[data-solver]')) {
    el.classList.toggle('hidden', off.has(el.dataset.solver) && !el.matches('.legend span'));
  }
  for (const el of document.querySelectorAll('.legend span'))
    el.classList.toggle('off', off.has(el.dataset.solver));
}
for (const el of document.querySelectorAll('.legend span')) {
  el.addEventListener('click', () => {
    const s = el.dataset.solver; off.has(s) ? off.delete(s) : off.add(s); apply();
  });
}
for (const input of document.querySelectorAll('input[name=value]')) {
  input.addEventListener('change', () => {
    for (const el of document.querySelectorAll('[data-value]'))
      el.classList.toggle('hidden', el.dataset.value !== input.value);
  });
}
document.body.dataset.ready = document.querySelectorAll('svg.curves').length + ' charts';
"""


def _colors(runs: pd.DataFrame) -> dict[str, str]:
    """Solvers that found a schedule, by family, in their family's shade
    (:mod:`.palette`, as in the figures); solvers without any schedule are left out."""
    styles = palette.style(runs.dropna(subset=["best_cost"])["solver"])
    order = sorted(styles, key=lambda s: (styles[s]["family"], s))
    return {s: styles[s]["color"] for s in order}


def _no_schedule(runs: pd.DataFrame) -> list[str]:
    """Solvers that never found a schedule (skipped, failed): named, not drawn."""
    return sorted(set(runs["solver"]) - set(runs.dropna(subset=["best_cost"])["solver"]))


def _number(x: float) -> str:
    if not np.isfinite(x):
        return "-"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.4g}"


def _scale(lo: float, hi: float, log: bool, size: float, flip: bool):
    if log:
        lo, hi = np.log10(lo), np.log10(hi)
    span = hi - lo or 1.0

    def to(v: float) -> float:
        v = np.log10(v) if log else v
        frac = (v - lo) / span
        return (1 - frac) * size if flip else frac * size

    return to


def _ticks(lo: float, hi: float, log: bool) -> list[float]:
    """Round tick values inside [lo, hi] (matplotlib's locators)."""
    from matplotlib.ticker import LogLocator, MaxNLocator

    locator = LogLocator(numticks=6) if log else MaxNLocator(5)
    return [float(v) for v in locator.tick_values(lo, hi) if lo <= v <= hi]


def curve_svg(stats: pd.DataFrame, value: str, title: str, colors: dict[str, str]) -> str:
    """One chart: ``stats`` has solver, t, median, lo, hi (over seeds or designs), n and
    ``of`` (how many there are): the line joins the points where all ``of`` have a value;
    a point with fewer is drawn hollow, its tooltip saying how many."""
    log = value == "gap"
    stats = stats[stats["solver"].isin(colors)]
    found = stats.dropna(subset=["median"])
    parts = [f'<svg class="curves" width="{W}" height="{H}" viewBox="0 0 {W} {H}">']
    parts.append(f'<text x="{W / 2}" y="14" text-anchor="middle">{html.escape(title)}</text>')
    if found.empty:
        parts.append(f'<text x="{W / 2}" y="{H / 2}" text-anchor="middle">no schedule</text>')
        return "".join(parts) + "</svg>"
    values = np.r_[found["lo"], found["hi"], found["median"]]
    values = np.clip(values, GAP_FLOOR, None) if log else values
    lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
    if not log:
        margin = 0.05 * (hi - lo or abs(hi) or 1.0)
        lo, hi = lo - margin, hi + margin
    elif hi <= lo:
        hi = lo * 10
    t_max = float(stats["t"].max()) or 1.0
    plot_w, plot_h = W - PAD_L - PAD_R, H - PAD_T - PAD_B
    x = _scale(0.0, t_max, False, plot_w, False)
    y = _scale(lo, hi, log, plot_h, True)

    def px(t: float) -> float:
        return PAD_L + x(t)

    def py(v: float) -> float:
        return PAD_T + y(max(v, GAP_FLOOR) if log else v)

    for tick in _ticks(lo, hi, log):
        parts.append(
            f'<line class="grid" x1="{PAD_L}" x2="{W - PAD_R}" y1="{py(tick):.1f}" '
            f'y2="{py(tick):.1f}"/><text x="{PAD_L - 3}" y="{py(tick) + 4:.1f}" '
            f'text-anchor="end">{tick:.3g}</text>'
        )
    for tick in np.linspace(0, t_max, 6):
        parts.append(
            f'<text x="{px(tick):.1f}" y="{H - 14}" text-anchor="middle">{tick:.0f}</text>'
        )
    x_label = "time (s)" if value != "share" else "tau = cost / best cost (capped at 10)"
    parts.append(f'<text x="{W / 2}" y="{H - 2}" text-anchor="middle">{x_label}</text>')
    y_mid = PAD_T + plot_h / 2
    parts.append(
        f'<text class="ylabel" x="12" y="{y_mid:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 12 {y_mid:.1f})">{html.escape(Y_LABELS.get(value, value))}</text>'
    )
    parts.append(
        f'<line class="axis" x1="{PAD_L}" x2="{PAD_L}" y1="{PAD_T}" y2="{H - PAD_B}"/>'
        f'<line class="axis" x1="{PAD_L}" x2="{W - PAD_R}" y1="{H - PAD_B}" y2="{H - PAD_B}"/>'
    )
    for solver, rows in found.groupby("solver"):
        rows = rows.sort_values("t")
        color = colors[solver]
        group = [f'<g data-solver="{html.escape(solver)}">']
        complete = rows["n"] >= rows["of"] if "of" in rows else pd.Series(True, rows.index)
        partial, rows = rows[~complete], rows[complete]
        for row in partial.itertuples():
            tip = f"{solver}, t = {row.t:g} s: {_number(row.median)} ({row.n} of {row.of} only)"
            group.append(
                f'<circle cx="{px(row.t):.1f}" cy="{py(row.median):.1f}" r="2.6" fill="#fff" '
                f'stroke="{color}"><title>{html.escape(tip)}</title></circle>'
            )
        if rows.empty:
            parts.append("".join(group) + "</g>")
            continue
        if (rows["hi"] > rows["lo"]).any():
            upper = [f"{px(t):.1f},{py(v):.1f}" for t, v in zip(rows["t"], rows["hi"], strict=True)]
            lower = [f"{px(t):.1f},{py(v):.1f}" for t, v in zip(rows["t"], rows["lo"], strict=True)]
            group.append(
                f'<polygon points="{" ".join(upper + lower[::-1])}" fill="{color}" '
                'fill-opacity="0.15" stroke="none"/>'
            )
        line = " ".join(
            f"{px(t):.1f},{py(v):.1f}" for t, v in zip(rows["t"], rows["median"], strict=True)
        )
        group.append(f'<polyline points="{line}" fill="none" stroke="{color}" stroke-width="1.6"/>')
        for row in rows.itertuples():
            tip = f"{solver}, t = {row.t:g} s: {_number(row.median)}" + (
                f" (range {_number(row.lo)}-{_number(row.hi)}, {row.n} runs)" if row.n > 1 else ""
            )
            group.append(
                f'<circle cx="{px(row.t):.1f}" cy="{py(row.median):.1f}" r="2.6" fill="{color}">'
                f"<title>{html.escape(tip)}</title></circle>"
            )
        parts.append("".join(group) + "</g>")
    return "".join(parts) + "</svg>"


def design_stats(points: pd.DataFrame, value: str) -> pd.DataFrame:
    """Per design, solver and time: median and range over the seeds with a schedule
    (``n``) of the run's seeds (``of``); the gap in %."""
    frame = points.assign(**{value: 100 * points[value]}) if value == "gap" else points
    grouped = frame.groupby(["dataset", "solver", "t"])[value]
    stats = grouped.agg(median="median", lo="min", hi="max", n="count").reset_index()
    seeds = frame.groupby(["dataset", "solver"])["seed"].nunique().rename("of")
    return stats.join(seeds, on=["dataset", "solver"])


def family_stats(points: pd.DataFrame, value: str, designs: list[str]) -> pd.DataFrame:
    """Per solver and time over a family: mean of the designs' medians (where all seeds
    of a design have a schedule), min-max band; ``n`` designs of the ``of`` it ran on."""
    per_design = design_stats(points[points["dataset"].isin(designs)], value)
    ran = per_design.groupby("solver")["dataset"].nunique().rename("of")
    per_design = per_design[per_design["n"] >= per_design["of"]]
    grouped = per_design.groupby(["solver", "t"])["median"]
    stats = grouped.agg(median="mean", lo="min", hi="max", n="count").reset_index()
    return stats.join(ran, on="solver")


def _chart_pair(make, title: str, colors: dict[str, str]) -> str:
    """The chart in both normalizations; the second is hidden until selected."""
    cells = []
    for i, value in enumerate(VALUES):
        hidden = " hidden" if i else ""
        cells.append(
            f'<div class="chart{hidden}" data-value="{value}">'
            f"{curve_svg(make(value), value, title, colors)}</div>"
        )
    return "".join(cells)


def _table(frame: pd.DataFrame, numeric: bool = True) -> str:
    if frame.empty:
        return "<p>(none)</p>"
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = []
        for value in row:
            if isinstance(value, int | float | np.number) and numeric:
                text = "" if pd.isna(value) else f"{value:,.3f}".rstrip("0").rstrip(".")
                cells.append(f'<td class="num">{text}</td>')
            else:
                cells.append(f"<td>{html.escape('' if pd.isna(value) else str(value))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _profile_svg(runs: pd.DataFrame, colors: dict[str, str], tolerance: float) -> str:
    finished = runs.dropna(subset=["best_cost"])
    if finished.empty:
        return "<p>(no finished runs)</p>"
    per_instance = finished.groupby(["dataset", "solver"])["best_cost"].median().reset_index()
    profile = metrics.performance_profile(per_instance, tolerance=tolerance)
    profile["tau"] = profile["tau"].clip(upper=10.0)
    stats = profile.rename(columns={"tau": "t", "share": "median"})
    stats = stats.assign(lo=stats["median"], hi=stats["median"], n=1)
    return curve_svg(stats, "share", "share of designs within tau of the best", colors)


def _legend(colors: dict[str, str]) -> str:
    spans = "".join(
        f'<span data-solver="{html.escape(s)}"><i class="swatch" style="background:{c}"></i>'
        f"{html.escape(s)}</span>"
        for s, c in colors.items()
    )
    return f'<div class="legend">{spans}</div>'


def build_report(
    results_dir: Path,
    tables: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame] | None = None,
    tolerance: float = metrics.TIE_TOLERANCE,
    extra: list[tuple[str, pd.DataFrame]] | None = None,
    families: dict[str, list[str]] | None = None,
) -> str:
    """The report's HTML for a results folder: its (runs, points, epochs) ``tables``, or
    the tables rebuilt from its run folders; costs within the relative ``tolerance`` tie;
    ``extra``: (title, table) sections a study adds after the gap table; ``families``:
    groups of designs drawn together (a study's: the paper's RW and EPFL panels)."""
    runs, points, epochs = tables if tables is not None else (*build_tables(results_dir), None)
    if runs.empty:
        raise ValueError(f"no runs in {results_dir}; run the harness first")
    epochs = build_epochs(results_dir, runs) if epochs is None else epochs
    main, main_points = main_budget(runs, points)
    colors = _colors(runs)
    sections = [
        "<h1>schedbench report</h1>",
        f"<p>{len(runs)} runs from <code>{html.escape(str(results_dir))}</code>, "
        f"{len(set(runs['dataset']))} designs, {runs['solver'].nunique()} solver "
        f"configurations ({len(colors)} found a schedule); machine time "
        f"{runs['wall_time'].sum() / 3600:.2f} h; budget {main['budget'].iloc[0]:g} s "
        f"(curves); generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.</p>",
        '<div id="controls">'
        + " ".join(
            f'<label><input type="radio" name="value" value="{v}"{" checked" if not i else ""}>'
            f" {html.escape(label)}</label>"
            for i, (v, label) in enumerate(VALUES.items())
        )
        + _legend(colors)
        + (
            f"<p class='note'>No schedule at all (not drawn): {', '.join(missing)}; the runs "
            "table says why.</p>"
            if (missing := _no_schedule(runs))
            else ""
        )
        + "</div>",
        "<p>The gap is (cost - B) / cost with B the best known lower bound, in %. The "
        "paper's normalization divides each curve by its own first schedule, so a solver "
        "whose first schedule is bad looks like it improves most: it is shown for "
        "comparison with the paper, not as the verdict.</p>",
        "<h2>Families</h2><p>Mean over the family's designs of each design's median over "
        "seeds, drawn where every seed of every design has a schedule (hollow points: some "
        "have none yet); the band spans the designs.</p><div class='charts'>",
    ]
    families = families or {}
    for family, designs in families.items():
        if main_points["dataset"].isin(designs).any():
            sections.append(
                _chart_pair(lambda v, d=designs: family_stats(main_points, v, d), family, colors)
            )
    sections.append(
        "</div><h2>Designs</h2><p>Median over seeds, band: min-max over seeds; the line "
        "joins the points where every seed has a schedule (hollow: some have none yet)."
        "</p><div class='charts'>"
    )
    order = [d for ds in families.values() for d in ds]
    designs = sorted(
        set(main_points["dataset"]),
        key=lambda d: (d not in order, order.index(d) if d in order else 0, d),
    )
    stats = {v: design_stats(main_points, v) for v in VALUES}
    for design in designs:
        sections.append(
            _chart_pair(lambda v, d=design: stats[v][stats[v]["dataset"] == d], design, colors)
        )
    sections.append("</div>")
    gaps = gap_table(main, tolerance).reset_index()
    sections += [
        "<h2>Final gap to the best known bound (%)</h2><p>Median over seeds; "
        f"<code>best</code>: the solvers within {tolerance:g} (relative) of the design's "
        "lowest cost; an empty cell: no schedule on that design (or not run there).</p>",
        _table(gaps),
    ]
    for title, frame in extra or []:  # what a study adds (the ICML24 claims)
        sections += [f"<h2>{html.escape(title)}</h2>", _table(frame, numeric=False)]
    sections += ["<h2>Performance profile (final cost)</h2>", _profile_svg(main, colors, tolerance)]
    provenance = runs[
        [
            "dataset",
            "solver",
            "seed",
            "budget",
            "status",
            "best_cost",
            "gap",
            "time_to_best",
            "threads",
            "version",
            "git_commit",
            "cpu",
            "command",
        ]
    ].copy()
    provenance["gap"] = 100 * provenance["gap"]
    provenance = provenance.sort_values(["dataset", "solver", "budget", "seed"])
    sections += [
        "<h2>Runs</h2><p>gap in %; <code>command</code> reruns the run (a finished run is "
        "skipped: add <code>force=true</code>).</p>",
        _table(provenance),
    ]
    body = "\n".join(sections)
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>schedbench report</title>"
        f"<style>{STYLE}</style></head><body>{body}<script>{SCRIPT}</script>"
        f"<script type='application/json' id='meta'>"
        f"{json.dumps({'runs': len(runs), 'charts': len(designs)})}</script></body></html>"
    )


def write_report(
    results_dir: Path,
    out: Path | None = None,
    tables: Any = None,
    tolerance: float = metrics.TIE_TOLERANCE,
    extra: list[tuple[str, pd.DataFrame]] | None = None,
    families: dict[str, list[str]] | None = None,
) -> Path:
    """Write the report (default: ``report.html`` in the folder); ``tables``,
    ``tolerance``, ``extra`` and ``families`` as above."""
    out = Path(out) if out else Path(results_dir) / "report.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(build_report(Path(results_dir), tables, tolerance, extra, families))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=Path("results"))
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    try:
        path = write_report(args.results, args.out)
    except ValueError as err:
        raise SystemExit(f"error: {err}") from None
    print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
