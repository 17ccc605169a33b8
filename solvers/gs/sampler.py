"""The constrained Gumbel-Softmax sampler of the paper (Eqs. 4-8), one topological level at a time.

For a node v with predecessors u (edge distance d), the feasible stages are
T<=(v) = prod_u D_u shifted right by d, where D_u = cumsum of u's one-hot sample (Eq. 4).
The sample is y = softmax(softmax((W_v + g) / tau) * bias^(#preds) * T<=(v)) with the
reference's log-decaying stage bias, and the hard (straight-through) one-hot of y is used
forward. Source nodes use the plain Gumbel-Softmax. Every node of one level is sampled at
once; nothing loops over nodes in Python and nothing is generated per graph.

Gradients flow through the masks as in the reference. The mask of a node is a product of
0/1 factors, so its value is [no factor is 0] and its derivative with respect to one
factor is [no *other* factor is 0] (:class:`_MaskProduct` computes exactly that, without
building the product's autograd graph). Reading a predecessor's D from a buffer filled
level by level would make autograd copy the whole [B, n, L] buffer at every level (fatal
for deep designs such as div, with thousands of levels), so reads go through
:class:`_ReadMasks`, whose backward adds into a shared gradient buffer, and each level's
D passes through :class:`_Inject`, whose backward picks that buffer's rows up. Autograd
runs later-created nodes first, so every reader of a level has run before its injector.
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


def shift_right(masks: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    """masks[e, ..., t - d_e] (0 where t < d_e): the T<= of Eq. 4 with edge distances."""
    stages = masks.shape[-1]
    t = torch.arange(stages, device=masks.device)
    source = t[None, :] - shift[:, None]  # [m, L]
    valid = (source >= 0).to(masks.dtype)[:, None, :]
    index = source.clamp(min=0)[:, None, :].expand(-1, masks.shape[1], -1)
    return masks.gather(-1, index) * valid


class _SharedMasks:
    """Detached D values of sampled nodes and the gradient that readers sent back to them."""

    def __init__(self, n: int, batch: int, stages: int, device: torch.device, dtype: torch.dtype):
        self.values = torch.zeros(n, batch, stages, device=device, dtype=dtype)
        self.grads = torch.zeros(n, batch, stages, device=device, dtype=dtype)


class _MaskProduct(torch.autograd.Function):
    """prod over a node's in-edges of their 0/1 masks, with the product rule's gradient.

    Forward: 1 where no in-edge mask is 0. Backward: an edge receives the node's gradient
    where every *other* in-edge mask is 1 (the derivative of the product).
    """

    @staticmethod
    def forward(ctx, read, edge_dst, n_nodes):
        zero = (read == 0).to(torch.int32)
        shape = (n_nodes, *read.shape[1:])
        zeros = torch.zeros(shape, device=read.device, dtype=torch.int32)
        zeros.index_add_(0, edge_dst, zero)
        ctx.save_for_backward(zero, zeros, edge_dst)
        return (zeros == 0).to(read.dtype)

    @staticmethod
    def backward(ctx, grad):
        zero, zeros, edge_dst = ctx.saved_tensors
        others_open = (zeros.index_select(0, edge_dst) - zero) == 0
        return grad.index_select(0, edge_dst) * others_open, None, None


class _StageCumsum(torch.autograd.Function):
    """cumsum over stages of a straight-through one-hot: the value is [t >= argmax]."""

    @staticmethod
    def forward(ctx, onehot, index):
        t = torch.arange(onehot.shape[-1], device=onehot.device)
        return (t >= index).to(onehot.dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.flip(-1).cumsum(-1).flip(-1), None  # the adjoint of cumsum


class _ReadMasks(torch.autograd.Function):
    @staticmethod
    def forward(ctx, anchor, shared, index):
        ctx.shared, ctx.index = shared, index
        return shared.values.index_select(0, index)

    @staticmethod
    def backward(ctx, grad):
        ctx.shared.grads.index_add_(0, ctx.index, grad)
        return None, None, None


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
            # ``logits`` only places the read on a path to the parameters, so that autograd
            # runs its backward (it sends no gradient to them directly)
            read = _ReadMasks.apply(logits, shared, level.edge_src)  # [m_k, B, L]
            if level.has_shift:
                read = shift_right(read, level.edge_shift)
            mask = _MaskProduct.apply(read, level.edge_dst, level.nodes.numel())
            if level.window is not None:
                mask = mask * level.window
            allowed = mask.detach() > 0
            scale = bias[None, :] ** level.n_preds[:, None].to(bias.dtype)  # bias once per pred
            y_soft = (probs * scale[:, None, :] * mask).softmax(-1)
        score = y_soft.detach() if allowed is None else y_soft.detach().masked_fill(~allowed, -1)
        index = score.argmax(-1, keepdim=True)
        hard = torch.zeros_like(y_soft).scatter_(-1, index, 1.0)
        onehot = hard - y_soft.detach() + y_soft
        masks = _StageCumsum.apply(onehot, index)
        shared.values.index_copy_(0, level.nodes, masks.detach())
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
