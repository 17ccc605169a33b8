"""Latency-constrained minimum resources (TCS), the time-constrained scheduling of HLS.

Typed operations with an integer delay per type; each type runs on a unit kind (several
types may share one, as add, sub and compare share an ALU) and each kind has a cost; a
unit is busy over [t, t + delay); an edge i -> j needs t_i + d_i <= t_j; every operation
ends by the latency bound T (t_i + d_i <= T, cycles 0..T-1). A schedule is a start cycle
per operation; its cost is the cost-weighted sum over kinds of the units the kind needs
(the peak number of its operations busy in one cycle, at least the kind's minimum). The
statement, in this project's words, is docs/problems/tcs.md.

:class:`TCSProblem` is validated once (one-line errors) and owns evaluation of a batch of
schedules, the lower bounds and the reference (ASAP) schedule.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from schedbench.graph import Graph, ProblemError
from schedbench.problems.common import (
    HLS_SOLVERS,
    Report,
    TypedOperations,
    cheapest,
    earliest_starts,
)


@dataclass(frozen=True, eq=False)
class TCSProblem(TypedOperations):
    """A TCS instance on a typed :class:`~schedbench.graph.Graph`: per operation type its
    ``delay`` and unit kind (``kind_of``, indexing ``kinds``); per kind its ``kind_cost``
    and ``min_units``; the latency bound ``latency``. Build with :meth:`on`."""

    graph: Graph
    delay: np.ndarray
    kind_of: np.ndarray
    kinds: tuple[str, ...]
    kind_cost: np.ndarray
    min_units: np.ndarray
    latency: int

    CLASS = "tcs"
    integral_costs = True  # unit counts times whole costs

    @classmethod
    def on(
        cls,
        graph: Graph,
        *,
        delay: dict[str, int],
        kind: dict[str, str],
        cost: dict[str, int] | None = None,
        min_units: dict[str, int] | None = None,
        latency: int | None = None,
        latency_factor: float | None = None,
    ) -> TCSProblem:
        """Validate: ``delay`` and ``kind`` per operation type, ``cost`` and ``min_units``
        per kind (1 and 0 by default), and the bound: ``latency`` cycles, or
        ``latency_factor`` times the critical path, rounded down (the EDS convention)."""
        graph.require_dag("tcs")
        if graph.op_type is None:
            raise ProblemError(
                f"the graph of {graph.name!r} has no operation types; TCS needs them"
            )
        for t in graph.types:
            for what, table in (("delay", delay), ("unit kind", kind)):
                if t not in table:
                    raise ProblemError(
                        f"operation type {t!r} has no {what}; add it to the {what} table"
                    )
        kinds = tuple(dict.fromkeys(kind[t] for t in graph.types))
        cost = {k: 1 for k in kinds} | dict(cost or {})
        minimum = {k: 0 for k in kinds} | dict(min_units or {})
        kinds = tuple(dict.fromkeys([*kinds, *cost, *minimum]))  # a kind no type uses counts
        d = np.asarray([_whole(delay[t], f"delay of {t!r}", 1) for t in graph.types], np.int64)
        kind_cost = np.asarray([_whole(cost.get(k, 1), f"cost of {k!r}", 0) for k in kinds])
        low = np.asarray([_whole(minimum.get(k, 0), f"minimum of {k!r}", 0) for k in kinds])
        index = {k: i for i, k in enumerate(kinds)}
        kind_of = np.asarray([index[kind[t]] for t in graph.types], np.int64)
        node_delay = d[graph.op_type]
        asap = earliest_starts(graph, node_delay)
        critical = int((asap + node_delay).max())
        if (latency is None) == (latency_factor is None):
            raise ProblemError("give the latency bound as latency=<cycles> or latency_factor=<x>")
        if latency is None:
            factor = latency_factor
            if isinstance(factor, bool) or not isinstance(factor, int | float | np.number):
                raise ProblemError(f"the latency factor is {factor!r}; give a number >= 1")
            if not np.isfinite(factor) or factor < 1:
                raise ProblemError(
                    f"the latency factor {factor!r} puts the bound below the critical path "
                    f"({critical} cycles): no schedule fits; the smallest feasible factor is 1"
                )
            latency = int(np.floor(critical * float(factor) + 1e-9))
        latency = _whole(latency, "latency bound", 1)
        if latency < critical:
            raise ProblemError(
                f"the latency bound {latency} is below the critical path {critical}; "
                f"use a bound >= {critical}"
            )
        return cls(graph, d, kind_of, kinds, kind_cost.astype(np.int64), low.astype(np.int64),
                   latency)  # fmt: skip

    # ------------------------------------------------------------------ graph facts

    @cached_property
    def node_kind(self) -> np.ndarray:
        """The unit kind of each operation."""
        return self.kind_of[self.graph.op_type]

    @cached_property
    def alap(self) -> np.ndarray:
        """Latest start of each operation under the latency bound."""
        return self.latency - self.tail - self.node_delay

    @cached_property
    def digest(self) -> str:
        """What identifies the instance: the typed graph, delays, kinds, costs, the bound."""
        blob = json.dumps(
            {
                "class": "tcs",
                "types": list(self.graph.types),
                "delay": self.delay.tolist(),
                "kinds": list(self.kinds),
                "kind_of": self.kind_of.tolist(),
                "cost": self.kind_cost.tolist(),
                "min_units": self.min_units.tolist(),
                "latency": self.latency,
                "labels": list(self.labels),
                "op_type": self.graph.op_type.tolist(),
                "edges": np.stack([self.src, self.dst], 1).tolist(),
            }
        )
        return hashlib.sha256(blob.encode()).hexdigest()

    # ------------------------------------------------------------------ bounds

    def unit_lower_bounds(self) -> np.ndarray:
        """Per kind, units every schedule needs: its minimum; the work of its operations
        over the T cycles; and the peak of their mandatory parts (an operation whose
        latest start is before its earliest end is busy over [latest start, earliest end)
        in every schedule)."""
        d, kind = self.node_delay, self.node_kind
        out = self.min_units.copy()
        for k in range(len(self.kinds)):
            ops = np.flatnonzero(kind == k)
            if not ops.size:
                continue
            work = int(d[ops].sum())
            out[k] = max(out[k], -(-work // self.latency))
            lo, hi = self.alap[ops], self.asap[ops] + d[ops]
            forced = ops[lo < hi]
            if forced.size:
                busy = np.zeros(self.latency + 1, np.int64)
                np.add.at(busy, self.alap[forced], 1)
                np.add.at(busy, self.asap[forced] + d[forced], -1)
                out[k] = max(out[k], int(busy.cumsum().max()))
        return out

    def lower_bounds(self) -> dict[str, int]:
        return {"units": int(self.kind_cost @ self.unit_lower_bounds())}

    @cached_property
    def reference_schedule(self) -> np.ndarray:
        """ASAP: the schedule every curve can be divided by (feasible since T >= the
        critical path)."""
        return self.asap

    def facts(self) -> dict[str, object]:
        """What a run's record says about its instance (PROBLEM_CLASS.facts)."""
        return {
            "n": self.n,
            "m": self.m,
            "depth": self.critical_path,
            "stages": self.latency,  # the horizon, as L is the paper's
            "total_weight": int(self.node_delay.sum()),
        }

    # ------------------------------------------------------------------ evaluation

    def busy_units(self, starts: object) -> np.ndarray:
        """[B, K]: per schedule and kind, the peak number of its operations busy in one
        cycle (cycles 0..T-1; starts are clipped there, feasibility is checked apart)."""
        s = np.clip(np.atleast_2d(np.asarray(starts, np.int64)), 0, self.latency)
        d, kind = self.node_delay, self.node_kind
        rows = len(s)
        out = np.zeros((rows, len(self.kinds)), np.int64)
        for k in range(len(self.kinds)):
            ops = np.flatnonzero(kind == k)
            if not ops.size:
                continue
            busy = np.zeros((rows, self.latency + 2), np.int64)
            r = np.repeat(np.arange(rows), len(ops))
            np.add.at(busy, (r, s[:, ops].ravel()), 1)
            np.add.at(busy, (r, np.minimum(s[:, ops] + d[ops], self.latency + 1).ravel()), -1)
            out[:, k] = busy.cumsum(axis=1).max(axis=1)
        return out

    def evaluate(self, starts: object) -> TCSEvaluation:
        """Feasibility, units per kind and cost of a batch of schedules ([B, n] or [n])."""
        s = self.start_cycles(starts)
        end = s + self.node_delay
        feasible = (
            (s >= 0).all(axis=1)
            & (end <= self.latency).all(axis=1)
            & (end[:, self.src] <= s[:, self.dst]).all(axis=1)
        )
        units = np.maximum(self.busy_units(s), self.min_units)
        return TCSEvaluation(feasible, units, units @ self.kind_cost, self.kinds)

    def report(self, start: object) -> TCSReport:
        """One schedule's feasibility, cost and, if broken, the first broken rule."""
        s = np.asarray(start).reshape(-1)
        result = self.evaluate(s)
        return TCSReport(bool(result.feasible[0]), float(result.cost[0]), self.check(s))

    def check(self, start: object) -> str:
        """'' for a feasible schedule, else what is wrong with it, in one line."""
        s = np.asarray(start, np.int64).reshape(-1)
        d = self.node_delay
        if (s < 0).any():
            i = int(np.flatnonzero(s < 0)[0])
            return f"operation {self.labels[i]!r} starts at {s[i]} < 0"
        late = np.flatnonzero(s + d > self.latency)
        if late.size:
            i = int(late[0])
            return f"operation {self.labels[i]!r} ends at {s[i] + d[i]} > the bound {self.latency}"
        broken = np.flatnonzero(s[self.src] + d[self.src] > s[self.dst])
        if broken.size:
            a, b = self.src[broken[0]], self.dst[broken[0]]
            return (
                f"{self.labels[b]!r} starts at {s[b]} before {self.labels[a]!r} ends at "
                f"{s[a] + d[a]}"
            )
        return ""


@dataclass(frozen=True)
class TCSEvaluation:
    """Per schedule of a batch: feasible, units per kind ([B, K]) and the cost."""

    feasible: np.ndarray
    units: np.ndarray
    cost: np.ndarray
    kinds: tuple[str, ...]

    @property
    def terms(self) -> dict[str, np.ndarray]:
        return {f"units_{k}": self.units[:, i] for i, k in enumerate(self.kinds)}

    def best(self) -> int | None:
        """Index of the cheapest feasible schedule, or None when none is feasible."""
        return cheapest(self.feasible, self.cost)


TCSReport = Report  # one checked schedule


def _whole(value: object, what: str, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer):
        raise ProblemError(f"the {what} is {value!r}; it must be a whole number >= {least}")
    if value != int(value) or value < least:
        raise ProblemError(f"the {what} is {value!r}; it must be a whole number >= {least}")
    return int(value)


# ---------------------------------------------------------------- the class as a plugin


def _catalogue() -> list:
    from functools import partial

    from schedbench.classes import Dataset
    from schedbench.datasets import eds, heurigym, typed_synthetic

    def short(name: str) -> tuple[str, ...]:  # HeuriGym's name of the same graph
        same = [h for h in heurigym.NAMES if name == h or name.startswith(f"{h}_")]
        return (f"{eds.PREFIX}{same[0]}",) if same and same[0] != name else ()

    shipped = [
        Dataset(f"{eds.PREFIX}{name}", partial(eds.load, name),
                "ExPRESS graph, EDS's latency factor (factor: 1.0, 1.5, 2.0 have optima)",
                {"factor": 1.0}, short(name))
        for name in eds.NAMES
    ]  # fmt: skip
    params = {"nodes": 1000, "density": 1.5, "depth": None, "seed": 0, "factor": 1.5, "width": None}
    about = "seeded HLS-like DAG, three unit kinds (nodes, density, depth or width, seed, factor)"
    return [*shipped, Dataset("tcs_synthetic", typed_synthetic.tcs, about, params)]


def _read(path: Path, **params: object) -> TCSProblem:
    """A DOT data-flow graph or a HeuriGym JSON (its delays; kind = type unless given)."""
    from schedbench.problems.dot import read_dot_graph
    from schedbench.problems.rcs import read_heurigym

    if path.suffix.lower() == ".json":
        typed = read_heurigym(path)
        graph = typed.graph
        params = {"delay": dict(zip(typed.types, typed.delay.tolist(), strict=True)), **params}
    else:
        graph = read_dot_graph(path)
    params.setdefault("kind", {t: t for t in graph.types})
    if "delay" not in params or not ({"latency", "factor"} & set(params)):
        raise ProblemError(
            f"a TCS instance from {path.name} needs a delay per operation type and a latency "
            "bound: give +dataset.params.delay={MUL:2,...} and +dataset.params.latency=<cycles> "
            f"or +dataset.params.factor=<x> (or them in {path.stem}.yaml beside it)"
        )
    factor = params.pop("factor", None)
    try:
        return TCSProblem.on(graph, latency_factor=factor, **params)  # type: ignore[arg-type]
    except TypeError as err:
        raise ProblemError(
            f"{path.name}: {err}; a TCS file takes delay, kind, cost, min_units, latency, factor"
        ) from None


def _problem_class() -> object:
    from schedbench.classes import ProblemClass

    return ProblemClass(
        name="tcs",
        title="latency-constrained minimum resources (HLS time-constrained scheduling)",
        cost="the cost-weighted sum over unit kinds of the units each kind needs",
        unit="cost-weighted units",
        statement="docs/problems/tcs.md",
        terms={"units_<kind>": "units of that kind the best schedule needs (one column each)"},
        facts={
            "n": "operations",
            "m": "dependences",
            "depth": "the critical path in cycles",
            "stages": "T, the latency bound in cycles (the horizon, as L is the paper's)",
            "total_weight": "the operations' summed delay (cycles of work)",
        },
        columns={
            "trivial_bound": "the cost-weighted per-kind unit bound",
            "asap_cost": "the ASAP schedule's cost (the common reference)",
            "best_cost": "the cost-weighted units of the best schedule",
            "bound": "a proved lower bound on the cost-weighted units",
        },
        catalogue=_catalogue,
        readers={".dot": _read, ".json": _read},
        solvers={
            "tcs_cpsat": "schedbench.solvers.tcs.cpsat",
            "tcs_highs": "schedbench.solvers.tcs.milp",
            "tcs_list": "schedbench.solvers.tcs.list_scheduling",
            "tcs_fds": "schedbench.solvers.tcs.fds",
            **HLS_SOLVERS,
        },
        schedule="start",
        picture="share",
    )


PROBLEM_CLASS = _problem_class()
