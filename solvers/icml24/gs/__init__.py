"""GS: the differentiable scheduler of the paper (constrained Gumbel-Softmax, Algorithm 1).

Defaults are what the reference code ran: one logit vector per node *and per batch row*
(``parameters="per_row"``, [n, B, L]: B independent optimizations sharing the mean loss),
initialised to stage 0 (x10 for source nodes), B = 250, temperature 50, AdamW with
learning rate 1 and a cosine-annealed learning rate (T_max 50, eta_min 1e-7), seed 30,
entropy memory loss with lambda = R. ``parameters="per_node"`` ([n, L], the paper's text)
is the variant. ``noise="torch"`` draws the Gumbel noise as the reference program does
(:class:`~schedbench.solvers.icml24.gs.noise.ReferenceNoise`), so a run retraces it; the default
``fast`` noise is equivalent in distribution and cheaper. Every epoch all B samples are
scored exactly on their device (:mod:`schedbench.evaluate_torch`); the best legal one is
the incumbent. The reference's own rule (the min-loss sample, kept when its peak is no
larger than the best peak so far) is recorded beside it per epoch (``reference_cost``).
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np

from schedbench.solvers.base import Outcome, SolveContext, host_memory_gb, too_large
from schedbench.solvers.icml24.gs.options import PAPER, Options, chosen, signature

LIBRARY = "torch"
PIP = "torch"
CLASSES = ("icml24",)  # the problem classes it solves


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


def run(ctx: SolveContext, **options: Any) -> Outcome:
    """The paper's GS with the reference code's defaults (see the module docstring)."""
    return train(ctx, chosen(Options(), PAPER, options))


run.__signature__ = signature(Options(), PAPER)  # type: ignore[attr-defined]


def train(ctx: SolveContext, options: Options) -> Outcome:
    """GS's training loop: the paper's options, plus the switches gs_plus composes
    (``logit_mask``: logit-space masking; ``init`` and ``init_logit``: logits centred on a
    schedule; ``local_search`` every ``phase`` seconds, the logits re-centred on its
    result)."""
    import torch

    from schedbench.evaluate_torch import TorchEvaluator
    from schedbench.solvers.icml24.gs.loss import loss_terms
    from schedbench.solvers.icml24.gs.noise import ReferenceNoise
    from schedbench.solvers.icml24.gs.sampler import GumbelNoise, plan_levels, sample

    o = options
    batch, temperature, lr, epochs, dtype = o.batch, o.temperature, o.lr, o.epochs, o.dtype
    parameters, init, init_logit, logit_mask = o.parameters, o.init, o.init_logit, o.logit_mask

    problem = ctx.problem
    built = time.perf_counter()
    torch.set_num_threads(max(1, ctx.threads))
    dev, note = resolve_device(o.device)
    dt = {"float32": torch.float32, "float64": torch.float64, "bfloat16": torch.bfloat16}[dtype]
    need = memory_need_gb(problem.n, batch, problem.stages, dt.itemsize, parameters)
    have = available_gb(dev)
    fits = int(batch * have / need) if need else batch
    shape = f"[n={problem.n}, B={batch}, L={problem.stages}] {dtype} tensors on {dev}"
    advice = f"batch={fits} would fit" if fits else "too large even at batch=1"
    if (skip := too_large(need, have, shape, advice)) is not None:
        return skip
    seed = ctx.seed if o.seed is None else o.seed
    torch.manual_seed(seed)
    plan = plan_levels(problem, dev, dt)
    noise_cls = ReferenceNoise if o.noise == "torch" else GumbelNoise
    gumbel = noise_cls(seed, dev, dt, plan=plan, problem=problem)
    n, stages = problem.n, problem.stages
    if init == "paper":
        start = torch.zeros(n, stages, dtype=dt, device=dev)
        start[:, 0] = 1.0
        sources = torch.tensor(problem.level == 0, device=dev)
        start[sources, 0] = o.source_bias
    else:
        from schedbench.solvers.icml24.refine import initial_schedule

        start = _centred(initial_schedule(ctx, init), stages, init_logit, dev, dt)
    # the parameters are kept with rows in the sampler's level order (no gather per epoch)
    level_rows = torch.as_tensor(plan.order, device=dev)
    start = start.index_select(0, level_rows)
    if parameters == "per_row":
        start = start[:, None, :].repeat(1, batch, 1)
    logits = torch.nn.Parameter(start)
    refinement = None
    if o.local_search:
        from schedbench.solvers.icml24.refine import PhasedRefinement

        refinement = PhasedRefinement(ctx, o.phase, seed)
    optim_cls = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[o.optimizer]
    opt = optim_cls([logits], lr=lr, fused=_fused_supported())
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=o.cosine_t_max, eta_min=1e-7)
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
    reference = ReferenceIncumbent()
    epoch = 0
    while (epochs is None or epoch < epochs) and not ctx.should_stop():
        epoch += 1
        progress = (epoch - 1) / max(1, epochs - 1) if epochs else ctx.elapsed() / ctx.time_limit
        tau = _temperature(temperature, o.temperature_final, o.temperature_schedule, progress)
        opt.zero_grad(set_to_none=True)
        drawn = sample(
            logits, plan, gumbel(n, batch, stages), tau, logit_mask=logit_mask, level_order=True
        )
        terms = loss_terms(
            drawn.onehot,
            drawn.level_stages,
            w,
            e_src,
            e_dst,
            e_coeff,
            float(problem.ratio),
            o.memory_loss,
            o.smoothmax_temperature,
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
            ctx.report(best_row)
        reference.update(terms.total.detach(), costs)
        opt.step()
        schedule.step()
        if refinement is not None and refinement.due():
            # first the incumbent, then the epoch's best sample: sampling around the
            # incumbent is what moves the search out of the local search's last optimum
            start = ctx.best_schedule
            if refinement.runs and best_index is not None:
                start = best_row
            refined = refinement.run(start)
            centred = _centred(refined, stages, init_logit, dev, dt).index_select(0, level_rows)
            with torch.no_grad():
                logits.copy_(centred if logits.dim() == 2 else centred[:, None, :])
        records.append(
            {
                "epoch": epoch,
                "time": ctx.elapsed(),
                "loss": float(loss.detach()),
                "loss_memory": float(terms.memory.mean().detach()),
                "loss_comm": float(terms.comm.mean().detach()),
                "best_cost": float(ctx.best_cost),
                "mean_cost": mean_cost,
                "batch_best_cost": batch_best,
                "reference_cost": reference.cost,
                "temperature": tau,
                "lr": opt.param_groups[0]["lr"],
            }
        )
    return Outcome(
        build_time=build_time,
        message=note or f"{epoch} epochs on {dev}",
        records=records,
        device=dev.type,
    )


SAMPLE_COPIES = 12  # [n, B, L] tensors alive at an epoch's peak (noise, softmax, one-hot, grads)
STATE_COPIES = 4  # parameters, gradient, two AdamW moments


def memory_need_gb(n: int, batch: int, stages: int, itemsize: int, parameters: str) -> float:
    """Peak memory of training, from the tensor sizes: the [n, B, L] tensors alive at an
    epoch's peak plus the optimizer state (the calibration is in the issue 18 note)."""
    sample = n * batch * stages * itemsize
    state = sample if parameters == "per_row" else n * stages * itemsize
    return (SAMPLE_COPIES * sample + STATE_COPIES * state) / 2**30


def available_gb(device: Any) -> float:
    """Free memory where training runs: the GPU's, or the host's."""
    import torch

    if device.type == "cuda":
        return torch.cuda.mem_get_info(device)[0] / 2**30
    return host_memory_gb()


class ReferenceIncumbent:
    """The reference program's incumbent rule, kept beside ours for figures: each epoch the
    sample of least surrogate loss replaces the incumbent when it is legal and its peak is
    no larger than the incumbent's (so its cost may rise); :attr:`cost` is its exact cost."""

    def __init__(self) -> None:
        self.peak = float("inf")
        self.cost = float("nan")

    def update(self, losses: Any, costs: Any) -> None:
        index = int(losses.argmin())
        peak = float(costs.peak[index])
        if bool(costs.feasible[index]) and peak <= self.peak:
            self.peak, self.cost = peak, float(costs.cost[index])


def _centred(schedule: np.ndarray, stages: int, height: float, device: Any, dtype: Any) -> Any:
    """Logits ``height`` on each node's stage of ``schedule`` and 0 elsewhere."""
    import torch

    logits = torch.zeros(len(schedule), stages, dtype=dtype, device=device)
    logits[torch.arange(len(schedule)), torch.as_tensor(schedule)] = height
    return logits


def _fused_supported() -> bool:
    """Fused Adam(W) (one kernel per step instead of about ten passes over the parameters,
    the same update) exists on CPU from torch 2.4."""
    import torch

    major, minor = (int(part) for part in torch.__version__.split(".")[:2])
    return (major, minor) >= (2, 4)


def _temperature(start: float, final: float | None, kind: str, progress: float) -> float:
    """tau at ``progress`` (0..1: epochs done, or budget used when epochs is not set)."""
    if kind == "constant" or final is None:
        return start
    if kind == "exponential":
        return float(start * (final / start) ** min(1.0, max(0.0, progress)))
    raise ValueError(f"unknown temperature schedule {kind!r}; use constant or exponential")
