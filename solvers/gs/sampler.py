"""The constrained Gumbel-Softmax sampler of the paper (Eqs. 4-8), one topological level at a time.

For a node v with predecessors u (edge distance d), the feasible stages are
T<=(v) = prod_u D_u shifted right by d, where D_u = cumsum of u's one-hot sample (Eq. 4).
The sample is y = softmax(softmax((W_v + g) / tau) * bias^(#preds) * T<=(v)) with the
reference's log-decaying stage bias, and the hard (straight-through) one-hot of y is used
forward. Source nodes use the plain Gumbel-Softmax. Every node of one level is sampled at
once; nothing loops over nodes in Python and nothing is generated per graph.

Gradients flow through the masks as in the reference. The mask of a node is a product of
0/1 factors, so its value is [t >= max over in-edges of s_u + d] and its derivative with
respect to one factor is [no *other* factor is 0]: :class:`_LevelMask` computes the value
from integer stages and that derivative in its backward, without building the product's
autograd graph. Reading a predecessor's D from an autograd-tracked [B, n, L] buffer would
make autograd allocate a full-size gradient at every level (fatal for deep designs such
as div, with thousands of levels), so :class:`_LevelMask`'s backward adds into a shared
gradient buffer and each level's D passes through :class:`_Inject`, whose backward picks
that buffer's rows up. Autograd runs later-created nodes first, so every reader of a level
has run before its injector.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from schedbench.problem import Problem


@dataclass(frozen=True)
class Level:
    """Index tensors of one topological level (all predecessors lie in earlier levels)."""

    nodes: torch.Tensor  # [n_k] node ids
    edge_src: torch.Tensor  # [m_k] predecessor ids
    edge_dst: torch.Tensor  # [m_k] position of the successor within ``nodes``
    edge_shift: torch.Tensor  # [m_k] edge distance d
    n_preds: torch.Tensor  # [n_k]
    has_shift: bool
    window: torch.Tensor | None  # [n_k, 1, L] bool, t <= ALAP; None when no node is restricted


def plan_levels(problem: Problem, device: torch.device) -> list[Level]:
    """Group nodes and their in-edges by topological level, once per problem."""
    levels = problem.level
    order = np.argsort(levels, kind="stable")
    bounds = np.searchsorted(levels[order], np.arange(levels.max() + 2))
    local = np.empty(problem.n, np.int64)
    edge_level = levels[problem.dst]
    by_level = np.argsort(edge_level, kind="stable")
    edge_bounds = np.searchsorted(edge_level[by_level], np.arange(levels.max() + 2))
    plan = []
    for k in range(int(levels.max()) + 1):
        nodes = order[bounds[k] : bounds[k + 1]]
        local[nodes] = np.arange(nodes.size)
        edges = by_level[edge_bounds[k] : edge_bounds[k + 1]]
        dst_local = local[problem.dst[edges]]

        def tensor(a: np.ndarray) -> torch.Tensor:
            return torch.as_tensor(np.ascontiguousarray(a), dtype=torch.long, device=device)

        plan.append(
            Level(
                nodes=tensor(nodes),
                edge_src=tensor(problem.src[edges]),
                edge_dst=tensor(dst_local),
                edge_shift=tensor(problem.d[edges]),
                n_preds=tensor(np.bincount(dst_local, minlength=nodes.size)),
                has_shift=bool(problem.d[edges].any()),
                window=_window(problem, nodes, device),
            )
        )
    return plan


def _window(problem: Problem, nodes: np.ndarray, device: torch.device) -> torch.Tensor | None:
    """[t <= ALAP] for the level's nodes. With edge distances a node placed after its ALAP
    leaves a successor no legal stage, so the latest stage is masked too (with d = 0 every
    ALAP is L-1 and this is a no-op, as in the paper)."""
    alap = problem.alap[nodes]
    if (alap >= problem.stages - 1).all():
        return None
    allowed = np.arange(problem.stages)[None, :] <= alap[:, None]
    return torch.as_tensor(allowed[:, None, :], device=device)


def stage_bias(stages: int, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    """The reference's per-stage bias log(L+1), log(L), ..., log(2): early stages favoured."""
    return torch.arange(stages + 1, 1, -1, device=device, dtype=dtype).log()


def shift_left(grads: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    """grads[e, ..., t + d_e] (0 where t + d_e >= L): the adjoint of shifting a mask right by d."""
    stages = grads.shape[-1]
    t = torch.arange(stages, device=grads.device)
    source = t[None, :] + shift[:, None]
    valid = (source < stages).to(grads.dtype)[:, None, :]
    index = source.clamp(max=stages - 1)[:, None, :].expand(-1, grads.shape[1], -1)
    return grads.gather(-1, index) * valid


class _SharedMasks:
    """Stages of the nodes sampled so far and the gradient readers sent back to their D."""

    def __init__(self, n: int, batch: int, stages: int, device: torch.device, dtype: torch.dtype):
        self.stages = torch.zeros(n, batch, device=device, dtype=torch.long)
        self.grads = torch.zeros(n, batch, stages, device=device, dtype=dtype)


class _LevelMask(torch.autograd.Function):
    """T<=(v) = prod over in-edges of D_u shifted by d, for every node of one level.

    Forward, from integer stages (no [m, B, L] work): [t >= max over in-edges of s_u + d].
    Backward, the product rule: in-edge e receives the node's gradient where every *other*
    in-edge allows t, shifted back by d, added into the shared gradient of D_u.
    """

    @staticmethod
    def forward(ctx, anchor, shared, level, stages, dtype):
        starts = shared.stages.index_select(0, level.edge_src) + level.edge_shift[:, None]
        rows = level.edge_dst[:, None].expand_as(starts)
        shape = (level.nodes.numel(), starts.shape[1])
        top = torch.zeros(shape, dtype=torch.long, device=starts.device).scatter_reduce_(
            0, rows, starts, "amax"
        )
        top_e = top.index_select(0, level.edge_dst)
        is_top = starts == top_e
        n_top = torch.zeros(shape, dtype=torch.long, device=starts.device).index_add_(
            0, level.edge_dst, is_top.long()
        )
        second = torch.zeros(shape, dtype=torch.long, device=starts.device).scatter_reduce_(
            0, rows, torch.where(is_top, 0, starts), "amax"
        )
        alone = is_top & (n_top.index_select(0, level.edge_dst) == 1)
        ctx.others = torch.where(alone, second.index_select(0, level.edge_dst), top_e)
        ctx.shared, ctx.level = shared, level
        t = torch.arange(stages, device=starts.device)
        return (t >= top[..., None]).to(dtype)

    @staticmethod
    def backward(ctx, grad):
        level = ctx.level
        t = torch.arange(grad.shape[-1], device=grad.device)
        edge_grad = grad.index_select(0, level.edge_dst) * (t >= ctx.others[..., None])
        if level.has_shift:  # d/dD_u[t'] of D_u[t - d] is the gradient at t = t' + d
            edge_grad = shift_left(edge_grad, level.edge_shift)
        ctx.shared.grads.index_add_(0, level.edge_src, edge_grad)
        return None, None, None, None, None


class _StraightThrough(torch.autograd.Function):
    """The hard one-hot forward, the soft sample's gradient backward (hard - sg(y) + y)."""

    @staticmethod
    def forward(ctx, y_soft, index):
        return torch.zeros_like(y_soft).scatter_(-1, index, 1.0)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


class _StageCumsum(torch.autograd.Function):
    """cumsum over stages of a straight-through one-hot: the value is [t >= argmax]."""

    @staticmethod
    def forward(ctx, onehot, index):
        t = torch.arange(onehot.shape[-1], device=onehot.device)
        return (t >= index).to(onehot.dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.flip(-1).cumsum(-1).flip(-1), None  # the adjoint of cumsum


class _Inject(torch.autograd.Function):
    @staticmethod
    def forward(ctx, masks, shared, index):
        ctx.shared, ctx.index = shared, index
        return masks.view_as(masks)

    @staticmethod
    def backward(ctx, grad):
        return grad + ctx.shared.grads.index_select(0, ctx.index), None, None


@dataclass
class Sample:
    """One batch: straight-through one-hots [n, B, L] (node-major) and stages [B, n]."""

    onehot: torch.Tensor
    stages: torch.Tensor
    anchor: torch.Tensor  # 0-valued scalar tying every level's gradient injection to the loss


def sample(
    logits: torch.Tensor,
    plan: list[Level],
    noise: torch.Tensor,
    tau: float,
    bias: torch.Tensor,
) -> Sample:
    """Draw B legal schedules; ``noise`` is Gumbel(0, 1) of shape [n, B, L] (node-major,
    so gathering a level's nodes copies contiguous blocks)."""
    n, batch, stages = noise.shape
    shared = _SharedMasks(n, batch, stages, noise.device, noise.dtype)
    outputs, injections = [], []
    for k, level in enumerate(plan):
        # per level, not one [n, B, L] softmax: the backward of selecting rows from a
        # full-size tensor would allocate a full-size gradient at every level
        scores = logits.index_select(0, level.nodes)[:, None, :] + noise.index_select(
            0, level.nodes
        )
        probs = (scores / tau).softmax(-1)
        if k == 0:
            allowed = level.window
            y_soft = probs
            if allowed is not None:  # renormalise over the stages the window allows
                y_soft = probs * allowed / (probs * allowed).sum(-1, keepdim=True)
                allowed = allowed.expand_as(probs)
        else:
            # ``logits`` only places the mask on a path to the parameters, so that autograd
            # runs its backward (it sends no gradient to them directly)
            mask = _LevelMask.apply(logits, shared, level, stages, probs.dtype)
            if level.window is not None:
                mask = mask * level.window
            allowed = mask.detach() > 0
            scale = bias[None, :] ** level.n_preds[:, None].to(bias.dtype)  # bias once per pred
            y_soft = (probs * scale[:, None, :] * mask).softmax(-1)
        score = y_soft.detach() if allowed is None else y_soft.detach().masked_fill(~allowed, -1)
        index = score.argmax(-1, keepdim=True)
        onehot = _StraightThrough.apply(y_soft, index)
        masks = _StageCumsum.apply(onehot, index)
        shared.stages.index_copy_(0, level.nodes, index[..., 0])
        injections.append(_Inject.apply(masks, shared, level.nodes))
        outputs.append(onehot)
    order = torch.cat([level.nodes for level in plan])
    inverse = torch.empty_like(order)
    inverse[order] = torch.arange(order.numel(), device=order.device)
    onehot = torch.cat(outputs, dim=0).index_select(0, inverse)
    anchor = sum(injection.sum() for injection in injections) * 0
    return Sample(onehot=onehot, stages=onehot.detach().argmax(-1).T, anchor=anchor)


def gumbel_noise(
    n: int,
    batch: int,
    stages: int,
    generator: torch.Generator,
    device: torch.device,
    dtype: torch.dtype,
) -> torch.Tensor:
    """Gumbel(0, 1) noise -log(-log U) of shape [n, B, L], drawn from ``generator``."""
    uniform = torch.rand(n, batch, stages, generator=generator, device=device, dtype=dtype)
    tiny = torch.finfo(dtype).tiny
    return -(-(uniform.clamp(min=tiny)).log()).log()
