"""Gumbel noise drawn exactly as the paper's reference program draws it (``noise="torch"``).

The reference samples one node at a time: each epoch it draws ``-log(Exp(1))`` on a
[B, L] float32 tensor per node from torch's CPU generator seeded with
``torch.manual_seed(seed)``: first the source nodes in node order, then every other node
in ``networkx.topological_sort`` order of the graph as read (nodes and edges in file
order). Drawing the same tensors in the same order from a generator with the same seed
gives the same noise, so a run with the reference's settings retraces its schedules.
This costs one small draw per node per epoch: it is for verification, not speed.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import torch

from schedbench.problems.icml24 import Problem
from schedbench.solvers.icml24.gs.sampler import Plan


def reference_node_order(problem: Problem) -> np.ndarray:
    """The order in which the reference program samples the nodes (and draws their noise)."""
    graph = nx.DiGraph()
    graph.add_nodes_from(range(problem.n))
    graph.add_edges_from(zip(problem.src.tolist(), problem.dst.tolist(), strict=True))
    sources = np.flatnonzero(problem.level == 0)
    is_source = problem.level == 0
    rest = [v for v in nx.topological_sort(graph) if not is_source[v]]
    return np.concatenate([sources, np.asarray(rest, np.int64)]).astype(np.int64)


class ReferenceNoise:
    """Gumbel(0, 1) noise [n, B, L] with rows in ``plan``'s level order, node by node in the
    reference's order from a CPU generator seeded like ``torch.manual_seed(seed)``."""

    def __init__(
        self,
        seed: int,
        device: torch.device,
        dtype: torch.dtype,
        *,
        plan: Plan,
        problem: Problem,
    ):
        self.device, self.dtype = device, dtype
        self.generator = torch.Generator().manual_seed(seed)
        self.rows = plan.position[reference_node_order(problem)].tolist()

    def __call__(self, n: int, batch: int, stages: int) -> torch.Tensor:
        noise = torch.empty(n, batch, stages, dtype=torch.float32)
        for row in self.rows:
            drawn = torch.empty(batch, stages, dtype=torch.float32)
            noise[row] = drawn.exponential_(generator=self.generator).log_().neg_()
        return noise.to(device=self.device, dtype=self.dtype)
