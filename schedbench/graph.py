"""The validated graph every problem class schedules (docs/problems/).

A :class:`Graph` is a DAG on nodes 0..n-1 with labels (the input's names, kept for
output), an integer weight and optionally an operation type per node, and an integer
weight and a minimum distance per edge. It is validated once when built (one-line
:class:`ProblemError` messages) and carries the topological facts every class uses,
computed once and cached. A problem class (``schedbench.problems.icml24.Problem`` for the
paper's, ``schedbench.problems.rcs.RCSProblem`` for resource-constrained latency) adds
its parameters, its meaning of a schedule and its costs on top of a Graph.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from schedbench.edges import DuplicatePolicy, no_repeated_dependence, without_duplicates
from schedbench.node_arrays import NodeNumbers, ProblemError, distinct, readonly_int

__all__ = ["DuplicatePolicy", "Graph", "NodeNumbers", "ProblemError", "distinct", "longest_paths"]


@dataclass(frozen=True, eq=False)
class Graph:
    """A validated DAG. ``w`` node weights, ``c`` edge weights, ``d`` edge minimum
    distances (s_u + d_uv <= s_v), all int64 and read-only; ``op_type[i]`` indexes
    ``types`` (empty when the nodes are untyped). Build with :meth:`from_arrays` or
    :meth:`from_networkx`; the plain constructor trusts its arrays."""

    name: str
    src: np.ndarray
    dst: np.ndarray
    w: np.ndarray
    c: np.ndarray
    d: np.ndarray
    labels: Sequence[str] = field(repr=False)  # a tuple, or NodeNumbers for "0".."n-1"
    op_type: np.ndarray | None = field(default=None, repr=False)
    types: tuple[str, ...] = ()
    # per edge, the iteration distance of a loop body (None: all 0, one iteration, a DAG);
    # an edge with distance > 0 is loop-carried, and a cycle needs a positive total
    iteration: np.ndarray | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_arrays(
        cls,
        n: int,
        src: Sequence[int] | np.ndarray,
        dst: Sequence[int] | np.ndarray,
        w: Sequence[float] | np.ndarray | None = None,
        c: Sequence[float] | np.ndarray | None = None,
        d: Sequence[float] | np.ndarray | None = None,
        *,
        name: str = "graph",
        labels: Sequence[Hashable] | None = None,
        op_type: Sequence[int] | np.ndarray | None = None,
        types: Sequence[str] = (),
        duplicates: DuplicatePolicy = "reject",
        iteration: Sequence[int] | np.ndarray | None = None,
    ) -> Graph:
        """Validate node-indexed arrays (w defaults to 1 per node, c to 1 and d to 0 per edge).

        Duplicate edges are rejected by default; ``duplicates="merge"`` keeps one edge
        with the summed weight and the largest distance. ``iteration`` gives each edge an
        iteration distance (a loop body: cycles are legal when their total is positive;
        two edges between the same nodes at different distances are two dependences)."""
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
        src_a = readonly_int(src, "edge source")
        dst_a = readonly_int(dst, "edge target", src_a.shape[0])
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

        w_a = readonly_int(np.ones(n, np.int64) if w is None else w, "node weight", n, node)
        c_a = readonly_int(np.ones(m, np.int64) if c is None else c, "edge weight", m, edge)
        d_a = readonly_int(np.zeros(m, np.int64) if d is None else d, "edge distance", m, edge)
        kinds = None
        if op_type is not None:
            kinds = readonly_int(op_type, "operation type", n, node)
            outside = (kinds < 0) | (kinds >= len(types))
            if outside.any():
                i = int(np.flatnonzero(outside)[0])
                raise ProblemError(
                    f"the operation type of {node(i)} is {kinds[i]}, outside the "
                    f"{len(types)} types given"
                )
        for what, arr, on_edge in (("node weight", w_a, False), ("edge weight", c_a, True),
                                   ("edge distance", d_a, True)):  # fmt: skip
            if arr.size and arr.min() < 0:
                i = int(np.argmin(arr))
                where = edge(i) if on_edge else node(i)
                raise ProblemError(
                    f"{what} of {where} is negative ({arr[i]}); weights must be >= 0"
                )
        it_a = None
        if iteration is not None:
            it_a = readonly_int(iteration, "iteration distance", m, edge)
            if it_a.size and it_a.min() < 0:
                i = int(np.argmin(it_a))
                raise ProblemError(
                    f"the iteration distance of {edge(i)} is negative ({it_a[i]}); it must be "
                    ">= 0 (0: the same iteration)"
                )
        carried = it_a is not None and bool(it_a.any())
        loops = np.flatnonzero((src_a == dst_a) & (it_a == 0 if carried else True))
        if loops.size:
            v = label_list[src_a[loops[0]]]
            raise ProblemError(
                f"edge ({v!r}, {v!r}) is a self-loop; remove it (a loop-carried one needs an "
                "iteration distance > 0)"
            )
        if carried:
            no_repeated_dependence(n, src_a, dst_a, it_a, label_list)
        else:
            src_a, dst_a, c_a, d_a = without_duplicates(
                n, src_a, dst_a, c_a, d_a, duplicates, label_list
            )
            it_a = None
        graph = cls(name, src_a, dst_a, w_a, c_a, d_a, label_list, kinds, tuple(types), it_a)
        graph.body_order if iteration is not None else graph.topological_order  # noqa: B018
        return graph

    @classmethod
    def from_networkx(
        cls,
        graph: Any,
        *,
        name: str | None = None,
        node_weight: str = "parameter",
        edge_weight: str = "parameter",
        edge_distance: str = "distance",
        default_node_weight: int | None = None,
        default_edge_weight: int | None = None,
        duplicates: DuplicatePolicy = "reject",
    ) -> Graph:
        """From a networkx (Multi)DiGraph; nodes are relabelled 0..n-1 in graph order.

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
            name=title,
            labels=nodes,
            duplicates=duplicates,
        )

    def renamed(self, name: str) -> Graph:
        """The same graph under another name (nothing validated again)."""
        return Graph(name, self.src, self.dst, self.w, self.c, self.d, self.labels,
                     self.op_type, self.types, self.iteration)  # fmt: skip

    # ------------------------------------------------------------------ facts
    @property
    def n(self) -> int:
        """Number of nodes."""
        return len(self.labels)

    @property
    def m(self) -> int:
        """Number of edges."""
        return int(self.src.shape[0])

    @property
    def carried(self) -> bool:
        """Whether some edge is loop-carried (iteration distance > 0)."""
        return self.iteration is not None

    def require_dag(self, owner: str) -> None:
        """A one-line error when the graph has loop-carried edges: class ``owner``
        schedules one iteration of a DAG."""
        if self.carried:
            i = int(np.flatnonzero(self.iteration)[0])
            a, b = self.labels[self.src[i]], self.labels[self.dst[i]]
            raise ProblemError(
                f"the graph of {self.name!r} has a loop-carried edge ({a!r}, {b!r}) with "
                f"iteration distance {self.iteration[i]}; class {owner} schedules a DAG: "
                "drop the loop-carried edges (or use a class that pipelines loops)"
            )

    @cached_property
    def body_order(self) -> np.ndarray:
        """A topological order of the edges within one iteration (distance 0): exists
        exactly when every cycle has a positive total iteration distance."""
        same = np.ones(self.m, bool) if self.iteration is None else self.iteration == 0
        order, _, _ = longest_paths(self.n, self.src[same], self.dst[same], self.d[same])
        if order.shape[0] < self.n:
            cycle = self._cycle_text(order, same)
            raise ProblemError(
                f"the graph of {self.name!r} has a cycle {cycle} whose total iteration "
                "distance is 0; a dependence on an earlier iteration needs a distance > 0"
            )
        return order

    @cached_property
    def _forward(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        order, level, longest = longest_paths(self.n, self.src, self.dst, self.d)
        if order.shape[0] < self.n:
            raise ProblemError(
                f"the graph of {self.name!r} has a cycle {self._cycle_text(order)}; "
                "remove an edge of it"
            )
        return order, level, longest

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
    def distance_from_source(self) -> np.ndarray:
        """Longest path of edge distances ``d`` from a source to each node."""
        return self._forward[2]

    @cached_property
    def distance_to_sink(self) -> np.ndarray:
        """Longest path of edge distances ``d`` from each node to a sink."""
        return longest_paths(self.n, self.dst, self.src, self.d)[2]

    @cached_property
    def in_edges(self) -> tuple[np.ndarray, np.ndarray]:
        """(ptr, edges): the edges into node v are ``edges[ptr[v]:ptr[v + 1]]``."""
        return _csr(self.n, self.dst)

    @cached_property
    def out_edges(self) -> tuple[np.ndarray, np.ndarray]:
        """(ptr, edges): the edges out of node v are ``edges[ptr[v]:ptr[v + 1]]``."""
        return _csr(self.n, self.src)

    @cached_property
    def successors(self) -> list[list[int]]:
        """Per node, its successors in edge order (Python lists: for per-node loops)."""
        out: list[list[int]] = [[] for _ in range(self.n)]
        for s, t in zip(self.src.tolist(), self.dst.tolist(), strict=True):
            out[s].append(t)
        return out

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

    def _cycle_text(self, ordered: np.ndarray, among: np.ndarray | None = None) -> str:
        """Name one cycle among the nodes Kahn's algorithm could not order (over the edges
        ``among``, a mask, or all): each of them has an unordered predecessor, so walking
        predecessors must close a cycle (a loop, not recursion, and numpy over the edges:
        fine at 10^7 nodes)."""
        left = np.ones(self.n, bool)
        left[ordered] = False
        keep = left[self.src] & left[self.dst]
        inside = np.flatnonzero(keep if among is None else keep & among)
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
        return f"Graph({self.name!r}: n={self.n}, m={self.m}, depth={self.depth})"


def _attribute(data: dict, key: str, default: int | None, owner: str) -> Any:
    if key in data:
        return data[key]
    if default is None:
        raise ProblemError(
            f"{owner} has no {key!r} attribute; add it, choose another attribute name, "
            "or ask for a default weight"
        )
    return default


def _csr(n: int, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    edges = np.argsort(ends, kind="stable")
    ptr = np.searchsorted(ends[edges], np.arange(n + 1))
    for arr in (edges, ptr):
        arr.setflags(write=False)
    return ptr, edges


def longest_paths(
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
