"""The rules the ICML24 claims share: verdict words, thresholds, the tables' lookups,
comparisons over seeds with ties and noise, and time points judged against start-up.

Time points scale with the protocol: the paper's 360 s of 3600 s is 10 % of the budget.
A claim about a time point names the budget it was tested at and is "not testable here"
when a compared run's fixed start-up (imports and model build before its search,
``startup_time``) exceeds 1 % of the point: start-up does not shrink with the budget, so
below that scale it, not the solver, decides the verdict. Two costs within the tie
tolerance (relative, 1e-4 by default: where MIP solvers stop) are equal, never ahead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from schedbench.harness.figures import main_budget
from schedbench.harness.metrics import TIE_TOLERANCE, tied
from schedbench.harness.tables import GPU_SUFFIX, fixed_epochs, natural_key
from schedbench.solvers.base import Status
from schedbench.studies.families import MIN_SEEDS

HOLDS = "holds"
FAILS = "does not hold"
PAPER_ONLY = "holds only in the paper's normalization"
UNTESTABLE = "not testable here"
NOISE = "within noise"
TIED = "tied"
NO_DATA = "no data yet"
DIRECTION = f"fewer than {MIN_SEEDS} seeds per side: direction only"

RW_SMALL = ["rw1", "rw2", "rw3", "rw4", "rw5", "rw6"]
RW_LARGE = ["rw7", "rw8", "rw9", "rw10", "rw11", "rw12"]
SHARES = ["rw1", "rw7", "rw10", "adder", "square"]  # the portfolio's members alone (1 thread)
EXACT = ["cpsat", "cpsat_compact", "highs_compact", "gurobi", "cplex"]
CONVERGED = 0.01  # "converged by t": cost at t within 1 % of the cost at the budget
IMPROVED = 0.01  # "optimizes": the final cost is at least 1 % below the first schedule's
COMPARABLE = 0.01  # "comparable": within 1 % of the other's cost
LOSS_SETTLED = 0.05  # loss within 5 % of its total drop from its final value
STARTUP_SHARE = 0.01  # a time point is testable when start-up is at most 1 % of it
GPU = GPU_SUFFIX  # a solver's runs on a GPU are its own line: gs@cuda


@dataclass(frozen=True)
class Claim:
    """One row of the claims table."""

    key: str
    where: str  # the paper's figure or section
    quote: str
    verbatim: bool  # False: our paraphrase of the claim
    test: str  # what we measure, in words
    measured: str
    verdict: str

    @property
    def shown_quote(self) -> str:
        """The quote in quotation marks, or marked as our paraphrase."""
        return f'"{self.quote}"' if self.verbatim else f"{self.quote} (paraphrase)"


@dataclass
class Tables:
    """A results folder's tables, with the lookups the claims share."""

    runs: pd.DataFrame
    points: pd.DataFrame
    epochs: pd.DataFrame
    tolerance: float = TIE_TOLERANCE  # relative difference below which costs tie

    def __post_init__(self) -> None:
        if self.runs.empty:
            return
        self.runs = self.runs[self.runs["status"] != Status.INTERRUPTED]  # rerun on resume
        if "device" in self.runs:  # a GPU run is its own solver (tables already say so)
            on_gpu = self.runs["device"].eq("cuda") & ~self.runs["solver"].str.endswith(GPU)
            self.runs = self.runs.assign(
                solver=self.runs["solver"].where(~on_gpu, self.runs["solver"] + GPU)
            )
        self.main, _ = main_budget(self.runs, self.points)  # the protocol's budget, threads
        self.budget = float(self.main["budget"].iloc[0])
        self.threads = int(self.main["threads"].iloc[0])
        runs = self.runs[~self.runs["config"].map(fixed_epochs)]
        runs = runs[runs["budget"] == self.budget]
        self.other_threads = runs[runs["threads"] != self.threads]

    def rows(self, dataset: str, solver: str, threads: int | None = None) -> pd.DataFrame:
        """The protocol's runs of ``solver`` on ``dataset`` by seed (``threads``: the runs
        on that many threads instead of the protocol's)."""
        runs = self.main
        if threads is not None and threads != self.threads:
            runs = self.other_threads[self.other_threads["threads"] == threads]
        return runs[(runs["dataset"] == dataset) & (runs["solver"] == solver)].sort_values("seed")

    def final(self, dataset: str, solver: str, threads: int | None = None) -> np.ndarray:
        """Best cost at the budget per seed (NaN: no schedule)."""
        return self.rows(dataset, solver, threads)["best_cost"].to_numpy(float)

    def status(self, dataset: str, solver: str) -> list[str]:
        return self.rows(dataset, solver)["status"].tolist()

    def at(self, dataset: str, solver: str, fraction: float, column: str = "best_cost"):
        """``column`` at ``fraction`` of the budget, per seed (NaN before any schedule)."""
        keys = set(self.rows(dataset, solver)["run_key"])
        rows = self.points[self.points["run_key"].isin(keys)]
        rows = rows[np.isclose(rows["t"], fraction * self.budget)]
        return rows.sort_values("seed")[column].to_numpy(float)

    def has(self, dataset: str, solver: str) -> bool:
        return len(self.final(dataset, solver)) > 0

    def designs(self) -> list[str]:
        """The designs of the protocol's runs, in natural order (rw2 before rw10)."""
        return [] if self.runs.empty else sorted(set(self.main["dataset"]), key=natural_key)


def seeds_note(t: Tables, designs: list[str], solvers: list[str]) -> str:
    """How many seeds the medians over ``designs`` rest on: every design's when all have
    ``MIN_SEEDS``, else the designs with fewer (their comparisons are directions)."""
    few = [d for d in designs if min(len(t.final(d, s)) for s in solvers) < MIN_SEEDS]
    if not few:
        return f"medians over {MIN_SEEDS} or more seeds on every design"
    return f"fewer than {MIN_SEEDS} seeds on {', '.join(few)}"


def nan_median(values: np.ndarray) -> float:
    values = values[~np.isnan(values)]
    return float(np.median(values)) if len(values) else np.nan


def median_span(values: np.ndarray) -> str:
    """'median (min-max)' or 'no schedule'."""
    found = values[~np.isnan(values)]
    if not len(found):
        return "no schedule"
    if len(values) == 1:
        return f"{found[0]:,.0f}"
    text = f"{np.median(found):,.0f} ({found.min():,.0f}-{found.max():,.0f})"
    return text + ("" if len(found) == len(values) else f", {len(values) - len(found)} none")


def compare(a: np.ndarray, b: np.ndarray, tolerance: float = TIE_TOLERANCE) -> str:
    """'ahead', 'behind', 'tied' or 'within noise' for costs (lower is better) over seeds:
    medians within the relative ``tolerance`` tie; otherwise disjoint ranges order them.
    Fewer than three seeds on a side give only a direction ('ahead (1 seed)')."""
    if not len(a) or not len(b):
        return "no data"
    if tied(nan_median(np.asarray(a, float)), nan_median(np.asarray(b, float)), tolerance):
        return TIED
    a, b = np.where(np.isnan(a), np.inf, a), np.where(np.isnan(b), np.inf, b)
    seeds = min(len(a), len(b))
    single = f" ({seeds} seed{'s' if seeds > 1 else ''})" if seeds < MIN_SEEDS else ""
    if a.max() < b.min():
        return "ahead" + single
    if a.min() > b.max():
        return "behind" + single
    return NOISE


def percent(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{100 * x:.2f} %"


def _from_final(rel: float) -> str:
    """A relative distance from the final cost in words: inf is no schedule yet there."""
    return "no schedule yet" if rel == np.inf else percent(rel)


def improvement_of(t: Tables, dataset: str, solver: str) -> float:
    """Median over seeds of 1 - final / first schedule's cost (NaN: no schedule)."""
    rows = t.rows(dataset, solver)
    if rows.empty or rows["best_cost"].isna().all():
        return np.nan
    return float(np.nanmedian(1 - rows["best_cost"] / rows["first_cost"]))


def startup(rows: pd.DataFrame) -> np.ndarray:
    """Each run's fixed start-up in seconds: ``startup_time`` (imports and model build
    before the search), or ``build_time`` (the model build alone, a lower estimate) for
    runs recorded before start-up was."""
    build = rows["build_time"].to_numpy(float)
    if "startup_time" not in rows:
        return build
    return np.where(rows["startup_time"].isna(), build, rows["startup_time"].to_numpy(float))


@dataclass(frozen=True)
class TimePoint:
    """A solver's runs on one design judged at ``point`` s of their ``budget``: the
    median over seeds of (cost there - final) / final (inf: no schedule yet), and the
    largest start-up, which makes the point testable only below STARTUP_SHARE of it."""

    budget: float
    point: float
    converged: float
    startup: float
    first_schedule: float

    @property
    def testable(self) -> bool:
        return bool(self.startup <= STARTUP_SHARE * self.point)

    def words(self) -> str:
        at = _from_final(self.converged) + (" above final" if np.isfinite(self.converged) else "")
        return (
            f"start-up {self.startup:.1f} s ({self.startup / self.point:.1%} of the point), "
            f"first schedule {self.first_schedule:.1f} s, at {self.point:g} s: {at}"
        )


def time_point(t: Tables, dataset: str, solver: str, fraction: float) -> TimePoint | None:
    """``solver`` on ``dataset`` at ``fraction`` of the longest budget it ran there on the
    protocol's threads (its seeds at that budget), or None without such runs."""
    runs = t.runs[
        (t.runs["dataset"] == dataset)
        & (t.runs["solver"] == solver)
        & (t.runs["threads"] == t.threads)
        & ~t.runs["config"].map(fixed_epochs)
    ]
    if runs.empty:
        return None
    budget = float(runs["budget"].max())
    rows = runs[runs["budget"] == budget].sort_values("seed")
    point = fraction * budget
    at = t.points[t.points["run_key"].isin(set(rows["run_key"]))]
    at = at[np.isclose(at["t"], point)].drop_duplicates("run_key").set_index("run_key")
    early = at["best_cost"].reindex(rows["run_key"]).to_numpy(float)
    final = rows["best_cost"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.where(np.isnan(early), np.inf, (early - final) / final)
    return TimePoint(
        budget,
        point,
        float(np.median(rel)),
        float(np.nanmax(startup(rows))),
        float(np.nanmedian(rows["first_incumbent_time"].to_numpy(float))),
    )


def scale_note(points: list[TimePoint]) -> str:
    """What a time claim was tested at, and the budget its start-up would need."""
    budgets = sorted({p.budget for p in points})
    worst = max(p.startup / p.point for p in points)
    note = f"tested at {', '.join(f'{b:g}' for b in budgets)} s budgets"
    if worst > STARTUP_SHARE:
        need = max(p.startup / STARTUP_SHARE * p.budget / p.point for p in points)
        note += (
            f"; start-up up to {worst:.1%} of the point, above the {STARTUP_SHARE:.0%} limit: "
            f"a fair test needs a budget of at least {need:,.0f} s"
        )
    return note


def time_verdict(verdict: str, points: list[TimePoint]) -> str:
    """A time claim's verdict, or "not testable here" with the direction the numbers show
    when a compared run's start-up exceeds STARTUP_SHARE of its point."""
    if verdict == NO_DATA or all(p.testable for p in points):
        return verdict
    return f"{UNTESTABLE}; direction: {verdict}"


def claims_table(claims: list[Claim]) -> pd.DataFrame:
    """The claims as the report shows them: where, the claim, the test, the numbers, the
    verdict."""
    return pd.DataFrame(
        [
            {
                "where": c.where,
                "claim": c.shown_quote,
                "test": c.test,
                "measured": c.measured,
                "verdict": c.verdict,
            }
            for c in claims
        ]
    )


def claims_frame(claims: list[Claim]) -> pd.DataFrame:
    """The claims as a table, one row per claim (docs/results/claims.csv)."""
    return pd.DataFrame([c.__dict__ for c in claims])


def claims_markdown(claims: list[Claim]) -> str:
    """The claims table as Markdown: quote (verbatim in quotes, else paraphrased),
    the test, the numbers, the verdict."""
    lines = [
        "| # | where | claim | test | measured | verdict |",
        "|---|---|---|---|---|---|",
    ]
    for i, c in enumerate(claims, 1):
        cells = [str(i), c.where, c.shown_quote, c.test, c.measured or "-", f"**{c.verdict}**"]
        lines.append("| " + " | ".join(cell.replace("|", "/") for cell in cells) + " |")
    return "\n".join(lines) + "\n"
