"""Anytime-quality metrics on best-so-far curves (gap and reference: docs/problems/icml24.md).

A curve is a sequence of (t, cost) incumbents sorted by time; the best cost at time t is
that of the last incumbent found at or before t (undefined before the first).

- paper normalization: best(t) / first incumbent of that method (each curve starts at 1);
- common normalization: best(t) / cost of the ASAP schedule (the same for every method);
- gap(t) = (best(t) - B) / best(t), B the best known bound (max over every bound proved);
- primal integral (Berthold 2013): integral over [0, T] of the primal gap function
  p(t) = 1 before the first incumbent, (best(t) - B) / max(best(t), B) after; divided by T
  here so that it is in [0, 1] and comparable across budgets;
- time to target: the first t with gap(t) <= target;
- performance profile (Dolan & More 2002): for each method, the share of instances whose
  ratio to the best method is within tau;
- shifted geometric mean: exp(mean(log(x + s))) - s;
- ties: two costs whose relative difference |a - b| / max(|a|, |b|) is below the tie
  tolerance (1e-4 by default, the relative gap at which MIP solvers stop) are equal in
  every ranking, profile and claim.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

TIE_TOLERANCE = 1e-4


def tied(a: float, b: float, tolerance: float = TIE_TOLERANCE) -> bool:
    """Whether costs ``a`` and ``b`` are equal within the relative ``tolerance``
    (NaN, no schedule, ties with nothing)."""
    if not (np.isfinite(a) and np.isfinite(b)):
        return False
    scale = max(abs(a), abs(b))
    return scale == 0 or abs(a - b) / scale < tolerance


def best_at(times: Sequence[float], costs: Sequence[float], grid: Sequence[float]) -> np.ndarray:
    """Best cost so far at each grid time (NaN before the first incumbent)."""
    t = np.asarray(times, float)
    best = np.minimum.accumulate(np.asarray(costs, float)) if len(costs) else np.zeros(0)
    index = np.searchsorted(t, np.asarray(grid, float), side="right") - 1
    out = np.full(len(grid), np.nan)
    found = index >= 0
    out[found] = best[index[found]]
    return out


def sampling_grid(budget: float, interval: float) -> np.ndarray:
    """0, interval, 2 interval, ..., budget (the paper: 11 points every 360 s up to 3600 s)."""
    count = int(np.floor(budget / interval + 1e-9))
    grid = np.arange(count + 1) * interval
    if grid[-1] < budget - 1e-9:
        grid = np.r_[grid, budget]
    return grid


def primal_gap(cost: float, bound: float) -> float:
    """Berthold's primal gap in [0, 1]: 0 at the bound, 1 without a solution."""
    if cost is None or np.isnan(cost):
        return 1.0
    if cost == bound:
        return 0.0
    if cost * bound < 0:
        return 1.0
    return abs(cost - bound) / max(abs(cost), abs(bound))


def primal_integral(
    times: Sequence[float], costs: Sequence[float], bound: float, horizon: float
) -> float:
    """Integral of the primal gap step function over [0, horizon], divided by horizon."""
    if horizon <= 0:
        return float("nan")
    t = np.asarray(times, float)
    keep = t <= horizon
    t = t[keep]
    best = np.minimum.accumulate(np.asarray(costs, float)[keep]) if keep.any() else np.zeros(0)
    edges = np.r_[0.0, t, horizon]
    gaps = np.r_[1.0, [primal_gap(c, bound) for c in best]]
    return float(np.sum(gaps * np.diff(edges)) / horizon)


def time_to_target(
    times: Sequence[float], costs: Sequence[float], bound: float, target_gap: float
) -> float:
    """First time the gap (best - bound) / best is at most ``target_gap`` (NaN if never)."""
    best = np.minimum.accumulate(np.asarray(costs, float)) if len(costs) else np.zeros(0)
    gap = (best - bound) / best
    hit = np.flatnonzero(gap <= target_gap + 1e-12)
    return float(np.asarray(times, float)[hit[0]]) if hit.size else float("nan")


def shifted_geometric_mean(values: Sequence[float], shift: float = 1.0) -> float:
    x = np.asarray(values, float)
    x = x[~np.isnan(x)]
    if x.size == 0:
        return float("nan")
    return float(np.exp(np.mean(np.log(x + shift))) - shift)


def on_every_design(runs: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """A profile's runs: those of the solvers that ran on every design (a failed run
    counts as run: it never solves its design), and the solvers left out because they ran
    on only some (an ablation's control on a named third), which a profile would otherwise
    draw as failing where they never ran. All runs when every solver ran on only some."""
    if runs.empty:
        return runs, []
    ran = runs.groupby("solver")["dataset"].nunique()
    partial = ran[ran < runs["dataset"].nunique()]
    if not 0 < len(partial) < len(ran):
        return runs, []
    left_out = sorted(partial.index)
    return runs[~runs["solver"].isin(left_out)], left_out


def performance_profile(
    table: pd.DataFrame,
    value: str = "best_cost",
    instance: str = "dataset",
    method: str = "solver",
    taus: Sequence[float] | None = None,
    tolerance: float = TIE_TOLERANCE,
) -> pd.DataFrame:
    """Dolan-More profile: rho_m(tau) = share of instances with value / best <= tau.

    A method without a value on an instance (failed run) never counts as solved there; a
    value tied with the best (``tolerance``, relative) has ratio 1.
    """
    pivot = table.pivot_table(index=instance, columns=method, values=value, aggfunc="min")
    best = pivot.min(axis=1)
    ratios = pivot.div(best, axis=0)
    ratios = ratios.mask(ratios < 1 / (1 - tolerance), 1.0)
    if taus is None:
        finite = ratios.to_numpy()[np.isfinite(ratios.to_numpy())]
        top = max(1.0 + 1e-9, float(finite.max()) if finite.size else 1.0)
        taus = np.unique(np.r_[1.0, np.sort(finite), top])
    rows = []
    for tau in taus:
        share = (ratios <= tau + 1e-12).sum(axis=0) / len(ratios)
        rows += [{"tau": float(tau), method: m, "share": float(s)} for m, s in share.items()]
    return pd.DataFrame(rows)


def best_known_costs(runs: pd.DataFrame) -> pd.Series:
    """Per instance, the lowest cost any run of the table found."""
    return runs.groupby("dataset")["best_cost"].min()


def share_at_best(points: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """Per solver and time: the share of the instances it ran on where its median over
    seeds is at the instance's best known cost (the picture of small integer costs, where
    a gap curve jumps between 0 and tens of percent); a curve frame for the report."""
    best = best_known_costs(runs)
    med = points.groupby(["dataset", "solver", "t"])["best_cost"].median().reset_index()
    med["at"] = (med["best_cost"] <= med["dataset"].map(best) + 1e-9).astype(float)
    ran = runs.groupby("solver")["dataset"].nunique()
    stats = med.groupby(["solver", "t"])["at"].sum().rename("median").reset_index()
    of = stats["solver"].map(ran)
    stats["median"] /= of
    return stats.assign(lo=stats["median"], hi=stats["median"], n=of, of=of)


def final_costs(runs: pd.DataFrame) -> pd.DataFrame:
    """Per instance: the best known cost, the best known bound (``optimal`` when they
    meet), and each solver's final cost: the median over seeds, its range when they differ."""

    def cell(costs: pd.Series) -> str:
        costs = costs.dropna()
        if costs.empty:
            return "-"
        mid, lo, hi = costs.median(), costs.min(), costs.max()
        text = f"{mid:,.0f}" if float(mid).is_integer() else f"{mid:,.1f}"
        return text if lo == hi else f"{text} ({lo:,.0f}-{hi:,.0f})"

    table = runs.groupby(["dataset", "solver"])["best_cost"].apply(cell).unstack("solver")
    best = best_known_costs(runs)
    bound = runs.groupby("dataset")["best_known_bound"].max()
    known = pd.DataFrame({"best known": best.map("{:,.0f}".format),
                          "bound": bound.map("{:,.0f}".format)})  # fmt: skip
    known["optimal"] = np.where(best <= bound + 1e-9, "yes", "")
    return known.join(table.fillna("-")).reset_index()
