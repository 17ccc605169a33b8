"""User graphs from files: GML (the reference format) and a plain edge list.

GML: node attribute ``parameter`` = w, edge attribute ``parameter`` = c, optional edge
attribute ``distance`` = d (all names configurable).

Edge list (``.edges``/``.txt``/``.edgelist``): one record per line, ``#`` starts a comment::

    node <label> <w>                 # a node and its weight
    edge <src> <dst> [<c> [<d>]]     # an edge; c defaults to 1, d to 0

Every node named by an edge needs a ``node`` line unless a default node weight is given.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from schedbench.datasets.graph import cache_key, cached, file_identity
from schedbench.graph import Graph
from schedbench.problems.icml24 import Problem, ProblemError

GML_SUFFIXES = {".gml"}
EDGELIST_SUFFIXES = {".edges", ".edgelist", ".txt", ".el"}


def read_graph(
    path: str | Path,
    *,
    node_weight: str = "parameter",
    edge_weight: str = "parameter",
    edge_distance: str = "distance",
    default_node_weight: int | None = None,
    default_edge_weight: int | None = None,
    duplicates: str = "reject",
    use_cache: bool = True,
) -> Graph:
    """Parse a GML or edge-list file into a validated :class:`Graph` (cached by content)."""
    file = Path(path).expanduser()
    if not file.is_file():
        raise ProblemError(f"graph file {str(file)!r} does not exist; check the path")
    options = {
        "node_weight": node_weight,
        "edge_weight": edge_weight,
        "edge_distance": edge_distance,
        "default_node_weight": default_node_weight,
        "default_edge_weight": default_edge_weight,
        "duplicates": duplicates,
    }
    suffix = file.suffix.lower()
    if suffix in GML_SUFFIXES:
        parse = _read_gml
    elif suffix in EDGELIST_SUFFIXES:
        parse = _read_edgelist
    else:
        known = ", ".join(sorted(GML_SUFFIXES | EDGELIST_SUFFIXES))
        raise ProblemError(f"graph file {file.name!r} has an unknown suffix; use one of {known}")

    def build() -> Graph:
        return parse(file, **options)

    if not use_cache:
        return build()
    return cached(cache_key("file", **file_identity(file), **options), build)


def read_problem(path: str | Path, *, stages: int, ratio: float, **options: Any) -> Problem:
    """Read a file straight into a :class:`Problem` with L = ``stages`` and R = ``ratio``."""
    comm_mode = options.pop("comm_mode", "binary")
    graph = read_graph(path, **options)
    return Problem.of(graph, stages=stages, ratio=ratio, comm_mode=comm_mode)


def _printable(err: Exception) -> str:
    """The parser's complaint with control bytes of a binary file shown as escapes."""
    text = str(err)
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)[:200]


def _read_gml(file: Path, *, duplicates: str, **options: Any) -> Graph:
    import networkx as nx

    try:
        graph = nx.read_gml(file, label="label")
    except nx.NetworkXError as err:
        if "duplicated" in str(err):
            graph = _read_gml_multigraph(file)
        else:
            raise ProblemError(
                f"could not parse GML file {file.name!r}: {_printable(err)}; is it complete GML?"
            ) from None
    except (ValueError, UnicodeDecodeError, KeyError) as err:
        raise ProblemError(
            f"could not parse GML file {file.name!r} ({_printable(err)}); is it GML?"
        ) from None
    return Graph.from_networkx(graph, name=file.stem, duplicates=duplicates, **_nx_options(options))


def _read_gml_multigraph(file: Path) -> Any:
    """Re-read a GML file that repeats an edge as a multigraph, so the policy decides."""
    import networkx as nx

    text = file.read_text()
    text = text.replace("graph [", "graph [\n  multigraph 1", 1)
    return nx.parse_gml(text, label="label")


def _nx_options(options: dict[str, Any]) -> dict[str, Any]:
    return {
        "node_weight": options["node_weight"],
        "edge_weight": options["edge_weight"],
        "edge_distance": options["edge_distance"],
        "default_node_weight": options["default_node_weight"],
        "default_edge_weight": options["default_edge_weight"],
    }


def _read_edgelist(
    file: Path,
    *,
    duplicates: str,
    default_node_weight: int | None,
    default_edge_weight: int | None,
    **_: Any,
) -> Graph:
    try:
        lines = file.read_text().splitlines()
    except UnicodeDecodeError:
        raise ProblemError(
            f"edge-list file {file.name!r} is not text; see README for the format"
        ) from None
    weights: dict[str, float] = {}
    order: list[str] = []
    edges: list[tuple[str, str, float, float]] = []

    def see(label: str) -> None:
        if label not in weights and label not in order_set:
            order.append(label)
            order_set.add(label)

    order_set: set[str] = set()
    for number, raw in enumerate(lines, 1):
        fields = raw.split("#", 1)[0].split()
        if not fields:
            continue
        where = f"{file.name}:{number}"
        try:
            if fields[0] == "node" and len(fields) == 3:
                see(fields[1])
                weights[fields[1]] = float(fields[2])
            elif fields[0] == "edge" and 3 <= len(fields) <= 5:
                see(fields[1])
                see(fields[2])
                if len(fields) > 3:
                    c = float(fields[3])
                elif default_edge_weight is not None:
                    c = float(default_edge_weight)
                else:
                    c = 1.0
                d = float(fields[4]) if len(fields) > 4 else 0.0
                edges.append((fields[1], fields[2], c, d))
            else:
                raise ValueError
        except ValueError:
            raise ProblemError(
                f"{where}: cannot read {raw.strip()!r}; expected 'node <label> <w>' or "
                "'edge <src> <dst> [<c> [<d>]]'"
            ) from None
    index = {label: i for i, label in enumerate(order)}
    w = []
    for label in order:
        if label in weights:
            w.append(weights[label])
        elif default_node_weight is not None:
            w.append(float(default_node_weight))
        else:
            raise ProblemError(
                f"node {label!r} in {file.name!r} has no 'node' line with a weight; add one "
                "or ask for a default node weight"
            )
    n = len(order)
    if n == 0:
        raise ProblemError(f"the graph in {file.name!r} is empty; add 'node'/'edge' lines")
    src = np.array([index[e[0]] for e in edges], np.int64)
    dst = np.array([index[e[1]] for e in edges], np.int64)
    return Graph.from_arrays(
        n,
        src,
        dst,
        np.array(w),
        np.array([e[2] for e in edges]),
        np.array([e[3] for e in edges]),
        name=file.stem,
        labels=order,
        duplicates=duplicates,
    )


def write_edgelist(graph: Graph | Problem, path: str | Path) -> None:
    """Write the edge-list format that :func:`read_graph` reads."""
    lines = ["# schedbench edge list: node <label> <w> / edge <src> <dst> <c> <d>"]
    lines += [f"node {label} {w}" for label, w in zip(graph.labels, graph.w.tolist(), strict=True)]
    lines += [
        f"edge {graph.labels[u]} {graph.labels[v]} {c} {d}"
        for u, v, c, d in zip(
            graph.src.tolist(), graph.dst.tolist(), graph.c.tolist(), graph.d.tolist(), strict=True
        )
    ]
    Path(path).write_text("\n".join(lines) + "\n")
