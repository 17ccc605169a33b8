"""The paper's constrained Gumbel-Softmax sampler over a band of each operation's stages.

:func:`schedbench.solvers.icml24.gs.sampler.sample` gives every node a categorical over all
L stages: [n, B, L] tensors, which at 10^5 HLS operations and H of hundreds of cycles do
not fit. Here node v's categorical covers only the w stages off_v .. off_v + w - 1 of its
band (stages outside have probability 0), with everything else as the paper has it: the
stage bias, the dependency mask from the predecessors' integer stages, the masked double
softmax, the straight-through one-hot, and the mask's gradient sent back to each
predecessor's cumulative one-hot (shifted between the two bands). A band holds the node's
whole window when it fits (then the sample is always inside); otherwise it is centred on an
incumbent, and a node whose predecessors end past its band starts at their end, outside the
band, with no gradient. With w = L and every offset 0 the sampler is the paper's, to the bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from schedbench.problems.icml24 import Problem
from schedbench.solvers.icml24.gs.sampler import (
    Plan,
    earliest_stage,
    other_tops,
    short_softmax,
    stage_bias,
)


@dataclass(frozen=True)
class BandLevel:
    """One topological level of a banded plan (rows start..stop, as in the dense plan)."""

    start: int
    stop: int
    offset: torch.Tensor  # [n_k] each row's first band stage
    edge_src: torch.Tensor  # [m_k] predecessor rows
    edge_dst: torch.Tensor  # [m_k] successor position within the level
    edge_shift: torch.Tensor  # [m_k] edge distance d
    edge_move: torch.Tensor  # [m_k] off_v - d - off_u: a band index of v, less this, is u's
    scale: torch.Tensor  # [n_k, 1, w] the stage bias once per predecessor
    window: torch.Tensor | None  # [n_k, 1, w] bool: the stage exists and is <= ALAP
    read: bool


@dataclass(frozen=True)
class BandPlan:
    """The dense plan's levels and rows, with each row's band."""

    levels: list[BandLevel]
    order: np.ndarray
    offset: torch.Tensor  # [rows] first band stage, level order
    width: int


def band_offsets(problem: Problem, width: int, centre: np.ndarray) -> np.ndarray:
    """Each node's first band stage: 0 for all when the band is all L stages; else its
    window's first stage when the window [ASAP, ALAP] fits in ``width``, else ``width``
    stages around ``centre`` (an incumbent's stage) within the window."""
    if width >= problem.stages:
        return np.zeros(problem.n, np.int64)
    lo, hi = problem.asap.astype(np.int64), problem.alap.astype(np.int64)
    around = np.clip(np.asarray(centre, np.int64) - width // 2, lo, np.maximum(lo, hi - width + 1))
    return np.where(hi - lo + 1 <= width, lo, around)


def plan_bands(problem: Problem, dense: Plan, offset: np.ndarray, width: int,
               device: torch.device, dtype: torch.dtype = torch.float32) -> BandPlan:  # fmt: skip
    """The banded plan of ``problem`` from its dense ``plan`` and node offsets."""
    stages = problem.stages
    row_offset = offset[dense.order]  # level order
    bias = stage_bias(stages, device, dtype)
    j = np.arange(width)
    levels = []
    for level in dense.levels:
        nodes = dense.order[level.start : level.stop]
        off = offset[nodes]
        absolute = off[:, None] + j[None, :]  # [n_k, w]
        in_range = absolute <= problem.alap[nodes][:, None]
        n_preds = torch.bincount(level.edge_dst, minlength=len(nodes)).to(dtype)
        level_bias = bias[torch.as_tensor(np.minimum(absolute, stages - 1), device=device)]
        src_rows = level.edge_src.cpu().numpy()
        move = row_offset[level.start + level.edge_dst.cpu().numpy()] - level.edge_shift.cpu(
        ).numpy() - row_offset[src_rows]  # fmt: skip
        levels.append(
            BandLevel(
                start=level.start,
                stop=level.stop,
                offset=torch.as_tensor(off, device=device),
                edge_src=level.edge_src,
                edge_dst=level.edge_dst,
                edge_shift=level.edge_shift,
                edge_move=torch.as_tensor(move, device=device),
                scale=(level_bias ** n_preds[:, None])[:, None, :],
                window=None if in_range.all() else torch.as_tensor(in_range[:, None, :],
                                                                    device=device),
                read=level.read,
            )
        )  # fmt: skip
    return BandPlan(levels, dense.order, torch.as_tensor(row_offset, device=device), width)


class _Shared:
    """Absolute stages sampled so far [rows, B] and the gradients sent to each row's
    cumulative one-hot, in its band's coordinates plus one slot for the stages after it."""

    def __init__(self, rows: int, batch: int, width: int, device, dtype):
        self.stages = torch.zeros(rows, batch, device=device, dtype=torch.long)
        self.grads = torch.zeros(rows, batch, width + 1, device=device, dtype=dtype)


class _BandMask(torch.autograd.Function):
    """The banded ``_LevelMask``: bias^(#preds) * window * [off + j >= max(s_u + d)];
    backward, each in-edge's share (where every other in-edge allows the stage) moved
    into the predecessor's band (index j - move), the stages past it summed in its last
    slot, the ones before it dropped (its cumulative one-hot is 0 there)."""

    @staticmethod
    def forward(ctx, anchor, shared, level, width):
        starts, top = earliest_stage(shared, level)
        ctx.others = other_tops(starts, top, level.edge_dst)
        ctx.shared, ctx.level = shared, level
        stage = level.offset[:, None, None] + torch.arange(width, device=top.device)
        allowed = stage >= top[..., None]
        if level.window is not None:
            allowed &= level.window
        ctx.mark_non_differentiable(allowed)
        return torch.where(allowed, level.scale, 0), allowed

    @staticmethod
    def backward(ctx, grad, _):
        level, shared = ctx.level, ctx.shared
        width = grad.shape[-1]
        factor = level.scale if level.window is None else level.scale * level.window
        grad = grad * factor
        j = torch.arange(width, device=grad.device)
        stage = level.offset.index_select(0, level.edge_dst)[:, None, None] + j  # [m_k, 1, w]
        edge_grad = grad.index_select(0, level.edge_dst) * (stage >= ctx.others[..., None])
        target = j[None, :] + level.edge_move[:, None]  # [m_k, w]: u's band index
        keep = target >= 0
        slot = target.clamp(0, width)  # past u's band: its last slot
        edges, batch = edge_grad.shape[0], edge_grad.shape[1]
        rows = (
            level.edge_src[:, None, None] * batch
            + torch.arange(batch, device=grad.device)[None, :, None]
        )  # [m_k, B, 1]
        flat = (rows * (width + 1) + slot[:, None, :]).expand(edges, batch, width)
        values = edge_grad * keep[:, None, :]
        shared.grads.view(-1).index_add_(0, flat.reshape(-1), values.reshape(-1))
        return None, None, None, None


class _Hard(torch.autograd.Function):
    """The straight-through one-hot of a level in band coordinates (a row sampled outside
    its band is all zeros); backward, the loss's gradient plus the adjoint of the
    cumulative sum of what later masks sent (slot w, past the band, reaches every stage)."""

    @staticmethod
    def forward(ctx, y_soft, index, inside, shared, level):
        ctx.shared, ctx.rows, ctx.read = shared, slice(level.start, level.stop), level.read
        hard = torch.zeros_like(y_soft)
        return hard.scatter_(-1, index, inside[..., None].to(y_soft.dtype))

    @staticmethod
    def backward(ctx, grad):
        if ctx.read:
            width = grad.shape[-1]
            lower = torch.ones(width + 1, width + 1, device=grad.device, dtype=grad.dtype).tril()
            sent = ctx.shared.grads[ctx.rows].reshape(1, -1, width + 1)
            grad = torch.baddbmm(grad.reshape(1, -1, width), sent, lower[None, :, :width]).view_as(
                grad
            )
        return grad, None, None, None, None


@dataclass
class BandSample:
    """B schedules: ``onehot`` [rows, B, w] in band coordinates (zero where a row was
    sampled outside its band) and ``stages`` [rows, B] absolute, both in level order."""

    onehot: torch.Tensor
    stages: torch.Tensor
    inside: torch.Tensor  # [rows, B] bool: the stage lies in the row's band


def sample_banded(logits: torch.Tensor, plan: BandPlan, noise: torch.Tensor,
                  tau: float) -> BandSample:  # fmt: skip
    """Draw B legal schedules; ``logits`` [rows, w] and ``noise`` [rows, B, w] Gumbel(0, 1),
    both in level order and band coordinates."""
    rows, batch, width = noise.shape
    shared = _Shared(rows, batch, width, noise.device, noise.dtype)
    scores = torch.add(logits[:, None, :] / tau, noise, alpha=1 / tau)
    pieces = short_softmax(scores).split([lv.stop - lv.start for lv in plan.levels])
    outputs, inside_rows = [], []
    for k, (level, probs) in enumerate(zip(plan.levels, pieces, strict=True)):
        if k == 0:
            allowed = level.window
            y_soft = probs
            if allowed is not None:
                y_soft = probs * allowed / (probs * allowed).sum(-1, keepdim=True)
                allowed = allowed.expand_as(probs)
            score = y_soft.detach() if allowed is None else y_soft.detach().masked_fill(
                ~allowed, -1)  # fmt: skip
            index = score.argmax(-1, keepdim=True)
            inside = torch.ones(index.shape[:2], dtype=torch.bool, device=noise.device)
            stage = level.offset[:, None] + index[..., 0]
        else:
            mask, allowed = _BandMask.apply(logits, shared, level, width)
            y_soft = short_softmax(probs * mask)
            index = (y_soft.detach() * allowed).argmax(-1, keepdim=True)
            inside = allowed.any(-1)
            _, top = earliest_stage(shared, level)
            stage = torch.where(inside, level.offset[:, None] + index[..., 0], top)
        outputs.append(_Hard.apply(y_soft, index, inside, shared, level))
        inside_rows.append(inside)
        shared.stages[level.start : level.stop] = stage
    return BandSample(torch.cat(outputs), shared.stages, torch.cat(inside_rows))


def banded_window_busy(sampled: BandSample, offset: torch.Tensor, delay: torch.Tensor,
                       resource: torch.Tensor, resources: int, horizon: int,
                       real: torch.Tensor) -> torch.Tensor:  # fmt: skip
    """[B, K, H] busy units from a banded sample (rows in level order; ``real`` False for
    rows that carry no unit): the one-hots' windows scattered from band to cycle, with
    gradient, plus the rows sampled outside their bands as constants."""
    onehot = sampled.onehot * real[:, None, None]
    rows, batch, width = onehot.shape
    longest = int(delay.max()) if rows else 0
    total = torch.cumsum(torch.nn.functional.pad(onehot, (0, longest)), dim=2)
    span = width + longest
    j = torch.arange(span, device=onehot.device)
    before = (j[None, :] - delay[:, None]).clamp(min=-1) + 1  # [rows, w + d]
    padded = torch.nn.functional.pad(total, (1, 0))
    busy = total - torch.gather(padded, 2, before[:, None, :].expand(rows, batch, span))
    # cycle c of (row, b) at slot (b K + resource) pitch + c, pitch = H + 1 + span: the
    # cycles past H land in the pad (cropped); one index_add per band cycle, so no
    # [rows, B, span] index tensor
    pitch = horizon + 1 + span
    rows_b = torch.arange(batch, device=onehot.device)[None, :] * resources
    base = (rows_b + resource[:, None]) * pitch + offset[:, None]  # [rows, B]
    out = torch.zeros(batch * resources * pitch, dtype=onehot.dtype, device=onehot.device)
    # unbind: one backward for all pieces (indexing each would zero a full gradient per k)
    for k, piece in enumerate(busy.permute(2, 0, 1).unbind(0)):  # [rows, B] per cycle
        out = out.index_add(0, (base + k).reshape(-1), piece.reshape(-1))
    outside = (~sampled.inside) & real[:, None]
    if outside.any():
        row, b = outside.nonzero(as_tuple=True)
        start = sampled.stages[row, b]
        steps = torch.arange(longest, device=onehot.device)
        on = steps[None, :] < delay[row][:, None]
        at = (b * resources + resource[row])[:, None] * pitch + (start[:, None] + steps
                                                                ).clamp(max=horizon)  # fmt: skip
        out = out.index_add(0, at[on], torch.ones_like(at[on], dtype=out.dtype))
    return out.view(batch, resources, pitch)[..., :horizon]


__all__ = ["BandPlan", "band_offsets", "banded_window_busy", "plan_bands", "sample_banded"]
