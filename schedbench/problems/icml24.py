"""The paper's class (icml24, docs/problems/icml24.md): the instance type and the class
as a plugin.

Every ICML24 solver, dataset and metric talks about a :class:`Problem`: a validated
:class:`~schedbench.graph.Graph` plus the stage count L, the ratio R and the comm mode.
It is validated once on construction (so back-ends never re-check input) and carries the
facts every consumer needs (ASAP/ALAP windows, trivial lower bound), computed once.
:data:`PROBLEM_CLASS` tells the harness what the class has (its datasets, files, solvers
and words; :mod:`schedbench.classes`); its evaluator is :mod:`schedbench.evaluate`.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import numpy as np

from schedbench.classes import ProblemClass
from schedbench.graph import DuplicatePolicy, Graph, NodeNumbers, ProblemError, distinct
from schedbench.problems.common import OnGraph

CommMode = Literal["binary", "weighted"]

__all__ = [
    "PROBLEM_CLASS",
    "CommMode",
    "DuplicatePolicy",
    "NodeNumbers",
    "Problem",
    "ProblemError",
    "distinct",
    "scale_peak",
]


@dataclass(frozen=True, eq=False)
class Problem(OnGraph):
    """A DAG scheduling instance: choose s_v in 0..L-1 with s_u + d_uv <= s_v per edge.

    cost(s) = ratio * peak(s) + comm(s), see :mod:`schedbench.evaluate`. Nodes are
    numbered 0..n-1; ``labels[i]`` is the node's name in the input (kept for output).
    The graph's node weight is w, its edge weight c and its edge distance d.
    """

    graph: Graph
    stages: int
    ratio: float
    comm_mode: CommMode = "binary"

    CLASS = "icml24"  # schedbench.problems.icml24: the class as a plugin

    # ------------------------------------------------------------------ construction
    @classmethod
    def of(
        cls, graph: Graph, *, stages: int, ratio: float, comm_mode: CommMode = "binary"
    ) -> Problem:
        """The validated problem on ``graph`` with L = ``stages`` and R = ``ratio``."""
        if not isinstance(stages, int | np.integer) or isinstance(stages, bool):
            raise ProblemError(f"the number of stages L must be an integer, got {stages!r}")
        if stages < 1:
            raise ProblemError(f"the number of stages L = {stages} must be at least 1")
        if not (isinstance(ratio, int | float | np.number) and math.isfinite(ratio) and ratio > 0):
            raise ProblemError(f"the ratio R = {ratio!r} must be a positive finite number")
        graph.require_dag("icml24")
        if comm_mode not in ("binary", "weighted"):
            raise ProblemError(f"comm_mode {comm_mode!r} is unknown; use 'binary' or 'weighted'")
        span = int(graph.distance_from_source.max()) if graph.d.any() else 0
        if span > stages - 1:
            raise ProblemError(
                f"edge distances need {span + 1} stages but L = {stages}; "
                f"use L >= {span + 1} or reduce the distances"
            )
        return cls(graph, int(stages), ratio, comm_mode)

    @classmethod
    def from_arrays(
        cls,
        n: int,
        src: Sequence[int] | np.ndarray,
        dst: Sequence[int] | np.ndarray,
        w: Sequence[float] | np.ndarray,
        c: Sequence[float] | np.ndarray | None = None,
        d: Sequence[float] | np.ndarray | None = None,
        *,
        stages: int,
        ratio: float,
        name: str = "problem",
        labels: Sequence[Hashable] | None = None,
        comm_mode: CommMode = "binary",
        duplicates: DuplicatePolicy = "reject",
    ) -> Problem:
        """Build and validate a problem from node-indexed arrays (edge weight c defaults to 1).

        Duplicate edges are rejected by default; ``duplicates="merge"`` keeps one edge with
        the summed weight and the largest distance (the same constraint, the same binary
        comm as one edge in the paper's model)."""
        graph = Graph.from_arrays(
            n, src, dst, w, c, d, name=name, labels=labels, duplicates=duplicates
        )
        return cls.of(graph, stages=stages, ratio=ratio, comm_mode=comm_mode)

    @classmethod
    def from_networkx(
        cls,
        graph: Any,
        *,
        stages: int,
        ratio: float,
        comm_mode: CommMode = "binary",
        **options: Any,
    ) -> Problem:
        """Build from a networkx (Multi)DiGraph (options: :meth:`Graph.from_networkx`)."""
        validated = Graph.from_networkx(graph, **options)
        return cls.of(validated, stages=stages, ratio=ratio, comm_mode=comm_mode)

    # ------------------------------------------------------------------ the graph
    @property
    def w(self) -> np.ndarray:
        return self.graph.w

    @property
    def c(self) -> np.ndarray:
        return self.graph.c

    @property
    def d(self) -> np.ndarray:
        return self.graph.d

    @property
    def topological_order(self) -> np.ndarray:
        return self.graph.topological_order

    @property
    def level(self) -> np.ndarray:
        return self.graph.level

    @property
    def depth(self) -> int:
        return self.graph.depth

    @property
    def in_edges(self) -> tuple[np.ndarray, np.ndarray]:
        return self.graph.in_edges

    @property
    def out_edges(self) -> tuple[np.ndarray, np.ndarray]:
        return self.graph.out_edges

    # ------------------------------------------------------------------ derived facts
    @cached_property
    def digest(self) -> str:
        """sha256 of everything that defines the instance (graph, weights, L, R, comm mode):
        two problems with the same digest have the same optimum and the same costs."""
        h = hashlib.sha256()
        for array in (self.src, self.dst, self.w, self.c, self.d):
            h.update(np.ascontiguousarray(array, np.int64).tobytes())
            h.update(b"|")
        h.update(f"{self.n} {self.stages} {self.ratio!r} {self.comm_mode}".encode())
        return h.hexdigest()

    @cached_property
    def asap(self) -> np.ndarray:
        """Earliest feasible stage of each node (longest distance path from a source)."""
        return self.graph.distance_from_source

    @cached_property
    def alap(self) -> np.ndarray:
        """Latest feasible stage of each node: L-1 minus the longest distance path to a sink."""
        out = (self.stages - 1 - self.graph.distance_to_sink).astype(np.int64)
        out.setflags(write=False)
        return out

    @cached_property
    def positive_edges(self) -> np.ndarray:
        """Indices of edges with c > 0: the only edges that count in comm."""
        idx = np.flatnonzero(self.c > 0)
        idx.setflags(write=False)
        return idx

    @cached_property
    def comm_coeff(self) -> np.ndarray:
        """Per-edge comm multiplier: 1 for c > 0 (binary, the paper) or c itself (weighted)."""
        coeff = (self.c > 0).astype(np.int64) if self.comm_mode == "binary" else self.c.copy()
        coeff.setflags(write=False)
        return coeff

    @cached_property
    def comm_slope(self) -> np.ndarray:
        """Per-node comm gradient: comm(s) = s @ comm_slope (counted in-edge coefficients
        minus counted out-edge coefficients), so comm costs O(n) per schedule."""
        slope = np.zeros(self.n, np.int64)
        np.add.at(slope, self.dst, self.comm_coeff)
        np.subtract.at(slope, self.src, self.comm_coeff)
        slope.setflags(write=False)
        return slope

    @cached_property
    def peak_lower_bound(self) -> int:
        """peak >= max(ceil(sum w / L), max w)."""
        total = int(self.w.sum())
        return max(-(-total // self.stages), int(self.w.max()))

    @cached_property
    def comm_lower_bound(self) -> int:
        """comm >= sum over counted edges of d_uv (0 when there are no distances)."""
        return int(self.comm_coeff @ self.d)

    @property
    def integral_costs(self) -> bool:
        """Whether every cost is a whole number (R is one), so bounds round up."""
        return float(self.ratio).is_integer()

    @cached_property
    def trivial_lower_bound(self) -> float:
        """R * peak bound + comm bound; an integer when R is."""
        return scale_peak(self.ratio, self.peak_lower_bound) + self.comm_lower_bound

    # ------------------------------------------------------------------ the class protocol
    def evaluate(self, schedules: object) -> Any:
        """Peak, comm, cost and feasibility of a batch (:func:`schedbench.evaluate.evaluate`)."""
        from schedbench.evaluate import evaluate

        return evaluate(self, schedules)

    def report(self, schedule: object) -> Any:
        """One schedule checked in full (:func:`schedbench.evaluate.check`)."""
        from schedbench.evaluate import check

        return check(self, schedule)

    @property
    def reference_schedule(self) -> np.ndarray:
        """ASAP: the schedule every curve can be divided by."""
        return self.asap

    def facts(self) -> dict[str, Any]:
        """What a run's record says about the instance: size, L, R, total weight, the
        trivial bound and the ASAP reference's cost."""
        return {
            "n": self.n,
            "m": self.m,
            "depth": self.depth,
            "stages": self.stages,
            "ratio": self.ratio,
            "total_weight": int(self.w.sum()),
        }

    # ------------------------------------------------------------------ helpers
    def with_settings(self, **changes: Any) -> Problem:
        """A copy with other L, R, comm_mode or name, validated again (the graph is kept)."""
        name = changes.pop("name", None)
        unknown = set(changes) - {"stages", "ratio", "comm_mode"}
        if unknown:
            raise ProblemError(
                f"with_settings cannot change {sorted(unknown)}; only L, R, comm_mode, name"
            )
        fields = {"stages": self.stages, "ratio": self.ratio, "comm_mode": self.comm_mode} | changes
        graph = self.graph if name is None else self.graph.renamed(name)
        return Problem.of(graph, **fields)

    def to_networkx(self) -> Any:
        """A DiGraph with the original labels and ``parameter``/``distance`` attributes."""
        return self.graph.to_networkx()

    def __str__(self) -> str:
        return (
            f"Problem({self.name!r}: n={self.n}, m={self.m}, depth={self.depth}, "
            f"L={self.stages}, R={self.ratio}, comm={self.comm_mode})"
        )


def scale_peak(ratio: float, peak: Any) -> Any:
    """R * peak in integers when R is a whole number, so costs stay exact."""
    if float(ratio).is_integer():
        return int(ratio) * peak
    return float(ratio) * peak


# ---------------------------------------------------------------- the class as a plugin


def _catalogue() -> list:
    from schedbench.datasets.registry import paper_datasets

    return paper_datasets()


def _read(path: object, **options: object) -> object:
    from schedbench.datasets.registry import read_paper_file

    return read_paper_file(path, **options)


PROBLEM_CLASS = ProblemClass(
    name="icml24",
    title="stage assignment minimizing R * peak memory + communication (the ICML 2024 paper)",
    cost="R * peak + comm: R times the largest stage's memory plus the stage boundaries "
    "crossed by counted edges",
    unit="R*peak+comm",
    statement="docs/problems/icml24.md",
    terms={
        "peak": "the best schedule's peak stage memory (largest per-stage sum of w)",
        "comm": "the best schedule's communication (stage boundaries crossed by edges with c > 0)",
    },
    facts={
        "n": "nodes",
        "m": "edges",
        "depth": "nodes on a longest path",
        "stages": "L, the number of stages",
        "ratio": "R, the price of peak memory in communication units",
        "total_weight": "sum of the node weights",
    },
    columns={
        "trivial_bound": "R * max(ceil(sum w / L), max w) + the distance bound on comm",
        "asap_cost": "the cost of the ASAP schedule (the common reference)",
        "best_cost": "R * peak + comm of the best schedule",
        "bound": "a proved lower bound on R * peak + comm",
    },
    settings=("stages", "ratio", "comm_mode"),
    catalogue=_catalogue,
    readers={s: _read for s in (".gml", ".edges", ".edgelist", ".txt", ".el", ".aig")},
    solvers={
        name: f"schedbench.solvers.{module}"
        for name, module in {
            "cpsat": "icml24.cpsat",
            "highs": "highs",  # the MILP adapters serve every class's linear model
            "gurobi": "gurobi",
            "cplex": "cplex",
            "cbc": "cbc",
            "asap": "icml24.asap",
            "topo_chunk": "icml24.topo_chunk",
            "list": "icml24.list_scheduling",
            "fds": "icml24.fds",
            "gs": "icml24.gs",
            "gs_plus": "icml24.gs_plus",
            "gauss": "icml24.gauss",
            "local_search": "icml24.local_search",
            "nested_cuts": "icml24.nested_cuts",
            "nested_bound": "icml24.nested_bound",
        }.items()
    },
)
