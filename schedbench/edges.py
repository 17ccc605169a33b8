"""Checks on a graph's edge list: repeated edges rejected or merged (a DAG), and one
edge per dependence in a loop body (:class:`schedbench.graph.Graph`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from schedbench.node_arrays import ProblemError

DuplicatePolicy = Literal["reject", "merge"]


def no_repeated_dependence(
    n: int, src: np.ndarray, dst: np.ndarray, iteration: np.ndarray, labels: Sequence[str]
) -> None:
    """A loop body may have one edge per (source, target, iteration distance)."""
    key = (src * n + dst) * (int(iteration.max()) + 1) + iteration
    uniq, counts = np.unique(key, return_counts=True)
    if (counts > 1).any():
        k = int(uniq[np.flatnonzero(counts > 1)[0]])
        pair, distance = divmod(k, int(iteration.max()) + 1)
        raise ProblemError(
            f"edge ({labels[pair // n]!r}, {labels[pair % n]!r}) at iteration distance "
            f"{distance} appears {counts[counts > 1][0]} times; give each dependence once"
        )


def without_duplicates(
    n: int,
    src: np.ndarray,
    dst: np.ndarray,
    c: np.ndarray,
    d: np.ndarray,
    duplicates: DuplicatePolicy,
    labels: Sequence[str],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Reject repeated edges, or merge each into one (summed weight, largest distance)."""
    if duplicates not in ("reject", "merge"):
        raise ProblemError(f"duplicates={duplicates!r} is unknown; use 'reject' or 'merge'")
    key = src * n + dst
    uniq, first, counts = np.unique(key, return_index=True, return_counts=True)
    if not (counts > 1).any():
        return src, dst, c, d
    k = int(uniq[np.flatnonzero(counts > 1)[0]])
    if duplicates != "merge":
        raise ProblemError(
            f"edge ({labels[k // n]!r}, {labels[k % n]!r}) appears "
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
    return src, dst, c, d
