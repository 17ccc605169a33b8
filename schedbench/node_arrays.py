"""Node-indexed arrays as every class validates them: labels "0".."n-1" without n
strings (:class:`NodeNumbers`), read-only int64 vectors with one-line errors
(:func:`readonly_int`), the one-line input error (:class:`ProblemError`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


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


def readonly_int(values: Any, what: str, size: int | None = None, owner: Any = None) -> np.ndarray:
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


def distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values, by sorting (numpy 2's hash-based ``np.unique`` is many
    times slower on wide integer keys)."""
    ordered = np.sort(values)
    if ordered.size == 0:
        return ordered
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]]
