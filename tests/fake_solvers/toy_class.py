"""A third problem class and its solver, written from tests/ alone: bin packing.

Items have sizes; a schedule puts each item in a bin 0..k-1 of capacity C; the cost is the
number of bins used. It shows what a class must provide to the harness (CLASS, labels, n,
m, digest, evaluate, report, facts, trivial_lower_bound, integral_costs) and a back-end
(LIBRARY, PIP, CLASSES, version, run) without touching any harness module.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np


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
class Report:
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
    CLASS = "toy_binpack"
    integral_costs = True

    @property
    def n(self) -> int:
        return len(self.sizes)

    m = 0

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(f"item{i}" for i in range(self.n))

    @property
    def digest(self) -> str:
        blob = f"{self.CLASS}:{self.sizes}:{self.capacity}:{self.bins}"
        return hashlib.sha256(blob.encode()).hexdigest()

    @property
    def trivial_lower_bound(self) -> int:
        return -(-sum(self.sizes) // self.capacity)

    def evaluate(self, schedules: object) -> Scores:
        s = np.atleast_2d(np.asarray(schedules, dtype=np.int64))
        loads = np.zeros((len(s), self.bins), dtype=np.int64)
        inside = ((s >= 0) & (s < self.bins)).all(axis=1)
        for row, assignment in enumerate(np.clip(s, 0, self.bins - 1)):
            np.add.at(loads[row], assignment, self.sizes)
        feasible = inside & (loads <= self.capacity).all(axis=1)
        return Scores(feasible, (loads > 0).sum(axis=1))

    def report(self, schedule: object) -> Report:
        scores = self.evaluate(schedule)
        why = "" if scores.feasible[0] else "a bin is over capacity or out of range"
        return Report(bool(scores.feasible[0]), float(scores.cost[0]), why)

    def facts(self) -> dict[str, object]:
        return {
            "n": self.n, "m": 0, "depth": 0, "stages": None, "ratio": None,
            "total_weight": sum(self.sizes), "trivial_bound": float(self.trivial_lower_bound),
            "asap_cost": float(self.n),
        }  # fmt: skip


# ---------------------------------------------------------------- its solver: first fit

LIBRARY = PIP = "numpy"
CLASSES = ("toy_binpack",)


def version() -> str:
    return "first-fit 1"


def run(ctx, decreasing: bool = True):
    from schedbench.solvers.base import Outcome

    problem = ctx.problem
    ctx.report(np.arange(problem.n) % problem.bins)  # one item per bin, round robin
    order = np.argsort(problem.sizes)[::-1] if decreasing else np.arange(problem.n)
    loads, assignment = np.zeros(problem.bins, dtype=np.int64), np.zeros(problem.n, np.int64)
    for item in order:
        room = np.flatnonzero(loads + problem.sizes[item] <= problem.capacity)
        assignment[item] = room[0]
        loads[room[0]] += problem.sizes[item]
    ctx.report(assignment)
    return Outcome()
