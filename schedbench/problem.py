"""The scheduling problem of docs/problems/icml24.md, as one immutable, validated type.

Every solver, dataset and metric in schedbench talks about a :class:`Problem`. It is
validated once on construction (so back-ends never re-check input) and carries the
graph facts every consumer needs (topological levels, ASAP/ALAP windows, trivial lower
bound) computed once and cached.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import numpy as np

CommMode = Literal["binary", "weighted"]
DuplicatePolicy = Literal["reject", "merge"]


class NodeNumbers(Sequence[str]):
    """The labels "0".."n-1" without n strings in memory (generated graphs, plain arrays)."""

    __slots__ = ("n",)

    def __init__(self, n: int):
        self.n = int(n)

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [str(j) for j in range(self.n)[i]]
        return str(range(self.n)[i])

    def __iter__(self) -> Any:
        return map(str, range(self.n))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, NodeNumbers):
            return self.n == other.n
        return isinstance(other, Sequence) and tuple(self) == tuple(other)

    def __hash__(self) -> int:
        return hash(("NodeNumbers", self.n))

    def __reduce__(self) -> tuple[Any, ...]:
        return NodeNumbers, (self.n,)

    def __repr__(self) -> str:
        return f"NodeNumbers({self.n})"


class ProblemError(ValueError):
    """Invalid problem input; the message is one line saying what is wrong and how to fix it."""


def _readonly_int(values: Any, what: str, size: int | None = None, owner: Any = None) -> np.ndarray:
    """Convert to a read-only int64 vector; reject non-numeric, non-finite or fractional entries.

    ``owner(i)`` names entry i in messages (a node or an edge label), else its index is used.
    """
    name = owner or (lambda i: f"entry {i}")
    raw = np.asarray(values)
    if raw.ndim != 1:
        raise ProblemError(f"{what} must be a 1-D array, got shape {raw.shape}")
    if size is not None and raw.shape[0] != size:
        raise ProblemError(f"{what} has {raw.shape[0]} entries, expected {size}")
    if raw.dtype.kind not in "biuf":
        numeric = np.empty(raw.shape[0], np.float64)
        for i, value in enumerate(raw.tolist()):
            try:
                numeric[i] = float(value)
            except (TypeError, ValueError):
                raise ProblemError(
                    f"{what} of {name(i)} is {value!r}, not a number; use a whole number >= 0"
                ) from None
        raw = numeric
    if raw.dtype.kind == "f":
        bad = ~np.isfinite(raw) | (raw != np.round(raw))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ProblemError(
                f"{what} of {name(i)} is {raw[i].item()!r}, not a finite whole number; "
                "weights and distances must be integers"
            )
    arr = raw.astype(np.int64)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class Problem:
    """A DAG scheduling instance: choose s_v in 0..L-1 with s_u + d_uv <= s_v per edge.

    cost(s) = ratio * peak(s) + comm(s), see :mod:`schedbench.evaluate`. Nodes are
    numbered 0..n-1; ``labels[i]`` is the node's name in the input (kept for output).
    Duplicate edges are rejected by default; ``duplicates="merge"`` keeps one edge with
    the summed weight and the largest distance (the same constraint, the same binary comm
    as one edge in the paper's model).
    """

    name: str
    n: int
    src: np.ndarray
    dst: np.ndarray
    w: np.ndarray
    c: np.ndarray
    d: np.ndarray
    stages: int
    ratio: float
    labels: Sequence[str] = field(repr=False)  # a tuple, or NodeNumbers for "0".."n-1"
    comm_mode: CommMode = "binary"

    # ------------------------------------------------------------------ construction
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
        """Build and validate a problem from node-indexed arrays (edge weight c defaults to 1)."""
        if not isinstance(n, int | np.integer) or n < 1:
            raise ProblemError(f"the graph of {name!r} is empty (n={n}); give at least one node")
        n = int(n)
        label_list = (
            labels
            if isinstance(labels, NodeNumbers)
            else NodeNumbers(n)
            if labels is None
            else tuple(str(v) for v in labels)
        )
        if len(label_list) != n:
            raise ProblemError(f"{len(label_list)} labels given for {n} nodes")
        src_a = _readonly_int(src, "edge source")
        dst_a = _readonly_int(dst, "edge target", src_a.shape[0])
        m = src_a.shape[0]
        bad = (src_a < 0) | (src_a >= n) | (dst_a < 0) | (dst_a >= n)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ProblemError(
                f"edge {i} = ({src_a[i]}, {dst_a[i]}) names a node outside 0..{n - 1}"
            )

        def node(i: int) -> str:
            return f"node {label_list[i]!r}"

        def edge(i: int) -> str:
            return f"edge ({label_list[src_a[i]]!r}, {label_list[dst_a[i]]!r})"

        w_a = _readonly_int(w, "node weight", n, node)
        c_a = _readonly_int(np.ones(m, np.int64) if c is None else c, "edge weight", m, edge)
        d_a = _readonly_int(np.zeros(m, np.int64) if d is None else d, "edge distance", m, edge)
        return cls._validated(
            name,
            n,
            src_a,
            dst_a,
            w_a,
            c_a,
            d_a,
            stages,
            ratio,
            label_list,
            comm_mode,
            duplicates,
        )

    @classmethod
    def from_networkx(
        cls,
        graph: Any,
        *,
        stages: int,
        ratio: float,
        name: str | None = None,
        node_weight: str = "parameter",
        edge_weight: str = "parameter",
        edge_distance: str = "distance",
        default_node_weight: int | None = None,
        default_edge_weight: int | None = None,
        comm_mode: CommMode = "binary",
        duplicates: DuplicatePolicy = "reject",
    ) -> Problem:
        """Build from a networkx (Multi)DiGraph; nodes are relabelled 0..n-1 in graph order.

        A missing weight attribute is an error unless the matching ``default_*`` is given.
        A missing distance attribute means 0 (the paper's model: nodes may chain).
        """
        if not graph.is_directed():
            raise ProblemError("the graph is undirected; scheduling needs a directed acyclic graph")
        title = name or str(graph.graph.get("name", "graph"))
        nodes = list(graph.nodes)
        index = {v: i for i, v in enumerate(nodes)}
        w = [
            _attribute(graph.nodes[v], node_weight, default_node_weight, f"node {v!r}")
            for v in nodes
        ]
        src, dst, c, d = [], [], [], []
        for u, v, data in graph.edges(data=True):
            src.append(index[u])
            dst.append(index[v])
            c.append(_attribute(data, edge_weight, default_edge_weight, f"edge ({u!r}, {v!r})"))
            d.append(data.get(edge_distance, 0))
        return cls.from_arrays(
            len(nodes),
            np.asarray(src, np.int64),
            np.asarray(dst, np.int64),
            np.asarray(w, dtype=object),
            np.asarray(c, dtype=object) if c else None,
            np.asarray(d, dtype=object) if d else None,
            stages=stages,
            ratio=ratio,
            name=title,
            labels=nodes,
            comm_mode=comm_mode,
            duplicates=duplicates,
        )

    @classmethod
    def from_file(cls, path: str | Path, *, stages: int, ratio: float, **options: Any) -> Problem:
        """Read a GML or edge-list file (see :mod:`schedbench.datasets.files`)."""
        from schedbench.datasets.files import read_problem

        return read_problem(path, stages=stages, ratio=ratio, **options)

    @classmethod
    def _validated(
        cls,
        name: str,
        n: int,
        src: np.ndarray,
        dst: np.ndarray,
        w: np.ndarray,
        c: np.ndarray,
        d: np.ndarray,
        stages: int,
        ratio: float,
        labels: Sequence[str],
        comm_mode: CommMode,
        duplicates: DuplicatePolicy,
    ) -> Problem:
        def lab(i: int) -> str:
            return labels[int(i)]

        if not isinstance(stages, int | np.integer) or isinstance(stages, bool):
            raise ProblemError(f"the number of stages L must be an integer, got {stages!r}")
        if stages < 1:
            raise ProblemError(f"the number of stages L = {stages} must be at least 1")
        if not (isinstance(ratio, int | float | np.number) and math.isfinite(ratio) and ratio > 0):
            raise ProblemError(f"the ratio R = {ratio!r} must be a positive finite number")
        if comm_mode not in ("binary", "weighted"):
            raise ProblemError(f"comm_mode {comm_mode!r} is unknown; use 'binary' or 'weighted'")
        for what, arr, owner in (
            ("node weight", w, None),
            ("edge weight", c, "e"),
            ("edge distance", d, "e"),
        ):
            if arr.size and arr.min() < 0:
                i = int(np.argmin(arr))
                where = (
                    f"node {lab(i)!r}"
                    if owner is None
                    else f"edge ({lab(src[i])!r}, {lab(dst[i])!r})"
                )
                raise ProblemError(
                    f"{what} of {where} is negative ({arr[i]}); weights must be >= 0"
                )
        loops = np.flatnonzero(src == dst)
        if loops.size:
            v = lab(src[loops[0]])
            raise ProblemError(
                f"edge ({v!r}, {v!r}) is a self-loop; remove it (the graph must be a DAG)"
            )
        key = src * n + dst
        uniq, first, counts = np.unique(key, return_index=True, return_counts=True)
        if (counts > 1).any():
            k = int(uniq[np.flatnonzero(counts > 1)[0]])
            if duplicates != "merge":
                raise ProblemError(
                    f"edge ({lab(k // n)!r}, {lab(k % n)!r}) appears "
                    f"{counts[counts > 1][0]} times; "
                    "remove the copies or pass duplicates='merge' to sum their weights"
                )
            inverse = np.searchsorted(uniq, key)
            order = np.sort(first)  # keep the first occurrence's position
            c_sum = np.bincount(inverse, weights=c, minlength=uniq.size).astype(np.int64)
            d_max = np.full(uniq.size, 0, np.int64)
            np.maximum.at(d_max, inverse, d)
            pick = inverse[order]
            src, dst, c, d = src[order], dst[order], c_sum[pick], d_max[pick]
            for arr in (src, dst, c, d):
                arr.setflags(write=False)
        problem = cls(name, n, src, dst, w, c, d, int(stages), ratio, labels, comm_mode)
        problem._check_acyclic_and_feasible()
        return problem

    def _check_acyclic_and_feasible(self) -> None:
        order = self.topological_order  # raises on a cycle
        del order
        span = int(self.asap.max()) if self.d.any() else 0
        if span > self.stages - 1:
            raise ProblemError(
                f"edge distances need {span + 1} stages but L = {self.stages}; "
                f"use L >= {span + 1} or reduce the distances"
            )

    # ------------------------------------------------------------------ derived facts
    @cached_property
    def digest(self) -> str:
        """sha256 of everything that defines the instance (graph, weights, L, R, comm mode):
        two problems with the same digest have the same optimum and the same costs."""
        import hashlib

        h = hashlib.sha256()
        for array in (self.src, self.dst, self.w, self.c, self.d):
            h.update(np.ascontiguousarray(array, np.int64).tobytes())
            h.update(b"|")
        h.update(f"{self.n} {self.stages} {self.ratio!r} {self.comm_mode}".encode())
        return h.hexdigest()

    @property
    def m(self) -> int:
        """Number of edges."""
        return int(self.src.shape[0])

    @cached_property
    def _forward(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        order, level, asap = _longest_paths(self.n, self.src, self.dst, self.d)
        if order.shape[0] < self.n:
            raise ProblemError(
                f"the graph has a cycle {self._cycle_text(order)}; remove an edge of it"
            )
        return order, level, asap

    @cached_property
    def topological_order(self) -> np.ndarray:
        """Nodes in an order where every edge points forward (Kahn's order, level by level)."""
        return self._forward[0]

    @cached_property
    def level(self) -> np.ndarray:
        """Topological level: edges on a longest path from a source (sources are level 0)."""
        return self._forward[1]

    @cached_property
    def depth(self) -> int:
        """Nodes on a longest path (the paper's Table 1 'depth')."""
        return int(self.level.max()) + 1

    @cached_property
    def asap(self) -> np.ndarray:
        """Earliest feasible stage of each node (longest distance path from a source)."""
        return self._forward[2]

    @cached_property
    def alap(self) -> np.ndarray:
        """Latest feasible stage of each node: L-1 minus the longest distance path to a sink."""
        _, _, tail = _longest_paths(self.n, self.dst, self.src, self.d)
        out = (self.stages - 1 - tail).astype(np.int64)
        out.setflags(write=False)
        return out

    @cached_property
    def in_edges(self) -> tuple[np.ndarray, np.ndarray]:
        """(ptr, edges): the edges into node v are ``edges[ptr[v]:ptr[v + 1]]``."""
        return _csr(self.n, self.dst)

    @cached_property
    def out_edges(self) -> tuple[np.ndarray, np.ndarray]:
        """(ptr, edges): the edges out of node v are ``edges[ptr[v]:ptr[v + 1]]``."""
        return _csr(self.n, self.src)

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

    # ------------------------------------------------------------------ helpers
    def with_settings(self, **changes: Any) -> Problem:
        """A copy with other L, R, comm_mode or name, validated again."""
        fields = {
            "stages": self.stages,
            "ratio": self.ratio,
            "comm_mode": self.comm_mode,
            "name": self.name,
        } | changes
        return Problem._validated(
            fields["name"],
            self.n,
            self.src,
            self.dst,
            self.w,
            self.c,
            self.d,
            fields["stages"],
            fields["ratio"],
            self.labels,
            fields["comm_mode"],
            "reject",
        )

    def to_networkx(self) -> Any:
        """A DiGraph with the original labels and ``parameter``/``distance`` attributes."""
        import networkx as nx

        graph = nx.DiGraph(name=self.name)
        for label, weight in zip(self.labels, self.w.tolist(), strict=True):
            graph.add_node(label, parameter=weight)
        for u, v, c, d in zip(
            self.src.tolist(), self.dst.tolist(), self.c.tolist(), self.d.tolist(), strict=True
        ):
            graph.add_edge(self.labels[u], self.labels[v], parameter=c, distance=d)
        return graph

    def _cycle_text(self, ordered: np.ndarray) -> str:
        """Name one cycle among the nodes Kahn's algorithm could not order: each of them
        has an unordered predecessor, so walking predecessors must close a cycle (a loop,
        not recursion, and numpy over the edges: fine at 10^7 nodes)."""
        left = np.ones(self.n, bool)
        left[ordered] = False
        inside = np.flatnonzero(left[self.src] & left[self.dst])
        targets = self.dst[inside]
        order = np.argsort(targets, kind="stable")
        nodes = distinct(targets)
        first = inside[order[np.searchsorted(targets[order], nodes)]]
        pred = dict(zip(nodes.tolist(), self.src[first].tolist(), strict=True))
        seen: dict[int, int] = {}
        path: list[int] = []
        v = int(nodes[0])
        while v not in seen:
            seen[v] = len(path)
            path.append(v)
            v = pred[v]
        cycle = [*path[seen[v] :], v][::-1]  # walked backwards
        return " -> ".join(repr(self.labels[i]) for i in cycle)

    def __str__(self) -> str:
        return (
            f"Problem({self.name!r}: n={self.n}, m={self.m}, depth={self.depth}, "
            f"L={self.stages}, R={self.ratio}, comm={self.comm_mode})"
        )


def _attribute(data: dict, key: str, default: int | None, owner: str) -> Any:
    if key in data:
        return data[key]
    if default is None:
        raise ProblemError(
            f"{owner} has no {key!r} attribute; add it, choose another attribute name, "
            "or ask for a default weight"
        )
    return default


def scale_peak(ratio: float, peak: Any) -> Any:
    """R * peak in integers when R is a whole number, so costs stay exact."""
    if float(ratio).is_integer():
        return int(ratio) * peak
    return float(ratio) * peak


def distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values, by sorting (numpy 2's hash-based ``np.unique`` is many
    times slower on wide integer keys)."""
    ordered = np.sort(values)
    if ordered.size == 0:
        return ordered
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]]


def _csr(n: int, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    edges = np.argsort(ends, kind="stable")
    ptr = np.searchsorted(ends[edges], np.arange(n + 1))
    for arr in (edges, ptr):
        arr.setflags(write=False)
    return ptr, edges


def _longest_paths(
    n: int, src: np.ndarray, dst: np.ndarray, dist: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Kahn's algorithm, one frontier at a time in numpy.

    Returns (order, level, longest) where ``level`` counts edges and ``longest`` sums
    ``dist`` on a longest path from a source. ``order`` is shorter than n on a cycle.
    """
    order_idx = np.argsort(src, kind="stable")
    s_sorted, d_sorted, w_sorted = src[order_idx], dst[order_idx], dist[order_idx]
    start = np.searchsorted(s_sorted, np.arange(n + 1))
    indeg = np.bincount(dst, minlength=n)
    level = np.zeros(n, np.int64)
    longest = np.zeros(n, np.int64)
    frontier = np.flatnonzero(indeg == 0)
    chunks = []
    while frontier.size:
        chunks.append(frontier)
        lo, hi = start[frontier], start[frontier + 1]
        counts = hi - lo
        if counts.sum() == 0:
            break
        edges = np.repeat(lo - np.cumsum(np.r_[0, counts[:-1]]), counts) + np.arange(counts.sum())
        heads, tails = d_sorted[edges], s_sorted[edges]
        np.maximum.at(level, heads, level[tails] + 1)
        np.maximum.at(longest, heads, longest[tails] + w_sorted[edges])
        np.subtract.at(indeg, heads, 1)
        touched = distinct(heads)
        frontier = touched[indeg[touched] == 0]
    order = np.concatenate(chunks) if chunks else np.zeros(0, np.int64)
    for arr in (order, level, longest):
        arr.setflags(write=False)
    return order, level, longest
