"""Solver families compared per instance, with the verdict protocol's noise rule.

Every class's verdict asks the same question of its runs table: per instance, does the
best differentiable solver beat the best exact and the best heuristic one? A solver's
cost is its median over seeds with the range; a family's cost is its best solver's. One
family is ahead of another only when the medians do not tie (relative ``tolerance``)
and the ranges do not overlap; overlapping ranges are "within noise". Families come from
:data:`schedbench.harness.palette.FAMILIES` (the figures' colours), so a solver belongs
to one family everywhere. A seeded solver's range from fewer than ``MIN_SEEDS`` runs is a
single draw: an instance decided on it is a direction, not a result (``directions``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from schedbench.harness import palette
from schedbench.harness.metrics import TIE_TOLERANCE, tied

COMPARED = ("exact", "heuristic", "differentiable")
STANDINGS = ("wins", "ties", "losses")
MIN_SEEDS = 3  # runs of a seeded solver before its range counts as measured


def cost(value: float) -> str:
    """A cost as the tables print it: whole numbers in full (a modulo cost II * 10^6 +
    length keeps its length digits), others as ``:g``."""
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:g}"


def family(solver: str) -> str:
    """The figures' family of ``solver``; for a solver the palette does not list (a
    plugin class's), its back-end's ``FAMILY``, and ``ablation`` for its ``_nograd``
    control; else "other"."""
    known = palette.family(solver)
    if known != "other":
        return known
    from schedbench.solvers.registry import backend

    base = solver.removesuffix(palette.GPU_SUFFIX)
    control = base.endswith("_nograd")
    try:
        declared = getattr(backend(base.removesuffix("_nograd")), "FAMILY", "other")
    except (ImportError, ValueError):
        return "other"
    return "ablation" if control and declared == "differentiable" else declared


def solver_medians(runs: pd.DataFrame) -> pd.DataFrame:
    """Per instance and solver: median, min and max best cost over seeds, and counts."""
    found = runs.assign(cost=runs["best_cost"].astype(float))
    grouped = found.groupby(["dataset", "solver"])["cost"]
    out = grouped.agg(median="median", low="min", high="max", schedules="count")
    out["runs"] = found.groupby(["dataset", "solver"]).size()
    out = out.reset_index()
    out["family"] = out["solver"].map(family)
    return out


def as_direction(answer: str, runs: int) -> str:
    """``answer`` marked "(direction)" when it says ahead or behind on fewer than
    :data:`MIN_SEEDS` runs of a side: a direction, not a result."""
    return f"{answer} (direction)" if answer in ("ahead", "behind") and runs < MIN_SEEDS else answer


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


def family_bests(medians: pd.DataFrame) -> dict[str, dict[str, pd.Series]]:
    """Per instance, each compared family's best solver row (lowest median)."""
    out: dict[str, dict[str, pd.Series]] = {}
    for dataset, mine in medians.groupby("dataset", sort=True):
        best = {}
        for name in COMPARED:
            members = mine[mine["family"] == name]
            if not members.empty:
                best[name] = members.sort_values("median", na_position="last").iloc[0]
        out[dataset] = best
    return out


def standing(name: str, best: dict[str, pd.Series], tolerance: float = TIE_TOLERANCE) -> str:
    """One family's standing on an instance: a win when it is ahead of every other family
    there, a loss when another is ahead of it (or it has no schedule where another has),
    else a tie (equal costs or within noise); "-" where it did not run or only it ran."""
    if name not in best or len(best) < 2:
        return "-"
    verdicts = [compare(best[name], row, tolerance) for other, row in best.items() if other != name]
    if all(v == "neither has a schedule" for v in verdicts):
        return "-"
    if all(v == "ahead" for v in verdicts):
        return "wins"
    if any(v == "behind" for v in verdicts):
        return "losses"
    return "ties"


def family_verdicts(runs: pd.DataFrame, tolerance: float = TIE_TOLERANCE,
                    seeded: set[str] | None = None) -> pd.DataFrame:  # fmt: skip
    """Per instance: each family's best solver (median, range), the fewest runs behind a
    seeded best (``seeds``; ``seeded``: the solvers that vary by seed, by default those
    run with several seeds in ``runs``), each family's standing, and the differentiable
    family against the exact and the heuristic families."""
    seeded = seeded_solvers(runs) if seeded is None else seeded
    rows = []
    for dataset, best in family_bests(solver_medians(runs)).items():
        row: dict[str, object] = {"instance": dataset}
        for name, top in best.items():
            row[name] = (
                "no schedule"
                if np.isnan(top["median"])
                else f"{cost(top['median'])} ({cost(top['low'])}-{cost(top['high'])}) "
                f"{top['solver']}"
            )
        draws = [int(top["runs"]) for top in best.values() if top["solver"] in seeded]
        row["seeds"] = min(draws) if draws else np.nan  # nan: every best is deterministic
        for name in COMPARED:
            row[f"{name} standing"] = standing(name, best, tolerance)
        if "differentiable" in best:
            for other in ("exact", "heuristic"):
                if other in best:
                    row[f"differentiable vs {other}"] = compare(
                        best["differentiable"], best[other], tolerance
                    )
        rows.append(row)
    frame = pd.DataFrame(rows)
    order = ["instance", *COMPARED, "seeds", *(f"{n} standing" for n in COMPARED),
             "differentiable vs exact", "differentiable vs heuristic"]  # fmt: skip
    return frame[[c for c in order if c in frame]]  # the same columns whichever row is first


def seeded_solvers(runs: pd.DataFrame) -> set[str]:
    """The solvers whose runs differ by seed: those run with more than one seed here."""
    if "seed" not in runs or runs.empty:
        return set()
    per_solver = runs.groupby("solver")["seed"].nunique()
    return set(per_solver[per_solver > 1].index)


def counts(verdicts: pd.DataFrame) -> pd.DataFrame:
    """How many instances fall under each verdict, per comparison."""
    columns = [c for c in verdicts.columns if c.startswith("differentiable vs")]
    frames = [verdicts[c].value_counts().rename(c) for c in columns]
    return pd.concat(frames, axis=1).fillna(0).astype(int).T if frames else pd.DataFrame()


def compared(verdicts: pd.DataFrame) -> pd.DataFrame:
    """The instances where every compared family stands (ran, and someone has a schedule):
    standings count only these, so a verdict whose runs are partly done compares like
    with like instead of crediting two families with a third's absence."""
    columns = [f"{name} standing" for name in COMPARED]
    if verdicts.empty or not all(c in verdicts for c in columns):
        return verdicts.iloc[0:0]
    return verdicts[(verdicts[columns] != "-").all(axis=1)]


def counted(verdicts: pd.DataFrame) -> str:
    """How many instances the standings count: "24", or "20 of 60" when some lack a family."""
    n = len(compared(verdicts))
    return str(n) if n == len(verdicts) else f"{n} of {len(verdicts)}"


def directions(verdicts: pd.DataFrame) -> int:
    """Counted instances with a win or loss that rests on fewer than ``MIN_SEEDS`` runs of
    a seeded solver: their standings are directions, not results."""
    complete = compared(verdicts)
    if complete.empty or "seeds" not in complete:
        return 0
    decided = complete[[f"{n} standing" for n in COMPARED]].isin(["wins", "losses"]).any(axis=1)
    return int((decided & (complete["seeds"].astype(float) < MIN_SEEDS)).sum())


def standings(verdicts: pd.DataFrame) -> dict[str, str]:
    """Per compared family: "wins/ties/losses" over the instances where all families stand."""
    complete = compared(verdicts)
    out = {}
    for name in COMPARED:
        tally = complete[f"{name} standing"].value_counts() if not complete.empty else {}
        if not sum(int(tally.get(s, 0)) for s in STANDINGS):
            out[name] = "-"
            continue
        out[name] = "/".join(str(int(tally.get(s, 0))) for s in STANDINGS)
    return out
