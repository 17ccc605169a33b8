"""hls_gs: the ICML24 paper's constrained Gumbel-Softmax for the HLS classes (RCS, TCS).

One categorical per operation over the cycles 0..H-1 of the horizon (TCS: the latency
bound; RCS: the first schedule's latency). Dependencies are masked exactly as the paper
masks them, by its sampler (:mod:`schedbench.solvers.icml24.gs.sampler`): the product of the
predecessors' cumulative one-hots, shifted by the edge distance, which here is the
predecessor's delay (a virtual end operation after every sink, distance its delay, keeps
every operation inside the horizon). So every sample respects the edges and the horizon.
Busy units per resource and cycle come from the straight-through one-hots; the loss is,
for TCS, the cost-weighted log-sum-exp peak of each kind (``loss=cost``) or the paper's
entropy of each kind's load over cycles (``loss=entropy``); for RCS, the log-sum-exp of
the end cycles plus ``penalty`` times the busy units above each type's count. Every
sample is scored exactly: TCS samples are schedules as drawn, RCS samples are legalized
by the list scheduler in their start order. ``local_search`` refines the incumbent every
``phase`` seconds and re-centres the logits there; ``learn=false`` skips every gradient
step (the ablation: the same sampling, legalization and local search without learning).
A run stops once it holds a schedule at the class's lower bound (optimal).

Scale: ``band=w`` samples each operation over w stages instead of all H + 1
(:mod:`schedbench.solvers.hls.banded`): its whole window [ASAP, ALAP] when it fits, else w
stages around the incumbent, re-centred with the logits at each refinement; memory and
time O(n B w). ``band=None`` (the default) is the paper's layout over every stage.
``score_share`` caps the time spent legalizing and scoring samples, as in ``hls_gauss``.
"""

from __future__ import annotations

import time
from typing import Any, Literal

import numpy as np

from schedbench.graph import Graph
from schedbench.problems.icml24 import Problem
from schedbench.solvers.base import Outcome, SolveContext
from schedbench.solvers.hls import (
    Epochs,
    Refinement,
    ScoringShare,
    Typed,
    batch_that_fits,
    first_schedule,
    legalize,
    window_busy,
)

LIBRARY = "torch"
PIP = "torch"
CLASSES = ("rcs", "tcs")
COPIES = 20  # [n, B, H] tensors at an epoch's peak (noise, softmax, masks, grads), with a
# margin over the count measured in docs/scaling.md
BANDED_COPIES = 40  # banded: [n, B, w] tensors at the peak, with a margin over the count
# measured in docs/scaling.md


def version() -> str:
    from importlib import metadata

    return f"torch {metadata.version('torch')}"


def shadow_problem(view: Typed) -> Problem:
    """The paper's problem whose sampler masks this instance: an edge's distance is its
    source's delay, and a virtual end node after every sink bounds each end by H."""
    problem = view.problem
    n = view.n
    sinks = np.flatnonzero(np.bincount(problem.src, minlength=n) == 0)
    src = np.r_[problem.src, sinks]
    dst = np.r_[problem.dst, np.full(sinks.size, n)]
    graph = Graph.from_arrays(n + 1, src, dst, d=view.delay[src], name=f"{problem.name}-gs")
    return Problem.of(graph, stages=view.horizon + 1, ratio=1)


def run(
    ctx: SolveContext,
    batch: int = 32,
    temperature: float = 1.0,
    temperature_final: float = 0.1,
    lr: float = 0.1,
    loss: Literal["cost", "entropy"] = "cost",
    softness: float = 0.5,
    penalty: float = 1.0,
    init_logit: float = 3.0,
    local_search: bool = True,
    phase: float | None = None,
    learn: bool = True,
    epochs: int | None = None,
    device: str = "auto",
    dtype: Literal["float32", "float64"] = "float32",
    band: int | None = None,
    score_share: float = 1.0,
) -> Outcome:
    """See the module docstring; ``softness`` is the log-sum-exp temperature in units
    (TCS peaks) or cycles (RCS latency)."""
    problem = ctx.problem
    built = time.perf_counter()
    first = first_schedule(ctx)  # before torch loads
    import torch

    from schedbench.solvers.hls.banded import (
        band_offsets,
        banded_window_busy,
        plan_bands,
        sample_banded,
    )
    from schedbench.solvers.icml24.gs import available_gb, resolve_device
    from schedbench.solvers.icml24.gs.sampler import GumbelNoise, plan_levels, sample

    torch.set_num_threads(max(1, ctx.threads))
    torch.manual_seed(ctx.seed)
    dev, note = resolve_device(device)
    dt = {"float32": torch.float32, "float64": torch.float64}[dtype]
    view = Typed.of(problem, first)
    stages = view.horizon + 1
    if band is not None and band < 1:
        raise ValueError(f"band={band} must be a positive number of stages, or null for all")
    width = stages if band is None else min(band, stages)
    banded = width < stages
    copies = BANDED_COPIES if banded else COPIES
    per_row = copies * (view.n + 1) * width * dt.itemsize / 2**30
    extent = f"w={width}" if banded else f"H={stages}"
    shape = f"[n={view.n}, B=1, {extent}] {dtype} tensors on {dev}"
    fits = batch_that_fits(batch, per_row, available_gb(dev), shape, note)
    if isinstance(fits, Outcome):
        return fits
    batch, note = fits
    shadow = shadow_problem(view)
    plan = plan_levels(shadow, dev, dt, masks=not banded)  # banded: its own [n, w] masks
    gumbel = GumbelNoise(ctx.seed, dev, dt)
    rows = torch.as_tensor(plan.order, device=dev)  # row -> node (n is the virtual end)
    real = torch.as_tensor(plan.order < view.n, device=dev)
    node = np.minimum(plan.order, view.n - 1)
    delay = torch.as_tensor(np.where(plan.order < view.n, view.delay[node], 0), device=dev)
    resource = torch.as_tensor(np.where(plan.order < view.n, view.resource[node], 0), device=dev)
    cycles = torch.arange(width, device=dev, dtype=dt)
    bands = None

    def centred(schedule: np.ndarray) -> Any:
        """Logits peaked at ``schedule`` (level order, as the noise); banded, the bands
        are first re-centred there."""
        nonlocal bands
        stage = np.r_[schedule, view.horizon]  # the virtual end node at H
        offset = np.zeros(view.n + 1, np.int64)
        if banded:
            offset = band_offsets(shadow, width, stage)
            bands = plan_bands(shadow, plan, offset, width, dev, dt)
        logits = torch.zeros(view.n + 1, width, dtype=dt, device=dev)
        logits[torch.arange(view.n + 1), torch.as_tensor(stage - offset, device=dev)] = init_logit
        return logits.index_select(0, rows)

    logits = torch.nn.Parameter(centred(first))
    optimizer = torch.optim.Adam([logits], lr=lr)
    scale = float(problem.lower_bound) or 1.0
    weight = None if view.cost is None else torch.as_tensor(view.cost, dtype=dt, device=dev)
    limit = None if view.capacity is None else torch.as_tensor(view.capacity, dtype=dt, device=dev)
    refinement = Refinement(ctx, view, phase, ctx.seed) if local_search else None
    build_time = time.perf_counter() - built
    loop = Epochs(ctx, epochs, learn, refinement)
    scoring = ScoringShare(score_share)
    while loop.next():
        tau = temperature * (temperature_final / temperature) ** loop.progress
        optimizer.zero_grad(set_to_none=True)
        noise = gumbel(view.n + 1, batch, width)
        if banded:
            drawn = sample_banded(logits, bands, noise, tau)
            busy = banded_window_busy(drawn, bands.offset, delay, resource, view.resources,
                                      stages, real)  # fmt: skip
            onehot, level_stages = drawn.onehot * real[:, None, None], drawn.stages
        else:
            drawn = sample(logits, plan, noise, tau, level_order=True)
            onehot = drawn.onehot * real[:, None, None]  # [rows, B, H]; the end node: none
            busy = window_busy(onehot.permute(1, 0, 2), delay, resource, view.resources)
            level_stages = drawn.level_stages
        if view.kind == "tcs":
            if loss == "entropy":
                share = busy / busy.sum(-1, keepdim=True).clamp(min=1e-9)
                spread = (share * share.clamp(min=1e-9).log()).sum(-1) + np.log(stages)
                value = (weight * spread).sum(-1)
            else:
                value = (weight * softness * torch.logsumexp(busy / softness, -1)).sum(-1)
            total = value / scale
        else:
            if banded:  # rows sampled outside their band end where their stage says
                at = bands.offset[:, None, None] + cycles + delay[:, None, None]
                ends = (onehot * at).sum(-1)
                fixed = (level_stages + delay[:, None]).to(dt)
                ends = torch.where(drawn.inside | ~real[:, None], ends, fixed)
            else:
                ends = (onehot * (cycles[None, None, :] + delay[:, None, None])).sum(-1)
            latency = softness * torch.logsumexp(ends / softness, 0)
            overload = torch.relu(busy - limit[None, :, None]).sum((1, 2))
            total = latency / scale + penalty * overload / view.n
        objective = total.mean()
        if learn:
            objective.backward()
            optimizer.step()
        result = None
        if scoring.due(ctx.elapsed()):
            with scoring:
                starts = np.empty((batch, view.n), np.int64)
                drawn_stages = level_stages.cpu().numpy()  # [rows, B]
                starts[:, plan.order[plan.order < view.n]] = drawn_stages[plan.order < view.n].T
                schedules = starts if view.kind == "tcs" else legalize(view, starts, ctx.deadline)
                result = problem.evaluate(schedules)
                ctx.report_batch(schedules, result)
        if refinement is not None and refinement.due():
            refined = refinement.run(ctx.best_schedule)
            with torch.no_grad():
                logits.copy_(centred(refined))
            if banded:  # the moments belong to the old bands' stages
                optimizer = torch.optim.Adam([logits], lr=lr)
        loop.record(float(objective.detach()), result, temperature=tau)
    note_band = f"banded over {width} of {stages} stages" if banded else ""
    return loop.outcome(build_time, note, dev, scoring.scored, note_band)
