"""The constrained Gumbel-Softmax sampler of the paper (Eqs. 4-8), one topological level at a time.

A node's feasible stages are the product of its predecessors' cumulative one-hots shifted
by the edge distance (Eq. 4); its sample is the masked double softmax with the
reference's stage bias, used forward as a straight-through hard one-hot. All nodes of a
level are sampled at once, rows are kept in level order, and the masks' value and
gradient are computed from integer stages (:class:`_LevelMask`, :class:`_Hard`) instead
of autograd products, so deep designs (div: thousands of levels) fit in memory.
``docs/solvers.md`` gives the derivation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from schedbench.problems.icml24 import Problem


@dataclass(frozen=True)
class Level:
    """One topological level: rows start..stop (all predecessors lie in earlier levels)."""

    start: int
    stop: int
    nodes: torch.Tensor  # [n_k] node ids (to read their logits)
    edge_src: torch.Tensor  # [m_k] predecessor rows
    edge_dst: torch.Tensor  # [m_k] successor position within the level
    edge_shift: torch.Tensor  # [m_k] edge distance d
    scale: torch.Tensor | None  # [n_k, 1, L] the stage bias once per predecessor
    has_shift: bool
    window: torch.Tensor | None  # [n_k, 1, L] bool, t <= ALAP; None when no node is restricted
    factor: torch.Tensor | None  # [n_k, 1, L] scale * window: the mask's backward factor
    # (scale and window are None in a plan built without masks: see plan_levels)
    read: bool  # some later level has an in-edge from this one


@dataclass(frozen=True)
class Plan:
    """The levels, and each node's row: ``order[row]`` is a node, ``position[node]`` its row."""

    levels: list[Level]
    order: np.ndarray
    position: np.ndarray

    def order_tensor(self, device: torch.device) -> torch.Tensor:
        """``order`` as a tensor on ``device`` (to put node-ordered rows in level order)."""
        return torch.as_tensor(self.order, device=device)


def plan_levels(problem: Problem, device: torch.device, dtype: torch.dtype = torch.float32,
                masks: bool = True) -> Plan:  # fmt: skip
    """Group nodes and their in-edges by topological level, once per problem. ``masks``
    false leaves out the [n_k, 1, L] stage biases and ALAP windows (n * L values in all):
    a banded sampler builds its own [n_k, 1, w] ones and needs only the levels."""
    levels = problem.level
    order = np.argsort(levels, kind="stable")
    position = np.empty(problem.n, np.int64)
    position[order] = np.arange(problem.n)
    bounds = np.searchsorted(levels[order], np.arange(levels.max() + 2))
    edge_level = levels[problem.dst]
    by_level = np.argsort(edge_level, kind="stable")
    edge_bounds = np.searchsorted(edge_level[by_level], np.arange(levels.max() + 2))
    bias = stage_bias(problem.stages, device, dtype)
    read = np.zeros(problem.n, bool)
    read[position[problem.src]] = True

    def tensor(a: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(np.ascontiguousarray(a), dtype=torch.long, device=device)

    plan = []
    for k in range(int(levels.max()) + 1):
        start, stop = int(bounds[k]), int(bounds[k + 1])
        edges = by_level[edge_bounds[k] : edge_bounds[k + 1]]
        dst_local = position[problem.dst[edges]] - start
        n_preds = tensor(np.bincount(dst_local, minlength=stop - start))
        scale = (bias[None, :] ** n_preds[:, None].to(dtype))[:, None, :] if masks else None
        window = _window(problem, order[start:stop], device) if masks else None
        plan.append(
            Level(
                start=start,
                stop=stop,
                nodes=tensor(order[start:stop]),
                edge_src=tensor(position[problem.src[edges]]),
                edge_dst=tensor(dst_local),
                edge_shift=tensor(problem.d[edges]),
                scale=scale,
                has_shift=bool(problem.d[edges].any()),
                window=window,
                factor=scale if window is None or scale is None else scale * window,
                read=bool(read[start:stop].any()),
            )
        )
    return Plan(levels=plan, order=order, position=position)


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


class _ShortSoftmax(torch.autograd.Function):
    """Softmax over a short last axis (the L stages), written out of elementwise ops.

    torch's CPU softmax vectorizes along the reduced axis, which is only L = 10 long here;
    max, exp, sum and divide over [n, B, L] vectorize along the whole tensor instead (the
    same values to float rounding), and the backward is y * (g - sum(g * y)).
    """

    @staticmethod
    def forward(ctx, x):
        y = (x - x.amax(-1, keepdim=True)).exp_()
        y = y.div_(y.sum(-1, keepdim=True))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return y * (grad - (grad * y).sum(-1, keepdim=True))


def short_softmax(x: torch.Tensor) -> torch.Tensor:
    """``x.softmax(-1)`` for a short last axis, faster on CPU (:class:`_ShortSoftmax`);
    elsewhere torch's own kernel."""
    return _ShortSoftmax.apply(x) if x.device.type == "cpu" else x.softmax(-1)


class _SharedMasks:
    """Stages of the rows sampled so far and the gradients their readers send back to D."""

    def __init__(self, n: int, batch: int, stages: int, device: torch.device, dtype: torch.dtype):
        self.stages = torch.zeros(n, batch, device=device, dtype=torch.long)
        self.grads = torch.zeros(n, batch, stages, device=device, dtype=dtype)


class _LevelMask(torch.autograd.Function):
    """bias^(#preds) * window * T<=(v), T<= = prod over in-edges of D_u shifted by d, for
    every node of one level; also returns the barred stages (bool, no gradient).

    Forward, from integer stages (no [m, B, L] work): [t >= max over in-edges of s_u + d].
    Backward, the product rule: in-edge e receives the node's gradient where every *other*
    in-edge allows t, shifted back by d, added into the shared gradient of D_u.
    """

    @staticmethod
    def forward(ctx, anchor, shared, level, stages):
        starts, top = earliest_stage(shared, level)
        ctx.others = other_tops(starts, top, level.edge_dst)
        ctx.shared, ctx.level = shared, level
        t = torch.arange(stages, device=starts.device)
        barred = t < top[..., None]
        if level.window is not None:
            barred |= ~level.window
        ctx.mark_non_differentiable(barred)
        return level.scale.masked_fill(barred, 0), barred

    @staticmethod
    def backward(ctx, grad, _):
        level = ctx.level
        t = torch.arange(grad.shape[-1], device=grad.device)
        grad = grad * level.factor
        edge_grad = grad.index_select(0, level.edge_dst).masked_fill_(t < ctx.others[..., None], 0)
        if level.has_shift:  # d/dD_u[t'] of D_u[t - d] is the gradient at t = t' + d
            edge_grad = shift_left(edge_grad, level.edge_shift)
        ctx.shared.grads.index_add_(0, level.edge_src, edge_grad)
        return None, None, None, None


class _Hard(torch.autograd.Function):
    """The hard one-hot of a level, straight through (hard - sg(y) + y): its backward is
    the loss's gradient plus, through D = cumsum(one-hot), what later levels' masks sent
    to the level's rows of the shared buffer."""

    @staticmethod
    def forward(ctx, y_soft, index, shared, level, read):
        ctx.shared, ctx.rows, ctx.read = shared, slice(level.start, level.stop), read
        return torch.zeros_like(y_soft).scatter_(-1, index, 1.0)

    @staticmethod
    def backward(ctx, grad):
        if ctx.read:
            # the adjoint of cumsum is a sum over t >= t': a matmul with a triangle
            # (cumsum over a short last axis is several times slower on CPU)
            stages = grad.shape[-1]
            lower = torch.ones(stages, stages, device=grad.device, dtype=grad.dtype).tril()
            grad = torch.baddbmm(
                grad.reshape(1, -1, stages),
                ctx.shared.grads[ctx.rows].reshape(1, -1, stages),
                lower[None],
            ).view_as(grad)
        return grad, None, None, None, None


def earliest_stage(shared: Any, level: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """Per in-edge s_u + d [m_k, B], and per node its max, the earliest legal stage [n_k, B]
    (``shared``: the stages sampled so far; ``level``: a dense or banded plan's level)."""
    starts = shared.stages.index_select(0, level.edge_src) + level.edge_shift[:, None]
    top = torch.zeros(
        (level.stop - level.start, starts.shape[1]), dtype=torch.long, device=starts.device
    ).scatter_reduce_(0, level.edge_dst[:, None].expand_as(starts), starts, "amax")
    return starts, top


def other_tops(starts: torch.Tensor, top: torch.Tensor, edge_dst: torch.Tensor) -> torch.Tensor:
    """Per in-edge [m_k, B], the latest s_u + d among its node's *other* in-edges (the top
    itself when another in-edge reaches it too): where the mask's product rule lets it pass."""
    top_e = top.index_select(0, edge_dst)
    is_top = starts == top_e
    n_top = torch.zeros_like(top).index_add_(0, edge_dst, is_top.long())
    second = torch.zeros_like(top).scatter_reduce_(
        0, edge_dst[:, None].expand_as(starts), torch.where(is_top, 0, starts), "amax"
    )
    alone = is_top & (n_top.index_select(0, edge_dst) == 1)
    return torch.where(alone, second.index_select(0, edge_dst), top_e)


def _allowed(shared: _SharedMasks, level: Level, stages: int) -> torch.Tensor:
    """[t >= max over in-edges of s_u + d] (and t <= ALAP) for the level's nodes, no gradient."""
    starts, top = earliest_stage(shared, level)
    allowed = torch.arange(stages, device=starts.device) >= top[..., None]
    if level.window is not None:
        allowed &= level.window
    return allowed


@dataclass
class Sample:
    """One batch of B schedules.

    ``onehot`` [n, B, L] are the straight-through one-hots and ``level_stages`` [n, B]
    their argmax, both with rows in ``order`` (level by level: permuting them to node order
    would cost two full passes per epoch, so the loss takes weights and edges renumbered
    instead); :attr:`stages` [B, n] are the schedules in node order, computed on demand (the
    solver scores ``level_stages`` where they are and permutes only the best one).
    """

    onehot: torch.Tensor
    order: np.ndarray
    level_stages: torch.Tensor

    @property
    def stages(self) -> torch.Tensor:
        """[B, n] the schedules in node order."""
        return self.level_stages.index_select(0, self._rows(self.level_stages.device)).T

    def node_major(self) -> torch.Tensor:
        """The one-hots with rows in node order (for tests and small graphs)."""
        return self.onehot.index_select(0, self._rows(self.onehot.device))

    def _rows(self, device: torch.device) -> torch.Tensor:
        """Each node's row: the inverse of ``order``."""
        position = np.empty_like(self.order)
        position[self.order] = np.arange(self.order.size)
        return torch.as_tensor(position, device=device)


def sample(
    logits: torch.Tensor,
    plan: Plan,
    noise: torch.Tensor,
    tau: float,
    logit_mask: bool = False,
    level_order: bool = False,
) -> Sample:
    """Draw B legal schedules. ``noise`` is Gumbel(0, 1) [n, B, L] with rows in level order
    (row i belongs to node ``plan.order[i]``). ``logits`` are [n, L] (one vector per node)
    or [n, B, L] (one per node and batch row, the reference code's layout), in node order,
    or in level order like the noise when ``level_order`` is set.

    ``logit_mask=True`` (gs_plus) replaces the paper's masked double softmax by one
    softmax of (W + g) / tau with -inf on the infeasible stages: the mask is a constant
    of the sample, so no gradient flows through it (and none of its bookkeeping runs).
    """
    n, batch, stages = noise.shape
    shared = _SharedMasks(n, batch, stages, noise.device, noise.dtype)
    rows = logits if level_order else logits.index_select(0, plan.order_tensor(logits.device))
    if rows.dim() == 2:
        rows = rows[:, None, :]
    # (W + g) / tau and its softmax do not depend on earlier levels: one op each for the
    # whole batch, then one split (a single backward node, not one full-size gradient
    # per level)
    scores = torch.add(rows / tau, noise, alpha=1 / tau)
    sizes = [level.stop - level.start for level in plan.levels]
    pieces = (scores if logit_mask else short_softmax(scores)).split(sizes)
    outputs = []
    for k, (level, piece) in enumerate(zip(plan.levels, pieces, strict=True)):
        if logit_mask:
            allowed = _allowed(shared, level, stages) if k else level.window
            y_soft = piece if allowed is None else piece.masked_fill(~allowed, float("-inf"))
            y_soft = short_softmax(y_soft)
            index = y_soft.detach().argmax(-1, keepdim=True)
            outputs.append(_Hard.apply(y_soft, index, shared, level, False))
            shared.stages[level.start : level.stop] = index[..., 0]
            continue
        probs = piece
        if k == 0:
            allowed = level.window
            y_soft = probs
            if allowed is not None:  # renormalise over the stages the window allows
                y_soft = probs * allowed / (probs * allowed).sum(-1, keepdim=True)
                allowed = allowed.expand_as(probs)
        else:
            # ``logits`` only places the mask on a path to the parameters, so that autograd
            # runs its backward (it sends no gradient to them directly)
            mask, barred = _LevelMask.apply(logits, shared, level, stages)
            y_soft = short_softmax(probs * mask)
        if k:  # every y_soft > 0 here, so zeroing the barred stages bars them (one pass)
            score = y_soft.detach().masked_fill(barred, 0)
        elif allowed is None:
            score = y_soft.detach()
        else:
            score = y_soft.detach().masked_fill(~allowed, -1)
        index = score.argmax(-1, keepdim=True)
        outputs.append(_Hard.apply(y_soft, index, shared, level, level.read))
        shared.stages[level.start : level.stop] = index[..., 0]
    return Sample(onehot=torch.cat(outputs, dim=0), order=plan.order, level_stages=shared.stages)


class GumbelNoise:
    """Gumbel(0, 1) noise -log(-log U) of shape [n, B, L], reproducible from one seed.

    On CPU the uniforms come from numpy's PCG64, which fills float32 arrays about 1.6x
    faster than torch's CPU generator (the noise is a tenth of an epoch on RW1); on CUDA
    from a torch generator on the device, so nothing crosses the bus.
    """

    def __init__(self, seed: int, device: torch.device, dtype: torch.dtype, **_: object):
        self.device, self.dtype = device, dtype
        if device.type == "cpu":
            self.numpy = np.random.default_rng(seed)
        else:
            self.numpy = None
            self.torch = torch.Generator(device=device).manual_seed(seed)

    def __call__(self, n: int, batch: int, stages: int) -> torch.Tensor:
        if self.numpy is not None:
            uniform = torch.from_numpy(self.numpy.random((n, batch, stages), dtype=np.float32))
        else:
            uniform = torch.rand(
                n, batch, stages, generator=self.torch, device=self.device, dtype=torch.float32
            )
        tiny = torch.finfo(torch.float32).tiny
        return uniform.clamp_(min=tiny).log_().neg_().log_().neg_().to(self.dtype)
