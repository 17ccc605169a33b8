"""A fourth problem class, outside the package: bin packing, registered by entry point.

Items have sizes; a schedule puts each item in a bin 0..k-1 of capacity C; the cost is
the number of bins used. tests/harness/test_plugin_class.py copies this file and
``first_fit.py`` into a throw-away package, installs it with pip and runs it from the CLI.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from schedbench.classes import Dataset, ProblemClass
from schedbench.node_arrays import ProblemError


@dataclass(frozen=True)
class Scores:
    feasible: np.ndarray
    cost: np.ndarray

    @property
    def terms(self) -> dict[str, np.ndarray]:
        return {"bins": self.cost}

    def best(self) -> int | None:
        if not self.feasible.any():
            return None
        return int(np.argmin(np.where(self.feasible, self.cost, np.iinfo(np.int64).max)))


@dataclass(frozen=True)
class Checked:
    feasible: bool
    cost: float
    why: str

    def reason(self) -> str:
        return self.why


@dataclass(frozen=True, eq=False)
class BinPacking:
    sizes: tuple[int, ...]
    capacity: int
    bins: int
    name: str = "packing"
    CLASS = "binpack"
    integral_costs = True
    m = 0

    @property
    def n(self) -> int:
        return len(self.sizes)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(f"item{i}" for i in range(self.n))

    @property
    def digest(self) -> str:
        return hashlib.sha256(
            f"binpack:{self.sizes}:{self.capacity}:{self.bins}".encode()
        ).hexdigest()

    @property
    def trivial_lower_bound(self) -> int:
        return -(-sum(self.sizes) // self.capacity)

    @property
    def reference_schedule(self) -> np.ndarray:
        return np.arange(self.n) % self.bins  # one item per bin

    def evaluate(self, schedules: object) -> Scores:
        s = np.atleast_2d(np.asarray(schedules, dtype=np.int64))
        loads = np.zeros((len(s), self.bins), dtype=np.int64)
        inside = ((s >= 0) & (s < self.bins)).all(axis=1)
        for row, assignment in enumerate(np.clip(s, 0, self.bins - 1)):
            np.add.at(loads[row], assignment, self.sizes)
        return Scores(inside & (loads <= self.capacity).all(axis=1), (loads > 0).sum(axis=1))

    def report(self, schedule: object) -> Checked:
        scores = self.evaluate(schedule)
        why = "" if scores.feasible[0] else "a bin is over capacity or out of range"
        return Checked(bool(scores.feasible[0]), float(scores.cost[0]), why)

    def facts(self) -> dict[str, object]:
        return {
            "n": self.n,
            "m": 0,
            "total_weight": sum(self.sizes),
            "capacity": self.capacity,  # a fact of this class alone
        }


def read_pack(path: Path, bins: int | None = None) -> BinPacking:
    """``capacity C`` then one ``item <size>`` line per item."""
    capacity, sizes = None, []
    for line in Path(path).read_text().splitlines():
        key, _, value = line.partition(" ")
        if key == "capacity":
            capacity = int(value)
        elif key == "item":
            sizes.append(int(value))
    if capacity is None or not sizes:
        raise ProblemError(f"{Path(path).name} needs a 'capacity C' line and 'item S' lines")
    return BinPacking(tuple(sizes), capacity, bins or len(sizes), Path(path).stem)


PROBLEM_CLASS = ProblemClass(
    name="binpack",
    title="bin packing: fewest bins of one capacity",
    cost="bins used",
    unit="bins",
    statement="tests/plugin_class/binpack_plugin.py",
    terms={"bins": "bins used"},
    facts={"n": "items", "m": "always 0", "total_weight": "summed size", "capacity": "C"},
    catalogue=lambda: [
        Dataset("binpack/tiny", lambda: BinPacking((5, 4, 3, 3, 2, 2, 1), 10, 7, "tiny"), "7 items")
    ],
    readers={".pack": read_pack},
    solvers={"first_fit": "binpack_first_fit"},
)
