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
from schedbench.harness.figures import default_families, main_budget
from schedbench.harness.svg import curve_svg
from schedbench.harness.tables import build_epochs, build_tables, gap_table

PROVENANCE = ("dataset", "solver", "seed", "budget", "status", "best_cost", "gap", "time_to_best",
              "threads", "version", "git_commit", "cpu", "command")  # fmt: skip
# the first is the default view: the gap; the paper's normalization is the second
VALUES = {
    "gap": "gap to the best known bound (%, log scale): the verdict's view",
    "norm_paper": "best / first schedule: the paper's normalization (a bad first schedule "
    "looks like progress)",
}
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
    """The profile over the designs every drawn solver ran on, naming those left out."""
    runs, left_out = metrics.on_every_design(runs)
    note = (
        f"<p>Not run on every design, left out: {html.escape(', '.join(left_out))}.</p>"
        if left_out
        else ""
    )
    finished = runs.dropna(subset=["best_cost"])
    if finished.empty:
        return "<p>(no finished runs)</p>"
    per_instance = finished.groupby(["dataset", "solver"])["best_cost"].median().reset_index()
    profile = metrics.performance_profile(per_instance, tolerance=tolerance)
    profile["tau"] = profile["tau"].clip(upper=10.0)
    stats = profile.rename(columns={"tau": "t", "share": "median"})
    stats = stats.assign(lo=stats["median"], hi=stats["median"], n=1)
    return note + curve_svg(stats, "share", "share of designs within tau of the best", colors)


def _legend(colors: dict[str, str]) -> str:
    spans = "".join(
        f'<span data-solver="{html.escape(s)}"><i class="swatch" style="background:{c}"></i>'
        f"{html.escape(s)}</span>"
        for s, c in colors.items()
    )
    return f'<div class="legend">{spans}</div>'


def _classes(runs: pd.DataFrame) -> tuple[str, bool]:
    """The report's heading (the classes of its runs) and whether it pictures progress as
    the share of instances at the best known cost (every class there says so)."""
    from schedbench import classes

    names = sorted(runs["class"].dropna().unique()) if "class" in runs else []
    known = classes.classes()
    heading = "; ".join(f"{n}: {known[n].title}" if n in known else n for n in names)
    share = bool(names) and all(n in known and known[n].picture == "share" for n in names)
    return heading, share


def build_report(
    results_dir: Path,
    tables: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame] | None = None,
    tolerance: float = metrics.TIE_TOLERANCE,
    extra: list[tuple[str, pd.DataFrame]] | None = None,
    families: dict[str, list[str]] | None = None,
    links: dict[str, str] | None = None,
) -> str:
    """The report's HTML for a results folder: its (runs, points, epochs) ``tables``, or
    the tables rebuilt from its run folders; costs within the relative ``tolerance`` tie;
    ``extra``: (title, table) sections a study adds after the gap table; ``families``:
    groups of designs drawn together (a study's: the paper's RW and EPFL panels; by
    default by collection); ``links``: other reports by name (relative paths)."""
    runs, points, epochs = tables if tables is not None else (*build_tables(results_dir), None)
    if runs.empty:
        raise ValueError(f"no runs in {results_dir}; run the harness first")
    epochs = build_epochs(results_dir, runs) if epochs is None else epochs
    main, main_points = main_budget(runs, points)
    colors = _colors(runs)
    heading, share = _classes(runs)
    families = families or default_families(list(set(main_points["dataset"])))
    others = " ".join(
        f'<a href="{html.escape(path)}">{html.escape(name)}</a>'
        for name, path in (links or {}).items()
    )
    sections = [
        f"<h1>schedbench report{': ' + html.escape(heading) if heading else ''}</h1>",
        *([f"<p>The other classes' reports: {others}.</p>"] if others else []),
        f"<p>{len(runs)} runs from <code>{html.escape(str(results_dir))}</code>, "
        f"{len(set(runs['dataset']))} designs, {runs['solver'].nunique()} solver "
        f"configurations ({len(colors)} found a schedule); machine time "
        f"{runs['wall_time'].sum() / 3600:.2f} h; budget {main['budget'].iloc[0]:g} s "
        f"(curves); generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.</p>",
        *_aside(runs, main),
        '<div id="controls">'
        + (
            ""
            if share
            else " ".join(
                f'<label><input type="radio" name="value" value="{v}"'
                f"{' checked' if not i else ''}> {html.escape(label)}</label>"
                for i, (v, label) in enumerate(VALUES.items())
            )
        )
        + _legend(colors)
        + (
            f"<p class='note'>No schedule at all (not drawn): {', '.join(missing)}; the runs "
            "table says why.</p>"
            if (missing := _no_schedule(runs))
            else ""
        )
        + "</div>",
    ]
    if share:
        sections += _share_sections(main, main_points, families, colors)
    else:
        sections += _gap_sections(main, main_points, families, colors, tolerance)
    for title, frame in extra or []:  # what a study adds (the ICML24 claims)
        sections += [f"<h2>{html.escape(title)}</h2>", _table(frame, numeric=False)]
    sections += ["<h2>Performance profile (final cost)</h2>", _profile_svg(main, colors, tolerance)]
    provenance = runs[list(PROVENANCE)].copy()
    provenance["gap"] = 100 * provenance["gap"]
    provenance = provenance.sort_values(["dataset", "solver", "budget", "seed"])
    sections += [
        "<h2>Runs</h2><p>gap in %; <code>command</code> reruns the run (a finished run is "
        "skipped: add <code>force=true</code>).</p>",
        _table(provenance),
    ]
    body = "\n".join(sections)
    title = f"schedbench report{': ' + heading if heading else ''}"
    charts = body.count('class="curves"')  # every chart drawn (a design's: twice)
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{STYLE}</style></head><body>{body}<script>{SCRIPT}</script>"
        f"<script type='application/json' id='meta'>"
        f"{json.dumps({'runs': len(runs), 'charts': charts})}</script></body></html>"
    )


def _aside(runs: pd.DataFrame, main: pd.DataFrame) -> list[str]:
    """A note naming the runs the curves and tables leave out (another budget or thread
    count; they stay in the runs table below)."""
    left = runs[~runs["run_key"].isin(set(main["run_key"]))]
    if left.empty:
        return []
    groups = left.groupby(["budget", "threads"])["solver"].agg(lambda s: ", ".join(sorted(set(s))))
    said = "; ".join(f"{b:g} s on {t} threads: {who}" for (b, t), who in groups.items())
    return [
        f"<p class='note'>{len(left)} runs at another budget or thread count are not drawn "
        f"(they are in the runs table): {html.escape(said)}.</p>"
    ]


def _share_sections(
    main: pd.DataFrame, points: pd.DataFrame, families: dict[str, list[str]],
    colors: dict[str, str],
) -> list[str]:  # fmt: skip
    """Small integer costs: per family, the share of its instances at the best known cost
    over time; then every instance's final cost against the best known and the bound."""
    sections = [
        "<h2>Families: at the best known cost over time</h2><p>Per family and solver, the "
        "share of the instances it ran on where its median over seeds is at the best cost "
        "any run found (integer costs: a gap curve would jump between 0 and tens of "
        "percent).</p><div class='charts'>"
    ]
    for family, designs in {"every instance": sorted(set(main["dataset"])), **families}.items():
        inside = main[main["dataset"].isin(designs)]
        if not inside.empty:
            frame = metrics.share_at_best(points[points["dataset"].isin(designs)], inside)
            title = f"{family} ({inside['dataset'].nunique()})"
            sections.append(
                f"<div class='chart'>{curve_svg(frame, 'at_best', title, colors)}</div>"
            )
    sections += [
        "</div><h2>Final cost per instance</h2><p>Median over seeds (range when the seeds "
        "differ); <code>best known</code>: the lowest cost any run found, <code>bound"
        "</code>: the best known lower bound, <code>optimal</code>: they meet.</p>",
        _table(metrics.final_costs(main), numeric=False),
    ]
    return sections


def _gap_sections(
    main: pd.DataFrame, main_points: pd.DataFrame, families: dict[str, list[str]],
    colors: dict[str, str], tolerance: float,
) -> list[str]:  # fmt: skip
    """Gap curves per family and per design (both normalizations), then the gap table."""
    sections = [
        "<p>The gap is (cost - B) / cost with B the best known lower bound, in %. The "
        "paper's normalization divides each curve by its own first schedule, so a solver "
        "whose first schedule is bad looks like it improves most: it is shown for "
        "comparison with the paper, not as the verdict.</p>",
        "<h2>Families</h2><p>Mean over the family's designs of each design's median over "
        "seeds, drawn where every seed of every design has a schedule (hollow points: some "
        "have none yet); the band spans the designs.</p><div class='charts'>",
    ]
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
    return sections


def write_report(
    results_dir: Path,
    out: Path | None = None,
    tables: Any = None,
    tolerance: float = metrics.TIE_TOLERANCE,
    extra: list[tuple[str, pd.DataFrame]] | None = None,
    families: dict[str, list[str]] | None = None,
    links: dict[str, str] | None = None,
) -> Path:
    """Write the report (default: ``report.html`` in the folder); ``tables``,
    ``tolerance``, ``extra``, ``families`` and ``links`` as above."""
    out = Path(out) if out else Path(results_dir) / "report.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(build_report(Path(results_dir), tables, tolerance, extra, families, links))
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
