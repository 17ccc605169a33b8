"""GS: the differentiable scheduler of the paper (constrained Gumbel-Softmax, Algorithm 1).

Defaults follow the reference code: |V| x L logits initialised to stage 0 (x10 for source
nodes), batch B = 250, temperature 50, AdamW with learning rate 1 and a cosine-annealed
learning rate (T_max 50, eta_min 1e-7), seed 30, entropy memory loss with lambda = R.
Every epoch all B samples are scored exactly by the evaluator's torch twin on the
device they were drawn on (:mod:`schedbench.evaluate_torch`); the best legal one is
checked again by the evaluator and offered as the incumbent. Options: ``optimizer``
(adam, adamw), ``epochs`` (None: until the budget),
``temperature`` and ``temperature_final`` with ``temperature_schedule`` (constant,
exponential), ``batch``, ``memory_loss`` (entropy, smoothmax), ``device`` (auto, cpu,
cuda), ``dtype`` (float32, float64, bfloat16).

One difference from the reference, kept on purpose: PROBLEM.md specifies one logit vector
per node (|V| x L parameters); the reference code keeps a separate vector per node and
per batch row (|V| x B x L).
"""

from __future__ import annotations

import time
import warnings
from typing import Any, Literal

import numpy as np

from schedbench.solvers.base import Outcome, SolveContext, Status

LIBRARY = "torch"
PIP = "torch"


def version() -> str:
    import torch

    return f"torch {torch.__version__}"


def resolve_device(requested: str) -> tuple[Any, str]:
    """The torch device to use and a note when the request could not be honoured."""
    import torch

    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu"), ""
    if requested.startswith("cuda") and not torch.cuda.is_available():
        note = f"device={requested} was requested but no CUDA GPU is available; ran on CPU"
        warnings.warn(note, stacklevel=2)
        return torch.device("cpu"), note
    return torch.device(requested), ""


def run(
    ctx: SolveContext,
    batch: int = 250,
    temperature: float = 50.0,
    temperature_final: float | None = None,
    temperature_schedule: Literal["constant", "exponential"] = "constant",
    lr: float = 1.0,
    optimizer: Literal["adam", "adamw"] = "adamw",
    cosine_t_max: int = 50,
    epochs: int | None = None,
    memory_loss: Literal["entropy", "smoothmax", "cost"] = "entropy",
    smoothmax_temperature: float = 0.05,
    source_bias: float = 10.0,
    device: str = "auto",
    dtype: Literal["float32", "float64", "bfloat16"] = "float32",
    seed: int | None = None,
    logit_mask: bool = False,
    init: Literal["paper", "topo_chunk", "window"] = "paper",
    init_logit: float = 3.0,
    local_search: bool = False,
    phase: float | None = None,
) -> Outcome:
    """The paper's GS with its defaults; the options after ``seed`` are gs_plus's switches
    (solvers/gs_plus.py): logit-space masking, informed initialization of the logits from a
    schedule (``init_logit`` on its stage, 0 elsewhere), and the exact local search on the
    best schedule every ``phase`` seconds (a tenth of the budget by default), after which
    the logits are re-centred on the refined schedule."""
    import torch

    from schedbench.evaluate_torch import TorchEvaluator
    from schedbench.solvers.gs.loss import loss_terms
    from schedbench.solvers.gs.sampler import GumbelNoise, plan_levels, sample

    problem = ctx.problem
    built = time.perf_counter()
    torch.set_num_threads(max(1, ctx.threads))
    dev, note = resolve_device(device)
    dt = {"float32": torch.float32, "float64": torch.float64, "bfloat16": torch.bfloat16}[dtype]
    seed = ctx.seed if seed is None else seed
    gumbel = GumbelNoise(seed, dev, dt)
    torch.manual_seed(seed)
    plan = plan_levels(problem, dev, dt)
    n, stages = problem.n, problem.stages
    if init == "paper":
        start = torch.zeros(n, stages, dtype=dt, device=dev)
        start[:, 0] = 1.0
        sources = torch.tensor(problem.level == 0, device=dev)
        start[sources, 0] = source_bias
    else:
        from schedbench.solvers.local_search import initial_schedule

        start = _centred(initial_schedule(ctx, init), stages, init_logit, dev, dt)
    logits = torch.nn.Parameter(start)
    refinement = None
    if local_search:
        from schedbench.solvers.local_search import PhasedRefinement

        refinement = PhasedRefinement(ctx, phase, seed)
    optim_cls = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[optimizer]
    opt = optim_cls([logits], lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cosine_t_max, eta_min=1e-7)
    # the sampler returns rows level by level: weights and edges renumbered to match
    order, position = plan.order, plan.position
    w = torch.tensor(problem.w[order], dtype=dt, device=dev)
    counted = problem.positive_edges
    e_src = torch.tensor(position[problem.src[counted]], device=dev)
    e_dst = torch.tensor(position[problem.dst[counted]], device=dev)
    e_coeff = torch.tensor(problem.comm_coeff[counted], dtype=dt, device=dev)
    scale = float(problem.trivial_lower_bound) or 1.0
    evaluator = TorchEvaluator(problem, dev, order)
    build_time = time.perf_counter() - built
    records: list[dict[str, float]] = []
    epoch = 0
    solving = time.perf_counter()
    while (epochs is None or epoch < epochs) and ctx.remaining() > 0:
        epoch += 1
        progress = (
            (epoch - 1) / max(1, epochs - 1) if epochs else ctx.tracker.elapsed() / ctx.time_limit
        )
        tau = _temperature(temperature, temperature_final, temperature_schedule, progress)
        opt.zero_grad(set_to_none=True)
        noise = gumbel(n, batch, stages)
        drawn = sample(logits, plan, noise, tau, logit_mask=logit_mask)
        terms = loss_terms(
            drawn.onehot,
            drawn.level_stages,
            w,
            e_src,
            e_dst,
            e_coeff,
            float(problem.ratio),
            memory_loss,
            smoothmax_temperature,
            scale=scale,
        )
        loss = terms.total.mean()
        loss.backward()
        # all B samples are scored where they live; only the cheapest crosses to the host,
        # where the tracker checks it again with the evaluator before recording it
        costs = evaluator(drawn.level_stages)
        best_index = costs.best()
        batch_best, mean_cost = float("inf"), float(costs.cost.double().mean())
        if best_index is not None:
            best_row = drawn.level_stages[:, best_index].cpu().numpy()[plan.position]
            batch_best = float(costs.cost[best_index])
            ctx.tracker.offer(best_row)
        opt.step()
        schedule.step()
        if refinement is not None and refinement.due():
            # first the incumbent, then the epoch's best sample: sampling around the
            # incumbent is what moves the search out of the local search's last optimum
            start = ctx.tracker.best_schedule
            if refinement.runs and best_index is not None:
                start = best_row
            refined = refinement.run(start)
            with torch.no_grad():
                logits.copy_(_centred(refined, stages, init_logit, dev, dt))
        records.append(
            {
                "epoch": epoch,
                "time": ctx.tracker.elapsed(),
                "loss": float(loss.detach()),
                "loss_memory": float(terms.memory.mean().detach()),
                "loss_comm": float(terms.comm.mean().detach()),
                "best_cost": float(ctx.tracker.best_cost),
                "mean_cost": mean_cost,
                "batch_best_cost": batch_best,
                "temperature": tau,
                "lr": opt.param_groups[0]["lr"],
            }
        )
    status = Status.FEASIBLE if epochs is not None and epoch >= epochs else Status.TIMEOUT
    return Outcome(
        status,
        build_time=build_time,
        solve_time=time.perf_counter() - solving,
        message=note or f"{epoch} epochs on {dev}",
        records=records,
    )


def _centred(schedule: np.ndarray, stages: int, height: float, device: Any, dtype: Any) -> Any:
    """Logits ``height`` on each node's stage of ``schedule`` and 0 elsewhere."""
    import torch

    logits = torch.zeros(len(schedule), stages, dtype=dtype, device=device)
    logits[torch.arange(len(schedule)), torch.as_tensor(schedule)] = height
    return logits


def _temperature(start: float, final: float | None, kind: str, progress: float) -> float:
    """tau at ``progress`` (0..1: epochs done, or budget used when epochs is not set)."""
    if kind == "constant" or final is None:
        return start
    if kind == "exponential":
        return float(start * (final / start) ** min(1.0, max(0.0, progress)))
    raise ValueError(f"unknown temperature schedule {kind!r}; use constant or exponential")
