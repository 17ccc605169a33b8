"""What every problem class on a :class:`~schedbench.graph.Graph` shares: the graph's
facts as properties (:class:`OnGraph`), one checked schedule (:class:`Report`) and the
cheapest feasible schedule of a batch (:func:`cheapest`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from schedbench.graph import Graph


class OnGraph:
    """The graph facts a class exposes as its own (the class has a ``graph`` field)."""

    graph: Graph

    @property
    def name(self) -> str:
        return self.graph.name

    @property
    def labels(self) -> Sequence[str]:
        return self.graph.labels

    @property
    def n(self) -> int:
        return self.graph.n

    @property
    def m(self) -> int:
        return self.graph.m

    @property
    def src(self) -> np.ndarray:
        return self.graph.src

    @property
    def dst(self) -> np.ndarray:
        return self.graph.dst


@dataclass(frozen=True)
class Report:
    """One schedule checked by a class other than the paper's: ``reason()`` names what is
    wrong ('' when feasible); the paper's terms peak and comm are absent."""

    feasible: bool
    cost: float
    why: str
    peak: None = None
    comm: None = None

    def reason(self) -> str:
        return self.why


def cheapest(feasible: np.ndarray, cost: np.ndarray) -> int | None:
    """Index of the cheapest feasible schedule of a batch, or None when none is."""
    if not feasible.any():
        return None
    return int(np.argmin(np.where(feasible, cost, np.iinfo(np.int64).max)))
