"""hls_gauss: a Gaussian-reparameterized scheduler for the HLS classes (RCS, TCS), in
GauS's formulation.

Per operation a mean and a spread of its start cycle (``batch`` independent rows, the
first at the first schedule, the others around it); the probability that an operation is
busy at cycle c, with its start rounded, is a difference of normal CDFs,
Phi((c + 0.5 - mu) / sigma) - Phi((c - d + 0.5 - mu) / sigma); summed per resource it is
the expected number of busy units. The objective is, for TCS, the cost-weighted
log-sum-exp peak of each kind's expected busy units; for RCS, the log-sum-exp of the mean
ends. Dependencies (mu_u + d_u <= mu_v) and, for RCS, the unit counts (expected busy <=
units) enter through an augmented Lagrangian (multipliers updated every ``dual_every``
steps); the means are projected onto their windows. Spreads are learned, capped by a
ceiling annealed from ``sigma`` to ``sigma_final``. Each step every row's rounded,
perturbed means are legalized (:func:`schedbench.solvers.hls.legalize`) and scored
exactly; ``local_search`` refines the incumbent every ``phase`` seconds and moves the
means there. ``learn=false`` skips the gradient steps (the ablation). A run stops once it
holds a schedule at the class's lower bound (optimal).

Scale: with ``band`` (the default) the expected usage is computed only within each
operation's band, floor(mu) +- 6 sigma (:func:`schedbench.solvers.hls.banded_busy`): memory
and time O(B n w), w = 12 sigma + d_max + 2 cycles, instead of O(B n H); sigma is the
step's spread ceiling, so the band narrows as the ceiling anneals. ``score_share``
caps the share of the run spent legalizing and scoring samples (at 10^5 RCS operations a
list schedule per row outweighs a gradient step): an epoch that would exceed it takes its
gradient step only; 1.0 scores every epoch.

``start="centre"`` is the cold start: every mean at its window's centre and the first
schedule not reported (for RCS it still sets the horizon); ``"first"`` puts row 0 at the
first schedule (RCS: the list schedule; TCS: ASAP); ``"list"`` (GauS's informed start) at
the list schedule in both classes (TCS: tcs_list's first schedule, computed in the run).
"""

from __future__ import annotations

import time
from typing import Literal

import numpy as np

from schedbench.solvers.base import Outcome, SolveContext
from schedbench.solvers.hls import (
    Epochs,
    Refinement,
    ScoringShare,
    Typed,
    band_reach,
    band_width,
    banded_busy,
    batch_that_fits,
    expected_busy,
    first_schedule,
    legalize,
)

LIBRARY = "torch"
PIP = "torch"
CLASSES = ("rcs", "tcs")
REVISION = 2  # 2: banded expected usage (the same schedules, more epochs per budget)
COPIES = 12  # [B, n, H] float32 tensors at a step's peak (CDFs, differences, grads), with a
# margin over the count measured in docs/scaling.md
BANDED_COPIES = 16  # [B, n, w] float32-sized tensors when banded (two int64 index tensors)


def version() -> str:
    from importlib import metadata

    return f"torch {metadata.version('torch')}"


def run(
    ctx: SolveContext,
    batch: int = 16,
    sigma: float = 2.0,
    sigma_final: float = 0.2,
    lr: float = 0.1,
    rho: float = 10.0,
    dual_every: int = 10,
    softness: float = 0.5,
    local_search: bool = True,
    phase: float | None = None,
    learn: bool = True,
    epochs: int | None = None,
    band: bool = True,
    score_share: float = 1.0,
    start: Literal["first", "list", "centre"] = "first",
    device: str = "auto",
) -> Outcome:
    """See the module docstring."""
    problem = ctx.problem
    built = time.perf_counter()
    first = first_schedule(ctx, report=start != "centre", listed=start == "list")
    import torch

    from schedbench.solvers.icml24.gs import available_gb, resolve_device

    torch.set_num_threads(max(1, ctx.threads))
    torch.manual_seed(ctx.seed)
    rng = np.random.default_rng(ctx.seed)
    dev, note = resolve_device(device)
    dt = torch.float32
    view = Typed.of(problem, first)
    horizon = view.horizon
    reach = band_reach(max(sigma, sigma_final))  # the spread ceiling never exceeds it
    width = band_width(reach, view.delay)
    band = band and width < horizon
    per_row = (BANDED_COPIES * width if band else COPIES * horizon) * view.n * 4 / 2**30
    shape = f"[B=1, n={view.n}, {f'w={width}' if band else f'H={horizon}'}] tensors on {dev}"
    fits = batch_that_fits(batch, per_row, available_gb(dev), shape, note)
    if isinstance(fits, Outcome):
        return fits
    batch, note = fits

    def tensor(values: np.ndarray, kind=dt):
        return torch.as_tensor(np.array(values), dtype=kind, device=dev)  # a writable copy

    lo, hi = tensor(view.lo), tensor(view.hi)
    delay = tensor(view.delay)
    resource = tensor(view.resource, torch.long)
    src, dst = tensor(problem.src, torch.long), tensor(problem.dst, torch.long)
    centre = (view.lo + view.hi) / 2 if start == "centre" else first
    means = np.repeat(np.asarray(centre, float)[None, :], batch, 0)
    means[1:] += rng.normal(0, sigma, (batch - 1, view.n))
    mu = torch.nn.Parameter(tensor(np.clip(means, view.lo, view.hi)))
    log_sigma = torch.nn.Parameter(torch.full((batch, view.n), float(np.log(sigma)), device=dev))
    optimizer = torch.optim.Adam([mu, log_sigma], lr=lr)
    scale = float(problem.lower_bound) or 1.0
    weight = None if view.cost is None else tensor(view.cost)
    limit = None if view.capacity is None else tensor(view.capacity)
    edge_multipliers = torch.zeros(batch, problem.m, device=dev)
    unit_multipliers = torch.zeros(batch, view.resources, horizon, device=dev)
    refinement = Refinement(ctx, view, phase, ctx.seed) if local_search else None
    build_time = time.perf_counter() - built
    loop = Epochs(ctx, epochs, learn, refinement)
    scoring = ScoringShare(score_share)
    while loop.next():
        ceiling = sigma * (sigma_final / sigma) ** loop.progress
        optimizer.zero_grad(set_to_none=True)
        spread = log_sigma.exp().clamp(min=0.05, max=ceiling)  # [B, n]
        if band:
            # the band follows the ceiling: every spread is below it this step
            now = band_reach(ceiling)
            busy = banded_busy(mu, spread, delay, resource, view.resources, horizon, now)
        else:
            busy = expected_busy(mu, spread, delay, resource, view.resources, horizon)
        violation = torch.relu(mu[:, src] + delay[src] - mu[:, dst])
        penalty = (edge_multipliers * violation).sum(-1) + 0.5 * rho * (violation**2).sum(-1)
        if view.kind == "tcs":
            value = (weight * softness * torch.logsumexp(busy / softness, -1)).sum(-1)
        else:
            ends = mu + delay
            value = softness * torch.logsumexp(ends / softness, -1)
            over = torch.relu(busy - limit[None, :, None])
            penalty = penalty + (unit_multipliers * over).sum((1, 2))
            penalty = penalty + 0.5 * rho * (over**2).sum((1, 2))
        objective = (value / scale + penalty).mean()
        if learn:
            objective.backward()
            optimizer.step()
        with torch.no_grad():
            mu.copy_(torch.minimum(torch.maximum(mu, lo), hi))
            if learn and loop.epoch % dual_every == 0:
                edge_multipliers += rho * torch.relu(mu[:, src] + delay[src] - mu[:, dst])
                if view.kind == "rcs":
                    unit_multipliers += rho * torch.relu(busy.detach() - limit[None, :, None])
        means, spreads = mu.detach().cpu().numpy(), spread.detach().cpu().numpy()
        wishes = np.rint(means + spreads * rng.standard_normal(means.shape)).astype(np.int64)
        wishes[0] = np.rint(means[0])
        result = None
        if scoring.due(ctx.elapsed()):
            with scoring:
                schedules = legalize(view, wishes, ctx.deadline)
                result = problem.evaluate(schedules)
                ctx.report_batch(schedules, result)
        if refinement is not None and refinement.due():
            refined = refinement.run(ctx.best_schedule).astype(float)
            with torch.no_grad():
                around = refined[None, :] + rng.normal(0, 1.0, (batch, view.n))
                around[0] = refined
                mu.copy_(tensor(np.clip(around, view.lo, view.hi)))
        loop.record(
            float(objective.detach()),
            result,
            violation=float(violation.detach().sum(-1).mean()),
            sigma=float(spread.detach().mean()),
        )
    banded = f"banded over {width} cycles" if band else ""
    return loop.outcome(build_time, note, dev, scoring.scored, banded)
