"""Loops and checkers the modulo tests share (tests/problems/test_modulo*.py): hand-made
and random loops, a naive feasibility checker and RecMII by cycle enumeration, brute
force, and the ChStone and CIRCT instances read once."""

from __future__ import annotations

import itertools
import os
from collections import Counter
from functools import cache
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from schedbench.problems.modulo import ModuloProblem
from schedbench.problems.modulo_formats import read_ssp
from schedbench.solvers.modulo import iterative_modulo

REPO = Path(__file__).resolve().parents[1]
CIRCT_DIR = Path(os.environ["SCHEDBENCH_CIRCT_DIR"]) / "test" / "Scheduling"
HATSCHET_DIR = Path(os.environ["SCHEDBENCH_HATSCHET_DIR"])
needs_circt = pytest.mark.skipif(
    not (CIRCT_DIR / "modulo-problems.mlir").is_file(), reason="CIRCT's SSP files are missing"
)
needs_hatschet = pytest.mark.skipif(
    not any(HATSCHET_DIR.glob("*/benchmarks/ChStone")), reason="HatScheT's loops are missing"
)
CIRCT_FILES = ("modulo-problems.mlir", "cyclic-problems.mlir")


def loop(operations, edges, types, resources, name="t") -> ModuloProblem:
    return ModuloProblem.from_lists(name, operations, edges, types, resources)


def naive_feasible(spec: dict, schedule) -> bool:
    """The statement's rules, from the input lists (not the problem's arrays)."""
    *t, ii = (int(x) for x in schedule)
    start = dict(zip((op[0] for op in spec["operations"]), t, strict=True))
    lat = {label: spec["types"][kind] for label, kind, _ in spec["operations"]}
    if ii < 1 or min(t) < 0 or max(start[x] + lat[x] for x in start) >= 10**6:
        return False
    for a, b, delay, distance in spec["edges"]:
        if start[a] + lat[a] + delay > start[b] + distance * ii:
            return False
    for res, (limit, blocking) in spec["resources"].items():
        if limit < 1:
            continue
        busy = Counter(
            (start[label] + k) % ii
            for label, _, r in spec["operations"]
            if r == res
            for k in range(blocking)
        )
        if busy and max(busy.values()) > limit:
            return False
    return True


def naive_length(spec: dict, schedule) -> int:
    lat = [spec["types"][kind] for _, kind, _ in spec["operations"]]
    return max(int(t) + d for t, d in zip(schedule[:-1], lat, strict=True))


def naive_rec_mii(spec: dict) -> int:
    """ceil of the maximum cycle ratio over the simple cycles (no parallel edges here)."""
    lat = {label: spec["types"][kind] for label, kind, _ in spec["operations"]}
    graph = nx.DiGraph()
    for a, b, delay, distance in spec["edges"]:
        graph.add_edge(a, b, w=lat[a] + delay, d=distance)
    best = 1
    for cycle in nx.simple_cycles(graph):
        pairs = list(zip(cycle, cycle[1:] + cycle[:1], strict=True))
        weight = sum(graph[a][b]["w"] for a, b in pairs)
        distance = sum(graph[a][b]["d"] for a, b in pairs)
        best = max(best, -(-weight // distance))
    return best


def random_spec(seed: int, n: int = 5) -> dict:
    """A small random loop: typed operations on a limit-1 or limit-2 resource with a
    blocking time of 0..3, an unlimited one, or none; forward edges of distance 0 or 1
    and backward edges of distance 1..2 (no parallel edges), delays 0..1."""
    rng = np.random.default_rng(seed)
    types = {f"k{k}": int(rng.integers(0, 4)) for k in range(3)}
    resources = {
        "r": (int(rng.integers(1, 3)), int(rng.integers(0, 4))),
        "s": (1, int(rng.integers(1, 3))),
        "u": (-1, 1),
    }
    choices = ["r", "s", "u", None]
    operations = [
        (f"o{i}", f"k{rng.integers(0, 3)}", choices[int(rng.integers(0, 4))]) for i in range(n)
    ]
    edges, seen = [], set()
    for i in range(n):
        for j in range(n):
            if (i, j) in seen or (j, i) in seen or rng.random() > 0.35:
                continue
            seen.add((i, j))
            distance = int(rng.integers(0, 2)) if i < j else int(rng.integers(1, 3))
            edges.append((f"o{i}", f"o{j}", int(rng.integers(0, 2)), distance))
    return {"operations": operations, "edges": edges, "types": types, "resources": resources}


def build(spec: dict, name: str = "random") -> ModuloProblem:
    return ModuloProblem.from_lists(
        name, spec["operations"], spec["edges"], spec["types"], spec["resources"]
    )


def brute_force(problem: ModuloProblem, ii: int, box: int) -> np.ndarray:
    """Every feasible schedule at ``ii`` with starts in 0..box (an [F, n] array)."""
    found = []
    grid = itertools.product(range(box + 1), repeat=problem.n_ops)
    while chunk := list(itertools.islice(grid, 200_000)):
        batch = np.column_stack([np.asarray(chunk, np.int64), np.full(len(chunk), ii)])
        found.append(batch[problem.evaluate(batch).feasible])
    return np.concatenate(found)


def ims(problem: ModuloProblem) -> np.ndarray:
    """Iterative modulo scheduling from MinII upward (Rau's HeightR priority)."""
    top = int(problem.reference_schedule[-1])
    for ii in range(problem.min_ii, top + 1):
        start = iterative_modulo(problem, ii, problem.tails(ii).astype(float))
        if start is not None:
            return problem.join(start, ii)
    return problem.reference_schedule


@cache
def chstone() -> dict[str, ModuloProblem]:
    from schedbench.datasets import modulo as data

    return {loop: data.load_chstone(loop) for loop in data.loops("chstone")}


@cache
def chstone200() -> dict[str, ModuloProblem]:
    from schedbench.datasets import modulo as data

    return {loop: data.load_chstone(loop, "200MHz") for loop in data.loops("chstone200")}


def small_chstone(count: int = 20) -> list[str]:
    """The ``count`` smallest ChStone loops (by operations, then name) with a limited
    operation and a loop-carried edge, so that both the MRT and the recurrences matter."""
    loops = chstone()
    keep = [x for x in loops if loops[x].limited.size and (loops[x].distance > 0).any()]
    return sorted(keep, key=lambda x: (loops[x].n_ops, x))[:count]


def circt_instances():
    return [i for file in CIRCT_FILES for i in read_ssp(CIRCT_DIR / file)]
