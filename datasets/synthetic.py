"""Seeded random DAGs in two shapes: the paper's random workloads, and deep netlists.

``weights="rw"`` (the RW statistics): about 60% zero node weights (others uniform in
1..5000), about 60% zero edge weights (others uniform in 1..50000), 1.2 (sparse) to 2.9
(dense) edges per node, level sizes that shrink with depth (depth ~10). ``weights="unit"``
with a large depth and ``shrink=1`` is the EPFL-like shape: unit weights, about two
fan-ins per node, thousands of equal levels. ``generate`` draws from numpy's PCG64, whose
stream is fixed across platforms and versions, so a seed names the same graph anywhere;
``load`` caches it like the other datasets' graphs.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from schedbench.datasets.graph import cache_key, cached
from schedbench.graph import Graph
from schedbench.problems.icml24 import NodeNumbers, ProblemError, distinct

ZERO_SHARE = 0.6
MAX_NODE_WEIGHT = 5000
MAX_EDGE_WEIGHT = 50000


def generate(
    nodes: int = 1000,
    density: float = 1.2,
    depth: int = 9,
    seed: int = 0,
    shrink: float = 0.75,
    weights: Literal["rw", "unit"] = "rw",
) -> Graph:
    """A DAG with exactly ``nodes`` nodes, about ``density * nodes`` edges and ``depth`` levels.

    Levels hold geometrically fewer nodes (factor ``shrink``), every node beyond level 0
    has a predecessor in the level just before it (so the longest path has exactly
    ``depth`` nodes), and the remaining edges join random nodes of earlier levels.
    """
    if nodes < 1 or depth < 1 or depth > nodes:
        raise ProblemError(f"synthetic graph needs 1 <= depth ({depth}) <= nodes ({nodes})")
    if weights not in ("rw", "unit"):
        raise ProblemError(f"synthetic weights={weights!r} is unknown; use rw or unit")
    if not 0 < shrink <= 1:
        raise ProblemError(f"shrink = {shrink} must be in (0, 1]")
    rng = np.random.Generator(np.random.PCG64(seed))
    share = shrink ** np.arange(depth)
    sizes = np.maximum(1, np.floor(share / share.sum() * nodes).astype(np.int64))
    sizes[0] += nodes - sizes.sum()
    if sizes[0] < 1:
        raise ProblemError(f"cannot spread {nodes} nodes over {depth} levels")
    level = np.repeat(np.arange(depth), sizes)
    starts = np.r_[0, np.cumsum(sizes)]
    n_edges = round(density * nodes)
    chain = nodes - int(sizes[0])
    if n_edges < chain:
        raise ProblemError(
            f"density {density} gives {n_edges} edges, fewer than the {chain} needed to reach "
            f"depth {depth}; raise density to at least {chain / nodes:.2f}"
        )
    later = np.arange(sizes[0], nodes)
    parent = starts[level[later] - 1] + rng.integers(0, sizes[level[later] - 1])
    extra = n_edges - chain
    heads = rng.choice(later, size=extra) if extra and later.size else np.zeros(0, np.int64)
    tails = rng.integers(0, starts[level[heads]]) if heads.size else np.zeros(0, np.int64)
    src = np.r_[parent, tails].astype(np.int64)
    dst = np.r_[later, heads].astype(np.int64)
    key = distinct(src * nodes + dst)  # drop repeated random edges
    src, dst = key // nodes, key % nodes
    if weights == "rw":
        w = _weights(rng, nodes, MAX_NODE_WEIGHT)
        c = _weights(rng, src.size, MAX_EDGE_WEIGHT)
    else:
        w, c = np.ones(nodes, np.int64), np.ones(src.size, np.int64)
    name = f"synthetic_n{nodes}_p{density:g}_d{depth}_s{seed}" + (
        "_unit" if weights == "unit" else ""
    )
    return Graph.from_arrays(nodes, src, dst, w, c, name=name, labels=NodeNumbers(nodes))


def load(**params: Any) -> Graph:
    """``generate(**params)``, through the graph cache (a miss generates and stores it)."""
    return cached(cache_key("synthetic", **params), lambda: generate(**params))


def _weights(rng: np.random.Generator, size: int, high: int) -> np.ndarray:
    values = rng.integers(1, high + 1, size=size)
    values[rng.random(size) < ZERO_SHARE] = 0
    return values.astype(np.int64)
