"""The best-known registry: per instance the best cost found, the best lower bound proven,
which run found each, and the best schedule itself, shipped with the package.

An instance is a problem digest (graph, weights, L, R, comm mode); ``dataset``, ``stages``
and ``ratio`` are there to be read. Files (``datasets/best_known/``)::

    best_known.csv                               one row per instance
    schedules/<dataset>-L<L>-R<R>-<digest12>.csv.gz   node, stage of the best schedule

Every schedule is re-checked by the evaluator when the registry is updated and in the
tests; every bound is at most every cost any run found. The harness's best known bound
is the larger of the registry's and its runs' (:mod:`schedbench.harness.tables`).

A results folder's best costs and bounds are merged in by the harness
(``python -m schedbench.harness.registry_update --results results/verdict``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from schedbench import classes
from schedbench.evaluate import check, evaluate, relative_gap
from schedbench.problems.icml24 import Problem, ProblemError

REGISTRY_DIR = Path(__file__).resolve().parent / "best_known"
COLUMNS = [
    "dataset",
    "stages",
    "ratio",
    "digest",
    "n",
    "best_cost",
    "peak",
    "comm",
    "cost_solver",
    "cost_run",
    "best_bound",
    "bound_source",
    "bound_run",
    "schedule",
]


@dataclass(frozen=True)
class Entry:
    """One instance's best known cost and bound (``*_run``: the run key that found it)."""

    dataset: str
    stages: int | None  # L and R: the paper's class only (empty for another class)
    ratio: int | float | None
    digest: str
    n: int
    best_cost: float
    peak: int | None  # the paper's cost terms (empty for another class)
    comm: int | None
    cost_solver: str
    cost_run: str
    best_bound: float
    bound_source: str  # a solver key, "trivial" or "lp_relaxation"
    bound_run: str
    schedule: str  # file name under schedules/

    @property
    def gap(self) -> float:
        """(best cost - best bound) / best cost: how far from proven the instance is."""
        return relative_gap(self.best_cost, self.best_bound)


def as_ratio(value: float | str) -> int | float:
    """R as the datasets give it: an integer when it is one (the digest tells 10 from 10.0)."""
    number = float(value)
    return int(number) if number.is_integer() else number


def registry_folder(folder: Path | None) -> Path:
    """The registry folder: the one shipped with the package unless one is given."""
    return Path(folder) if folder is not None else REGISTRY_DIR


def read_registry(folder: Path | None = None) -> dict[str, Entry]:
    """Every entry, by problem digest (empty when the registry has none yet)."""
    path = registry_folder(folder) / "best_known.csv"
    if not path.is_file():
        return {}
    frame = pd.read_csv(path, dtype={"digest": str, "cost_run": str, "bound_run": str})
    frame = frame.astype(object).where(frame.notna(), "")
    entries = {}
    for row in frame.to_dict("records"):
        entries[row["digest"]] = Entry(
            **{
                **row,
                "stages": _optional(row["stages"], int),
                "ratio": _optional(row["ratio"], as_ratio),
                "n": int(row["n"]),
                "best_cost": float(row["best_cost"]),
                "peak": _optional(row["peak"], int),
                "comm": _optional(row["comm"], int),
                "best_bound": float(row["best_bound"]),
            }
        )
    return entries


def _optional(value: Any, kind: Any) -> Any:
    """``kind(value)``, or None for a cell left empty (a field another class lacks)."""
    return None if value == "" else kind(value)


def schedule_name(dataset: str, problem: Any, digest: str) -> str:
    """The registry file of an instance's best schedule: ``<dataset>-L<L>-R<R>-<digest>``
    for the paper's class, ``<dataset>-<class>-<digest>`` for another."""
    folder = dataset.replace("/", "--")
    if problem.CLASS == "icml24":
        return f"{folder}-L{problem.stages}-R{problem.ratio:g}-{digest[:12]}.csv.gz"
    return f"{folder}-{problem.CLASS}-{digest[:12]}.csv.gz"


def known_bounds(folder: Path | None = None) -> dict[str, float]:
    """The registry's best bound per problem digest."""
    return {digest: entry.best_bound for digest, entry in read_registry(folder).items()}


def lookup(problem: Problem, folder: Path | None = None) -> Entry | None:
    """The entry of exactly this instance, or None."""
    return read_registry(folder).get(problem.digest)


def read_schedule(path: str | Path, problem: Problem) -> np.ndarray:
    """A schedule file as stages in the problem's node order.

    Accepted: CSV (``.csv`` or ``.csv.gz``) with columns ``node`` and ``stage`` (node labels
    as in the input graph, any order, each node once), or a single column ``stage`` in node
    order. Anything else is a :class:`ProblemError` whose message says what to fix."""
    path = Path(path)
    if not path.is_file():
        raise ProblemError(f"schedule file {path} does not exist; give a CSV with node,stage")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ProblemError(
            f"schedule file {path} is not a CSV ({first}); write columns node,stage"
        ) from None
    columns = [c.strip().lower() for c in frame.columns]
    frame.columns = columns
    wanted = classes.of(problem).schedule  # the class's column; "stage" as files had it
    value = wanted if wanted in columns else "stage"
    if value not in columns:
        raise ProblemError(
            f"schedule file {path} has no '{wanted}' column (columns: {', '.join(columns)}); "
            f"write columns node,{wanted}"
        )
    stages = _integers(frame[value], path)
    if "node" not in columns:
        if len(stages) != problem.n:
            raise ProblemError(
                f"schedule file {path} has {len(stages)} stages for {problem.n} nodes; "
                "give one row per node (or columns node,stage)"
            )
        return stages
    index = {label: i for i, label in enumerate(problem.labels)}
    nodes = frame["node"].str.strip()
    unknown = [label for label in nodes if label not in index]
    if unknown:
        raise ProblemError(
            f"schedule file {path} names node {unknown[0]!r}, which is not in the graph "
            f"({len(unknown)} unknown); use the graph's node labels"
        )
    if nodes.duplicated().any():
        raise ProblemError(
            f"schedule file {path} gives node {nodes[nodes.duplicated()].iloc[0]!r} twice; "
            "give each node once"
        )
    if len(nodes) != problem.n:
        missing = next(label for label in problem.labels if label not in set(nodes))
        raise ProblemError(
            f"schedule file {path} has {len(nodes)} of {problem.n} nodes (no {missing!r}); "
            "give a stage for every node"
        )
    schedule = np.empty(problem.n, np.int64)
    schedule[[index[label] for label in nodes]] = stages
    return schedule


def _integers(column: pd.Series, path: Path) -> np.ndarray:
    values = pd.to_numeric(column.str.strip(), errors="coerce")
    bad = values.isna() | (values != np.floor(values))
    if bad.any():
        raise ProblemError(
            f"schedule file {path} has stage {column[bad].iloc[0]!r} on row "
            f"{int(np.flatnonzero(bad.to_numpy())[0]) + 2}; stages are integers 0..L-1"
        )
    return values.to_numpy(np.int64)


def schedule_of(entry: Entry, problem: Problem, folder: Path | None = None) -> np.ndarray:
    """The registry's best schedule of ``problem`` (which must be the entry's instance)."""
    if problem.digest != entry.digest:
        raise ProblemError(f"the registry entry is for another instance than {entry.dataset}")
    return read_schedule(registry_folder(folder) / "schedules" / entry.schedule, problem)


def write_schedule_file(path: Path, problem: Problem, schedule: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame({"node": list(problem.labels), classes.of(problem).schedule: schedule})
    frame.to_csv(path, index=False, compression={"method": "gzip", "mtime": 0})


def write_registry(entries: dict[str, Entry], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rows = sorted(
        (e.__dict__ for e in entries.values()), key=lambda r: (r["dataset"], r["stages"] or 0)
    )
    # object columns: an int stays "10" beside another class's empty cell (not "10.0")
    pd.DataFrame(rows, columns=COLUMNS, dtype=object).to_csv(folder / "best_known.csv", index=False)


def verify_entry(entry: Entry, problem: Problem, folder: Path | None = None) -> None:
    """Raise unless the entry's schedule is feasible, has its cost, and bound <= cost."""
    schedule = schedule_of(entry, problem, folder)
    result = evaluate(problem, schedule)
    if not result.feasible[0]:
        raise ProblemError(f"{entry.dataset}: {check(problem, schedule).reason()}")
    if result.cost[0].item() != entry.best_cost:
        raise ProblemError(f"{entry.dataset}: cost {result.cost[0]} != {entry.best_cost}")
    if entry.best_bound > entry.best_cost:
        raise ProblemError(f"{entry.dataset}: bound {entry.best_bound} > {entry.best_cost}")
