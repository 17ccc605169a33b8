"""The paper's loss (Eqs. 9-11) on a batch of straight-through one-hot samples.

L_e = -(entropy of the per-stage memory share), L_c = communication / counted edges,
total = lambda * L_e + L_c with lambda = R; ``memory="smoothmax"`` (a log-sum-exp peak)
and ``memory="cost"`` (gs_plus: the smoothed objective itself) are variants. The
communication term has the reference's bilinear form; :class:`_Communication` computes
its value and gradient from integer stages (histograms times a fixed L x L matrix)
instead of [E, B, L] autograd tensors. ``docs/solvers.md`` gives the derivation;
``tests/solvers/test_gs.py`` checks both against plain autograd.
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
    stages: torch.Tensor,
    w: torch.Tensor,
    edge_src: torch.Tensor,
    edge_dst: torch.Tensor,
    edge_coeff: torch.Tensor,
    ratio: float,
    memory: str = "entropy",
    smoothmax_temperature: float = 0.05,
    scale: float = 1.0,
) -> LossTerms:
    """Per-sample loss terms of hard one-hots [n, B, L] whose argmax is ``stages`` [n, B].

    Rows may be in any node order as long as ``w`` and the counted edges ``edge_*`` use it.
    """
    n, batch, num_stages = onehot.shape
    total_weight = w.sum().clamp(min=1)
    per_stage = torch.einsum("nbl,n->bl", onehot, w)
    if memory == "entropy":
        share = (per_stage + n * ENTROPY_EPS) / total_weight
        mem = (share * share.log()).sum(-1)  # negative entropy
    elif memory in ("smoothmax", "cost"):
        relative = per_stage / (total_weight / num_stages)
        mem = smoothmax_temperature * torch.logsumexp(relative / smoothmax_temperature, -1)
    else:
        raise ValueError(f"unknown memory loss {memory!r}; use 'entropy', 'smoothmax' or 'cost'")
    if memory == "cost":
        peak = mem * (total_weight / num_stages)
        crossings = (
            _Communication.apply(onehot, stages, edge_src, edge_dst, edge_coeff)
            if edge_src.numel()
            else torch.zeros(batch, device=onehot.device, dtype=onehot.dtype)
        )
        return LossTerms(total=(ratio * peak + crossings) / scale, memory=peak, comm=crossings)
    if edge_src.numel():
        crossings = _Communication.apply(onehot, stages, edge_src, edge_dst, edge_coeff)
        comm = crossings / edge_src.numel()
    else:
        comm = torch.zeros(batch, device=onehot.device, dtype=onehot.dtype)
    return LossTerms(total=ratio * mem + comm, memory=mem, comm=comm)


def _neighbour_kernels(stages: int, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    """[2L, L]: rows s of max(0, s - t') (out-edges), then -max(0, L-1 - max(t', s)) (in-edges)."""
    s = torch.arange(stages, device=device)[:, None]
    t = torch.arange(stages, device=device)[None, :]
    out_edges = (s - t).clamp(min=0)
    in_edges = -(stages - 1 - torch.maximum(s, t)).clamp(min=0)
    return torch.cat([out_edges, in_edges]).to(dtype)


class _Communication(torch.autograd.Function):
    """sum_e c_e * (stages crossed by e) per sample, with the bilinear form's gradient."""

    @staticmethod
    def forward(ctx, onehot, stages, edge_src, edge_dst, edge_coeff):
        s_src = stages.index_select(0, edge_src)
        s_dst = stages.index_select(0, edge_dst)
        crossed = (s_dst - s_src).clamp(min=0).to(onehot.dtype)
        ctx.save_for_backward(s_src, s_dst, edge_src, edge_dst, edge_coeff)
        ctx.shape = onehot.shape
        return (crossed * edge_coeff[:, None]).sum(0)

    @staticmethod
    def backward(ctx, grad):
        s_src, s_dst, edge_src, edge_dst, edge_coeff = ctx.saved_tensors
        n, batch, stages = ctx.shape
        # histogram[u, b, s] = sum of c_e over out-edges of u whose head sits at s, and
        # histogram[v, b, L + s] the same over in-edges of v whose tail sits at s
        histogram = torch.zeros(n * batch * 2 * stages, device=grad.device, dtype=grad.dtype)
        rows = torch.arange(batch, device=grad.device)[None, :]
        out_at = ((edge_src[:, None] * batch + rows) * 2 * stages + s_dst).reshape(-1)
        in_at = ((edge_dst[:, None] * batch + rows) * 2 * stages + stages + s_src).reshape(-1)
        weights = edge_coeff[:, None].expand(-1, batch).reshape(-1)
        histogram.index_add_(0, torch.cat([out_at, in_at]), torch.cat([weights, weights]))
        kernels = _neighbour_kernels(stages, grad.device, grad.dtype)
        per_node = histogram.view(n, batch, 2 * stages) @ kernels
        return per_node * grad[None, :, None], None, None, None, None
