"""gauss: a Gaussian-reparameterized differentiable scheduler, in the spirit of GauS.

One mean per node with a shared, annealed spread; stage probabilities from the normal
CDF; expected stage loads with a log-sum-exp peak; expected communication (linear in the
means); dependencies through an augmented Lagrangian and a projection onto each node's
[ASAP, ALAP] window; Adam on (R * peak + comm) / trivial bound. Each step the rounded
means and perturbed copies are legalized and scored exactly; ``local_search`` refines the
best schedule each phase and moves the means there. Initialization: ``topo_chunk``
(default), ``window`` or ``asap``. ``docs/solvers.md`` documents each choice.
"""

from __future__ import annotations

import time
from typing import Literal

import numpy as np

from schedbench.evaluate import evaluate
from schedbench.solvers.base import Outcome, SolveContext

REVISION = 2  # 2: the numba local search and legalization (more steps per budget)
LIBRARY = "torch"
PIP = "torch"
CLASSES = ("icml24",)  # the problem classes it solves


def version() -> str:
    """From the installed metadata: importing torch here would hold back the opening
    schedule, which is reported before torch loads."""
    from importlib import metadata

    try:
        return f"torch {metadata.version('torch')}"
    except metadata.PackageNotFoundError as missing:
        raise ImportError(f"torch is not installed ({missing})") from missing


def run(
    ctx: SolveContext,
    init: Literal["topo_chunk", "window", "asap"] = "topo_chunk",
    sigma: float = 1.0,
    sigma_final: float = 0.05,
    lr: float = 0.05,
    rho: float = 10.0,
    dual_every: int = 20,
    peak_softness: float = 0.002,
    batch: int = 32,
    local_search: bool = True,
    phase: float | None = None,
    epochs: int | None = None,
) -> Outcome:
    from schedbench.solvers.icml24.refine import PhasedRefinement, initial_schedule, legalize

    problem = ctx.problem
    built = time.perf_counter()
    # the opening schedule is numpy only: it is reported before torch loads
    start = initial_schedule(ctx, init)
    import torch

    torch.set_num_threads(max(1, ctx.threads))
    torch.manual_seed(ctx.seed)
    rng = np.random.default_rng(ctx.seed)
    n, stages = problem.n, problem.stages
    lo = torch.tensor(problem.asap, dtype=torch.float64)
    hi = torch.tensor(problem.alap, dtype=torch.float64)
    mu = torch.nn.Parameter(torch.tensor(start, dtype=torch.float64))
    opt = torch.optim.Adam([mu], lr=lr)
    w = torch.tensor(problem.w, dtype=torch.float64)
    src, dst = torch.tensor(problem.src), torch.tensor(problem.dst)
    dist = torch.tensor(problem.d, dtype=torch.float64)
    counted = problem.positive_edges
    c_src, c_dst = torch.tensor(problem.src[counted]), torch.tensor(problem.dst[counted])
    coeff = torch.tensor(problem.comm_coeff[counted], dtype=torch.float64)
    multipliers = torch.zeros(problem.m, dtype=torch.float64)
    scale = float(problem.trivial_lower_bound) or 1.0
    mean_load = max(float(problem.w.sum()) / stages, 1.0)  # all-zero weights: no NaN
    edges = torch.arange(1, stages, dtype=torch.float64) - 0.5  # interval borders
    refinement = PhasedRefinement(ctx, phase, ctx.seed) if local_search else None
    build_time = time.perf_counter() - built
    records: list[dict[str, float]] = []
    epoch = 0
    while (epochs is None or epoch < epochs) and not ctx.should_stop():
        epoch += 1
        progress = min(1.0, ctx.elapsed() / max(ctx.time_limit, 1e-9))
        if epochs is not None:
            progress = epoch / epochs
        spread = sigma * (sigma_final / sigma) ** progress
        opt.zero_grad(set_to_none=True)
        cdf = torch.special.ndtr((edges[None, :] - mu[:, None]) / spread)  # [n, L-1]
        upper = torch.cat([cdf, torch.ones(n, 1, dtype=cdf.dtype)], 1)
        lower = torch.cat([torch.zeros(n, 1, dtype=cdf.dtype), cdf], 1)
        probs = upper - lower
        loads = w @ probs
        temperature = peak_softness * mean_load
        peak = temperature * torch.logsumexp(loads / temperature, 0)
        comm = (coeff * (mu[c_dst] - mu[c_src])).sum()
        violation = torch.relu(mu[src] + dist - mu[dst])
        penalty = (multipliers * violation).sum() + 0.5 * rho * (violation**2).sum()
        loss = (float(problem.ratio) * peak + comm) / scale + penalty
        loss.backward()
        opt.step()
        with torch.no_grad():
            mu.copy_(torch.minimum(torch.maximum(mu, lo), hi))
            if epoch % dual_every == 0:
                multipliers += rho * torch.relu(mu[src] + dist - mu[dst])
        means = mu.detach().numpy()
        wishes = np.rint(means[None, :] + spread * rng.standard_normal((batch, n)))
        wishes[0] = np.rint(means)
        candidates = legalize(problem, wishes.astype(np.int64))
        result = evaluate(problem, candidates)
        ctx.report_batch(candidates, result)
        if refinement is not None and refinement.due():
            best = candidates[int(np.argmin(np.where(result.feasible, result.cost, np.inf)))]
            with torch.no_grad():
                mu.copy_(torch.tensor(refinement.run(best), dtype=torch.float64))
        records.append(
            {
                "epoch": epoch,
                "time": ctx.elapsed(),
                "loss": float(loss.detach()),
                "peak": float(peak.detach()),
                "comm": float(comm.detach()),
                "violation": float(violation.detach().sum()),
                "sigma": spread,
                "best_cost": float(ctx.best_cost),
                "batch_best_cost": float(np.min(np.where(result.feasible, result.cost, np.inf))),
            }
        )
    if refinement is not None and not ctx.should_stop():
        refinement.run(ctx.best_schedule, limit=ctx.remaining())
    return Outcome(
        build_time=build_time,
        message=f"{epoch} epochs",
        records=records,
    )
