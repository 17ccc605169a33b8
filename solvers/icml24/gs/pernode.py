"""The same sampler written the simple way: one node at a time, as Algorithm 1 reads.

It is the reference the vectorized :func:`~schedbench.solvers.icml24.gs.sampler.sample` is tested
against (values and gradients) and the in-run speed baseline of ``bench/gs_speed.py``.
Predecessor masks are multiplied directly, so autograd differentiates the product itself.
"""

from __future__ import annotations

import numpy as np
import torch

from schedbench.problems.icml24 import Problem
from schedbench.solvers.icml24.gs.sampler import Sample


def sample_per_node(
    problem: Problem,
    logits: torch.Tensor,
    noise: torch.Tensor,
    tau: float,
    bias: torch.Tensor,
) -> Sample:
    """``noise`` [n, B, L] in node order (row v belongs to node v)."""
    n, _, stages = noise.shape
    preds: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for u, v, d in zip(problem.src.tolist(), problem.dst.tolist(), problem.d.tolist(), strict=True):
        preds[v].append((u, d))
    t = torch.arange(stages)
    onehots: list[torch.Tensor | None] = [None] * n
    masks: list[torch.Tensor | None] = [None] * n
    for v in problem.topological_order.tolist():
        probs = ((logits[v] + noise[v]) / tau).softmax(-1)
        window = (t <= int(problem.alap[v])).to(probs.dtype)  # latest stage (distances)
        if not preds[v]:
            y_soft = probs * window / (probs * window).sum(-1, keepdim=True)
            allowed = (window > 0).expand_as(probs)
        else:
            y = probs
            mask = window.expand_as(probs)
            for u, d in preds[v]:
                shifted = torch.zeros_like(probs)
                shifted[:, d:] = masks[u][:, : stages - d]
                mask = mask * shifted
                y = y * bias
            y_soft = (y * mask).softmax(-1)
            allowed = mask.detach() > 0
        index = y_soft.detach().masked_fill(~allowed, -1).argmax(-1, keepdim=True)
        hard = torch.zeros_like(y_soft).scatter_(-1, index, 1.0)
        onehots[v] = hard - y_soft.detach() + y_soft
        masks[v] = onehots[v].cumsum(-1)
    onehot = torch.stack(onehots, dim=0)
    stages_nb = onehot.detach().argmax(-1)
    return Sample(onehot=onehot, order=np.arange(n), level_stages=stages_nb)
