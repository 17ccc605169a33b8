"""One run's record, typed: what ``record.json`` stores and the runs table shows.

:class:`RunRecord` is the one definition of a run's fields (docs/columns.md explains each):
the runner builds it, ``record.json`` is its JSON, and the runs table's record columns are
:data:`TABLE_FIELDS`, in this order. Records written by older code read back with
:meth:`RunRecord.from_json`: a field they lack is None, a key this code no longer knows is
kept in ``extra``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from schedbench.solvers.base import Status


@dataclass
class RunRecord:
    """A finished (or interrupted) run: identity, instance facts, outcome, provenance."""

    # what the run is
    dataset: str
    solver: str  # the solver config's name (e.g. cpsat_compact)
    backend: str  # the registered back-end it ran
    formulation: str | None
    seed: int
    # what it found
    status: Status
    problem_class: str | None = None  # "class" in record.json and the tables
    best_cost: float | None = None
    bound: float | None = None  # the best bound a worker proved
    trivial_bound: float | None = None
    time_to_best: float | None = None
    rejected: int = 0  # reported schedules the evaluator rejected (the first: message)
    # the protocol
    budget: float = 0.0
    interval: float = 0.0
    threads: int = 1
    # the instance: what every class has (size, the reference schedule's cost)
    n: int | None = None
    m: int | None = None
    asap_cost: float | None = None
    # how long, how much
    wall_time: float | None = None
    build_time: float | None = None
    startup_time: float | None = None
    peak_memory_gb: float | None = None
    version: str | None = None
    message: str = ""
    # where it is
    command: str | None = None
    folder: str = ""
    run_key: str = ""
    problem_digest: str = ""
    # the class's own: the best schedule's named cost terms (the paper's: peak, comm) and
    # the instance's facts beyond n and m (the paper's: depth, L, R, total weight); the
    # tables give each a column of its own
    terms: dict[str, Any] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    # kept in record.json, not as table columns
    solve_time: float | None = None
    provenance: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    members: list[dict[str, Any]] | None = None  # a portfolio's or relay's workers
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The record.json dict (members only for a composed run; ``extra`` inlined)."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        extra = out.pop("extra")
        if out["members"] is None:
            del out["members"]
        out["status"] = str(self.status)
        out = {("class" if k == "problem_class" else k): v for k, v in out.items()}
        return {**out, **extra}

    def flat(self) -> dict[str, Any]:
        """:meth:`as_json` with the class's facts and terms as keys of their own (a row of
        the runs table before its derived columns)."""
        out = self.as_json()
        return {**out.pop("facts"), **out.pop("terms"), **out}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunRecord:
        """A record.json dict, from this code or older code (whose class terms and facts
        sat at the top level: the paper's peak, comm, depth, L, R, total weight)."""
        names = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        data = {**data, "problem_class": data.get("class") or legacy_class(data)}
        data.pop("class", None)
        for group, keys in (("terms", LEGACY_TERMS), ("facts", LEGACY_FACTS)):
            if group not in data:
                found = {k: data.pop(k) for k in keys if k in data}
                data[group] = {k: v for k, v in found.items() if v is not None}
        known = {k: v for k, v in data.items() if k in names}
        known["status"] = Status(known.get("status", Status.ERROR))
        for required in ("dataset", "solver", "backend", "formulation", "seed"):
            known.setdefault(required, None)
        return cls(**known, extra={k: v for k, v in data.items() if k not in names})


LEGACY_TERMS = ("peak", "comm")
LEGACY_FACTS = ("depth", "stages", "ratio", "total_weight")


def legacy_class(data: dict[str, Any]) -> str | None:
    """The class of a record written before records named it: the class owning its
    dataset (``eds/hal_1.5`` is ``eds/hal`` at a setting), else the paper's when it has R
    (a file of the paper's class). Older records gave every class the paper's L and R."""
    from schedbench import classes

    dataset = str(data.get("dataset") or "")
    cuts = [i for i, char in enumerate(dataset) if char == "_"][::-1]
    for name in (dataset, *(dataset[:i] for i in cuts)):
        if (found := classes.find_owner(name)) is not None:
            return found.name
    return "icml24" if data.get("ratio") is not None else None


def class_columns(record: dict[str, Any]) -> dict[str, Any]:
    """A record's columns beyond the shared ones: its class's own facts and cost terms
    (a TCS run's ``units_ALU``, a plugin's), whatever is a plain value."""
    shared = {f.name for f in dataclasses.fields(RunRecord)} | {"class", "curve", "skipped"}
    plain = (str, int, float, bool, type(None))
    return {k: v for k, v in record.items() if k not in shared and isinstance(v, plain)}


IDENTITY = ("dataset", "solver", "backend", "formulation", "seed", "run_key", "folder",
            "problem_digest", "command", "budget", "interval", "threads")  # fmt: skip
NOT_IN_TABLE = {"terms", "facts", "solve_time", "provenance", "config", "members", "extra"}
TABLE_FIELDS = tuple(
    "class" if f.name == "problem_class" else f.name
    for f in dataclasses.fields(RunRecord)
    if f.name not in NOT_IN_TABLE
)
