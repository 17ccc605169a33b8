"""The paper's loss (Eqs. 9-11) on a batch of straight-through one-hot samples.

L_e = -(entropy of the per-stage memory share N_t / M): minimizing it balances memory;
L_c = communication (edges crossing each stage boundary) / number of counted edges;
total = lambda * L_e + L_c with lambda = R. ``memory="smoothmax"`` replaces L_e by a
log-sum-exp of the per-stage memory relative to a perfect split (a smooth peak).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

ENTROPY_EPS = 1e-10  # the reference adds this to every node's share to avoid log(0)


@dataclass
class LossTerms:
    total: torch.Tensor  # [B]
    memory: torch.Tensor  # [B]
    comm: torch.Tensor  # [B]


def loss_terms(
    onehot: torch.Tensor,
    w: torch.Tensor,
    edge_src: torch.Tensor,
    edge_dst: torch.Tensor,
    edge_coeff: torch.Tensor,
    ratio: float,
    memory: str = "entropy",
    smoothmax_temperature: float = 0.05,
) -> LossTerms:
    """Per-sample loss terms of node-major one-hots [n, B, L]; ``edge_*``: counted edges."""
    n, batch, stages = onehot.shape
    total_weight = w.sum().clamp(min=1)
    per_stage = torch.einsum("nbl,n->bl", onehot, w)
    if memory == "entropy":
        share = (per_stage + n * ENTROPY_EPS) / total_weight
        mem = (share * share.log()).sum(-1)  # negative entropy
    elif memory == "smoothmax":
        relative = per_stage / (total_weight / stages)
        mem = smoothmax_temperature * torch.logsumexp(relative / smoothmax_temperature, -1)
    else:
        raise ValueError(f"unknown memory loss {memory!r}; use 'entropy' or 'smoothmax'")
    if edge_src.numel():
        before = onehot.index_select(0, edge_src).cumsum(-1)[..., :-1]  # [s_u <= t], t < L-1
        after = 1 - onehot.index_select(0, edge_dst).cumsum(-1)[..., :-1]  # [s_v >= t + 1]
        crossings = (before * after).sum(-1)  # [E, B]
        comm = (crossings * edge_coeff[:, None]).sum(0) / edge_src.numel()
    else:
        comm = torch.zeros(batch, device=onehot.device, dtype=onehot.dtype)
    return LossTerms(total=ratio * mem + comm, memory=mem, comm=comm)
