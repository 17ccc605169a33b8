"""Seeded synthetic instances of the HLS classes, for the scale study.

The DAG is :func:`schedbench.datasets.synthetic.generate`'s unit-weight shape
(``shrink=1``: equal levels, sqrt(nodes) of them by default or ``width`` operations each,
about ``density`` edges per node); each operation's type is
drawn with an HLS-like mix (``MIX``: multiplies, adds, subtracts, loads, stores) and
delays (multiply 2, load 2, the rest 1). RCS (``rcs_synthetic``): a unit count per type
that makes the per-type work bound about ``pressure`` times the critical path (rounded to
the nearest count: rounding down made the rare types one-unit bottlenecks that the list
schedule meets at once, research/rcs_synthetic_calibration). TCS
(``tcs_synthetic``): multiplies on a MUL kind (cost 4), adds and subtracts on an ALU
(cost 1), loads and stores on a memory port kind (cost 2); the latency bound is
``factor`` times the critical path. A seed names the same instance anywhere (PCG64).
"""

from __future__ import annotations

import numpy as np

from schedbench.datasets.synthetic import generate
from schedbench.graph import Graph
from schedbench.node_arrays import ProblemError
from schedbench.problems.common import param_number
from schedbench.problems.rcs import RCSProblem
from schedbench.problems.tcs import TCSProblem

MIX = {"mul": 0.3, "add": 0.35, "sub": 0.15, "load": 0.12, "store": 0.08}
DELAY = {"mul": 2, "add": 1, "sub": 1, "load": 2, "store": 1}
KIND = {"mul": "MUL", "add": "ALU", "sub": "ALU", "load": "MEM", "store": "MEM"}
COST = {"MUL": 4, "ALU": 1, "MEM": 2}


def typed_graph(nodes: int, density: float, depth: int | None, seed: int,
                width: int | None = None) -> Graph:  # fmt: skip
    """The DAG with a seeded operation type per node: ``depth`` levels, or nodes / ``width``
    levels (``width`` operations per level), or sqrt(nodes) levels when both are None."""
    nodes = param_number(nodes, "nodes", least=2, whole=True)
    seed = param_number(seed, "seed", least=0, whole=True)
    depth = None if depth is None else param_number(depth, "depth", least=1, whole=True)
    if width is not None:
        width = param_number(width, "width", least=1, whole=True)
        if depth is not None:
            raise ProblemError("give dataset.params.depth or dataset.params.width, not both")
        depth = nodes // width
    density = param_number(density, "density", above=0)
    depth = max(2, min(round(nodes**0.5) if depth is None else depth, nodes))
    dag = generate(nodes, max(density, 1.0), depth, seed, shrink=1.0, weights="unit")
    rng = np.random.Generator(np.random.PCG64(seed + 7919))
    types = tuple(MIX)
    op_type = rng.choice(len(types), size=nodes, p=np.asarray(list(MIX.values())))
    return Graph.from_arrays(nodes, dag.src, dag.dst, name=f"typed_n{nodes}_d{depth}_s{seed}",
                             op_type=op_type, types=types)  # fmt: skip


def rcs(nodes: int = 1000, density: float = 1.5, depth: int | None = None, seed: int = 0,
        pressure: float = 1.0, width: int | None = None) -> RCSProblem:  # fmt: skip
    """An RCS instance whose resources bind: per type, units ~ work / (pressure x CP)."""
    pressure = param_number(pressure, "pressure", above=0)
    graph = typed_graph(nodes, density, depth, seed, width)
    delay = np.asarray([DELAY[t] for t in graph.types], np.int64)
    probe = RCSProblem.on(graph, delay, np.full(len(graph.types), nodes, np.int64))
    work = np.bincount(graph.op_type, weights=delay[graph.op_type], minlength=len(graph.types))
    units = np.maximum(1, np.round(work / (pressure * probe.critical_path))).astype(np.int64)
    return RCSProblem.on(graph.renamed(f"rcs_{graph.name}"), delay, units)


def tcs(nodes: int = 1000, density: float = 1.5, depth: int | None = None, seed: int = 0,
        factor: float = 1.5, width: int | None = None) -> TCSProblem:  # fmt: skip
    """A TCS instance at ``factor`` x the critical path, three unit kinds."""
    factor = param_number(factor, "factor", least=1)
    graph = typed_graph(nodes, density, depth, seed, width)
    return TCSProblem.on(graph.renamed(f"tcs_{graph.name}_f{factor:g}"), delay=DELAY,
                         kind=KIND, cost=COST, latency_factor=factor)  # fmt: skip
