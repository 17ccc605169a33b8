"""Typed data-flow graphs in the DOT form of the ExPRESS benchmarks (and HeuriGym):
``<op> [label = <type>]`` nodes, ``<src> -> <dst>`` edges."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from schedbench.graph import Graph, ProblemError

_NODE = re.compile(r"^\s*\"?([\w.]+)\"?\s*\[\s*label\s*=\s*\"?([\w.]+)\"?\s*[\],;]")
_EDGE = re.compile(r"^\s*\"?([\w.]+)\"?\s*->\s*\"?([\w.]+)\"?")


def read_dot_lists(path: str | Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(label, type) nodes in file order and (src, dst) edges of a data-flow DOT file."""
    path = Path(path)
    if not path.is_file():
        raise ProblemError(f"DOT file {str(path)!r} does not exist; check the path")
    nodes: dict[str, str] = {}
    edges: list[tuple[str, str]] = []
    for line in path.read_text().splitlines():
        if edge := _EDGE.match(line):
            edges.append((edge.group(1), edge.group(2)))
        elif node := _NODE.match(line):
            nodes[node.group(1)] = node.group(2)
    if not nodes:
        raise ProblemError(
            f"{path.name} has no '<operation> [label = <type>]' lines; is it a data-flow DOT file?"
        )
    return list(nodes.items()), edges


def typed_graph(name: str, nodes: list[tuple[str, str]], edges: list[tuple[str, str]]) -> Graph:
    """The validated typed graph of (label, type) nodes and (src, dst) edges; a value
    read twice by one operation is one dependence."""
    if not nodes:
        raise ProblemError(f"instance {name!r} has no operations; give at least one")
    labels = tuple(str(label) for label, _ in nodes)
    if len(set(labels)) != len(labels):
        dup = next(x for x in labels if labels.count(x) > 1)
        raise ProblemError(f"operation {dup!r} is listed twice; give each one once")
    types = tuple(dict.fromkeys(str(t) for _, t in nodes))
    index = {t: k for k, t in enumerate(types)}
    position = {label: i for i, label in enumerate(labels)}
    pairs = []
    for s, d in edges:
        for end in (s, d):
            if str(end) not in position:
                raise ProblemError(f"edge {s!r} -> {d!r} names an unknown operation {end!r}")
        pairs.append((position[str(s)], position[str(d)]))
    arr = np.asarray(sorted(set(pairs)), dtype=np.int64).reshape(-1, 2)
    return Graph.from_arrays(
        len(labels),
        arr[:, 0].copy(),
        arr[:, 1].copy(),
        name=name,
        labels=labels,
        op_type=np.asarray([index[str(t)] for _, t in nodes], dtype=np.int64),
        types=types,
    )


def read_dot_graph(path: str | Path) -> Graph:
    """The typed graph of a data-flow DOT file, named after the file."""
    nodes, edges = read_dot_lists(path)
    return typed_graph(Path(path).stem, nodes, edges)
