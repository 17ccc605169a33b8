"""One anytime chart as inline SVG: median line, min-max band, hoverable points, both
axis labels; drawn here so the report stays one small file that needs no network."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from schedbench.harness.figures import GAP_FLOOR

Y_LABELS = {
    "gap": "gap to best bound (%)",
    "norm_paper": "best / first schedule",
    "share": "share of designs",
    "at_best": "share at the best known cost",
}
W, H, PAD_L, PAD_R, PAD_T, PAD_B = 360, 230, 62, 10, 22, 30


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
            f'<text x="{px(tick):.1f}" y="{H - 14}" text-anchor="middle">{tick:.3g}</text>'
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
