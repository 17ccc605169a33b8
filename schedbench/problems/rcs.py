"""Resource-constrained minimum-latency scheduling (RCS), the HLS operator-scheduling class.

Typed operations, an integer delay per operation type and a number of functional units
per type; a unit is busy over [t, t + delay); an edge i -> j needs t_i + d_i <= t_j. A
schedule is a start cycle per operation; its cost is the latency max(t_i + d_i). The
statement, in this project's words, is docs/problems/rcs.md; HeuriGym's operator
scheduling task uses the same semantics and file format (:func:`read_heurigym`).

:class:`RCSProblem` is validated once (one-line errors) and owns evaluation of a batch of
schedules, the lower bounds and the ``node:cycle`` schedule format.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from schedbench.graph import Graph, ProblemError
from schedbench.problems.common import HLS_SOLVERS, Report, TypedOperations, cheapest
from schedbench.problems.dot import read_dot_lists, typed_graph
from schedbench.problems.units import critical_path_priority, schedule_on_units


@dataclass(frozen=True, eq=False)
class RCSProblem(TypedOperations):
    """An RCS instance on a typed :class:`~schedbench.graph.Graph` (``graph.op_type[i]``
    indexes ``graph.types``); ``delay`` and ``units`` are per type. Build with
    :meth:`from_lists`, :func:`read_heurigym` or :func:`read_dot`."""

    graph: Graph
    delay: np.ndarray
    units: np.ndarray

    @classmethod
    def on(cls, graph: Graph, delay: np.ndarray, units: np.ndarray) -> RCSProblem:
        """Validate the class's parameters on a validated typed graph."""
        graph.require_dag("rcs")
        if graph.op_type is None:
            raise ProblemError(
                f"the graph of {graph.name!r} has no operation types; RCS needs them"
            )
        if len(set(graph.labels)) != graph.n:
            dup = next(x for x in graph.labels if graph.labels.count(x) > 1)
            raise ProblemError(f"operation {dup!r} is listed twice; give each one once")
        for what, values in (("delay", delay), ("unit count", units)):
            if len(values) != len(graph.types):
                raise ProblemError(
                    f"{len(values)} {what}s given for {len(graph.types)} operation types"
                )
            bad = np.flatnonzero(np.asarray(values) < 1)
            if bad.size:
                t = graph.types[bad[0]]
                raise ProblemError(
                    f"the {what} of type {t!r} is {values[bad[0]]}; it must be a whole number >= 1"
                )
        return cls(graph, np.asarray(delay, np.int64), np.asarray(units, np.int64))

    @classmethod
    def from_lists(
        cls,
        name: str,
        nodes: list[tuple[str, str]],
        edges: list[tuple[str, str]],
        delay: dict[str, int],
        units: dict[str, int],
    ) -> RCSProblem:
        """From (label, type) nodes, (src, dst) edges and per-type delays and unit counts."""
        if not nodes:
            raise ProblemError(f"RCS instance {name!r} has no operations; give at least one")
        types = tuple(dict.fromkeys(str(t) for _, t in nodes))
        for t in types:
            for what, table in (("delay", delay), ("resource", units)):
                if t not in table:
                    raise ProblemError(
                        f"operation type {t!r} has no {what}; add it to the {what!r} table"
                    )
        graph = typed_graph(name, nodes, edges)
        return cls.on(
            graph,
            np.asarray([_whole(delay[t], f"delay of {t!r}") for t in types], np.int64),
            np.asarray([_whole(units[t], f"resource of {t!r}") for t in types], np.int64),
        )

    # ------------------------------------------------------------------ graph facts

    @property
    def types(self) -> tuple[str, ...]:
        return self.graph.types

    @property
    def op_type(self) -> np.ndarray:
        return self.graph.op_type  # type: ignore[return-value]

    @property
    def successors(self) -> list[list[int]]:
        return self.graph.successors

    @property
    def order(self) -> np.ndarray:
        """A topological order of the operations."""
        return self.graph.topological_order

    @cached_property
    def digest(self) -> str:
        """What identifies the instance: types, delays, units, operations and edges."""
        blob = json.dumps(
            {
                "class": "rcs",
                "types": list(self.types),
                "delay": self.delay.tolist(),
                "units": self.units.tolist(),
                "labels": list(self.labels),
                "op_type": self.op_type.tolist(),
                "edges": np.stack([self.src, self.dst], 1).tolist(),
            }
        )
        return hashlib.sha256(blob.encode()).hexdigest()

    # ------------------------------------------------------------------ bounds

    def lower_bounds(self) -> dict[str, int]:
        """Valid latency bounds: the critical path, and per type the work its units must do
        between the type's earliest start and its shortest tail (the bound holds because
        no operation of the type can start before min ASAP nor end after L - min tail)."""
        d = self.node_delay
        per_type = 0
        for k in range(len(self.types)):
            ops = np.flatnonzero(self.op_type == k)
            work = int(d[ops].sum())
            span = -(-work // int(self.units[k]))
            per_type = max(per_type, int(self.asap[ops].min()) + span + int(self.tail[ops].min()))
        return {"critical_path": self.critical_path, "resource": per_type}

    integral_costs = True  # latencies are whole cycles: bounds round up
    CLASS = "rcs"

    @cached_property
    def reference_schedule(self) -> np.ndarray:
        """The critical-path list schedule: the common reference every curve can be
        divided by (the role ASAP plays in the paper's class)."""
        return schedule_on_units(
            self.n,
            self.node_delay,
            self.successors,
            self.dst,
            self.op_type,
            self.units,
            critical_path_priority(self),
        )

    def facts(self) -> dict[str, object]:
        """What a run's record says about its instance (PROBLEM_CLASS.facts)."""
        return {
            "n": self.n,
            "m": self.m,
            "depth": self.critical_path,
            "total_weight": int(self.node_delay.sum()),
        }

    # ------------------------------------------------------------------ evaluation

    def evaluate(self, starts: object) -> RCSEvaluation:
        """Feasibility and latency of a batch of schedules ([B, n] or [n] start cycles)."""
        s = self.start_cycles(starts)
        d = self.node_delay
        end = s + d
        negative = (s < 0).any(axis=1)
        precedence = (end[:, self.src] > s[:, self.dst]).any(axis=1)
        latency = end.max(axis=1)
        overload = np.zeros(len(s), dtype=bool)
        horizon = int(max(latency.max(), 1)) + 1
        if not negative.all():
            clipped = np.clip(s, 0, None)
            for k in range(len(self.types)):
                ops = np.flatnonzero(self.op_type == k)
                busy = np.zeros((len(s), horizon + 1), dtype=np.int64)
                rows = np.repeat(np.arange(len(s)), len(ops))
                np.add.at(busy, (rows, clipped[:, ops].ravel()), 1)
                np.add.at(busy, (rows, np.minimum(clipped[:, ops] + d[ops], horizon).ravel()), -1)
                overload |= (busy.cumsum(axis=1) > self.units[k]).any(axis=1)
        feasible = ~(negative | precedence | overload)
        return RCSEvaluation(feasible=feasible, latency=latency)

    def report(self, start: object) -> RCSReport:
        """One schedule's feasibility, latency and, if broken, the first broken rule."""
        s = np.asarray(start).reshape(-1)
        result = self.evaluate(s)
        why = "" if result.feasible[0] else self.check(s)
        return RCSReport(bool(result.feasible[0]), float(result.latency[0]), why)

    def check(self, start: object) -> str:
        """'' for a feasible schedule, else what is wrong with it, in one line."""
        s = np.asarray(start).reshape(-1)
        result = self.evaluate(s)
        if result.feasible[0]:
            return ""
        d = self.node_delay
        if (s < 0).any():
            i = int(np.flatnonzero(s < 0)[0])
            return f"operation {self.labels[i]!r} starts at {s[i]} < 0"
        late = np.flatnonzero(s[self.src] + d[self.src] > s[self.dst])
        if late.size:
            a, b = self.src[late[0]], self.dst[late[0]]
            return (
                f"{self.labels[b]!r} starts at {s[b]} before {self.labels[a]!r} ends at "
                f"{s[a] + d[a]}"
            )
        for k, t in enumerate(self.types):
            ops = np.flatnonzero(self.op_type == k)
            for cycle in range(int((s + d).max())):
                busy = int(((s[ops] <= cycle) & (cycle < s[ops] + d[ops])).sum())
                if busy > self.units[k]:
                    return f"{busy} {t} operations are busy at cycle {cycle}; {self.units[k]} units"
        return "infeasible"


@dataclass(frozen=True)
class RCSEvaluation:
    """Per schedule of a batch: feasible, and the latency max(t_i + d_i), which is the
    cost (``terms`` names it for the records)."""

    feasible: np.ndarray
    latency: np.ndarray

    @property
    def cost(self) -> np.ndarray:
        return self.latency

    @property
    def terms(self) -> dict[str, np.ndarray]:
        return {"latency": self.latency}

    def best(self) -> int | None:
        """Index of the lowest-latency feasible schedule, or None when none is feasible."""
        return cheapest(self.feasible, self.latency)


RCSReport = Report  # one checked schedule (the name other modules import)


def _whole(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise ProblemError(f"the {what} is {value!r}; it must be a whole number")
    return int(value)


def read_heurigym(path: str | Path) -> RCSProblem:
    """An instance in HeuriGym's JSON: ``name``, ``delay`` and ``resource`` per type,
    ``nodes`` as [label, type], ``edges`` as [src, dst, name]."""
    path = Path(path)
    if not path.is_file():
        raise ProblemError(f"RCS file {str(path)!r} does not exist; check the path")
    try:
        data = json.loads(path.read_text())
        nodes = [(str(label), str(kind)) for label, kind in data["nodes"]]
        for i, edge in enumerate(data["edges"]):
            if not isinstance(edge, list | tuple) or len(edge) < 2:
                raise ProblemError(
                    f"{path.name}: edge {i} is {edge!r}; give each edge as [src, dst, name]"
                )
        edges = [(str(e[0]), str(e[1])) for e in data["edges"]]
        delay, units = data["delay"], data["resource"]
    except ProblemError:
        raise
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
        raise ProblemError(
            f"{path.name} is not a HeuriGym operator-scheduling file ({type(err).__name__}: "
            f"{err}); it needs 'delay', 'resource', 'nodes' and 'edges'"
        ) from None
    return RCSProblem.from_lists(path.stem, nodes, edges, delay, units)  # as HeuriGym names it


def read_dot(path: str | Path, delay: dict[str, int], units: dict[str, int]) -> RCSProblem:
    """A data-flow graph in the DOT form of the ExPRESS benchmarks and HeuriGym
    (:func:`schedbench.problems.dot.read_dot_lists`), with the delays and unit counts per
    type given separately (HeuriGym's JSON beside it, or your own)."""
    nodes, edges = read_dot_lists(path)
    return RCSProblem.from_lists(Path(path).stem, nodes, edges, delay, units)


# ---------------------------------------------------------------- the class as a plugin


def _catalogue() -> list:
    from functools import partial

    from schedbench.classes import Dataset
    from schedbench.datasets import heurigym, typed_synthetic

    shipped = [
        Dataset(f"{heurigym.PREFIX}{name}", partial(heurigym.load, name),
                f"HeuriGym operator scheduling ({size})")
        for size, names in heurigym.SIZES.items() for name in names
    ]  # fmt: skip
    params = {
        "nodes": 1000,
        "density": 1.5,
        "depth": None,
        "seed": 0,
        "pressure": 1.0,
        "width": None,
    }
    about = "seeded HLS-like DAG whose units bind (nodes, density, depth or width, seed, pressure)"
    return [*shipped, Dataset("rcs_synthetic", typed_synthetic.rcs, about, params)]


def _read_json(path: Path) -> RCSProblem:
    return read_heurigym(path)


def _read_dot(
    path: Path, delay: dict[str, int] | None = None, units: dict[str, int] | None = None
) -> RCSProblem:
    if not delay or not units:
        raise ProblemError(
            f"an RCS instance from {path.name} needs a delay and a unit count per operation "
            "type: give +dataset.params.delay={MUL:2,...} and +dataset.params.units={MUL:1,...} "
            f"(or delay: and units: in {path.stem}.yaml beside it)"
        )
    return read_dot(path, dict(delay), dict(units))


def _problem_class() -> object:
    from schedbench.classes import ProblemClass

    return ProblemClass(
        name="rcs",
        title="resource-constrained minimum latency (HLS operator scheduling)",
        cost="latency: the cycle the last operation ends",
        unit="cycles",
        statement="docs/problems/rcs.md",
        terms={"latency": "the best schedule's latency max(t_i + d_i), in cycles"},
        facts={
            "n": "operations",
            "m": "dependences",
            "depth": "the critical path in cycles (the latency with unlimited units)",
            "total_weight": "the operations' summed delay (cycles of work)",
        },
        columns={
            "trivial_bound": "max(critical path, per-type work bound) in cycles",
            "asap_cost": "the critical-path list schedule's latency (the common reference)",
            "best_cost": "the latency of the best schedule, in cycles",
            "bound": "a proved lower bound on the latency, in cycles",
        },
        catalogue=_catalogue,
        readers={".json": _read_json, ".dot": _read_dot},
        solvers={
            "rcs_list": "schedbench.solvers.rcs.list_scheduling",
            "rcs_cpsat": "schedbench.solvers.rcs.cpsat",
            "rcs_highs": "schedbench.solvers.rcs.milp",
            **HLS_SOLVERS,
        },
        schedule="start",
        picture="share",
        primary=(".json",),
    )


PROBLEM_CLASS = _problem_class()
