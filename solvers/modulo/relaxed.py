"""The differentiable modulo schedulers: a relaxation of the start cycles at a fixed II,
an outer loop over II, and legalization by iterative modulo scheduling.

At a fixed II every operation has a distribution over start cycles 0..H-1 (H: a length
budget at that II, each operation's window [earliest_i, H - tail_i]): ``gauss`` (GauS)
rounds a normal N(mu_i, sigma_i), whose cycle masses are differences of normal CDFs;
``gumbel`` (the constrained Gumbel-Softmax of the paper's class) is a softmax of
learned logits plus Gumbel noise over the window at temperature ``tau``. Folded modulo
II (the mass at t counts in slot t mod II, for the blocking time), the expected usage per
resource and slot may not exceed its limit, and every edge asks E[t_j] + distance * II >=
E[t_i] + lat_i + delay: both enter an augmented Lagrangian (multipliers updated every
``dual_every`` steps) beside a soft maximum of the expected ends (the length). Each step
every row is sampled (rounded means plus spread noise; Gumbel argmax) and legalized
(:func:`~schedbench.solvers.modulo.iterative_modulo` with the samples as wished starts
and priority) and scored exactly. ``informed`` (GauS's informed start): iterative modulo scheduling
first gives a schedule and its II. The outer loop starts at MinII and moves to II + 1
after ``patience`` steps or ``ii_share`` of the budget without a schedule at II; at the
incumbent's II it shortens the schedule, until the budget, the class's lower bound, or
``patience`` steps without improvement.
``learn=false`` skips the gradient steps (the ablation: same sampling and legalization).
"""

from __future__ import annotations

import time

import numpy as np

from schedbench.solvers.base import Outcome, SolveContext
from schedbench.solvers.modulo import (
    compact,
    first_schedule,
    height,
    heuristic_start,
    iterative_modulo,
)

LIBRARY = "torch"
PIP = "torch"


def version() -> str:
    from importlib import metadata

    return f"torch {metadata.version('torch')}"


class Relaxation:
    """The tensors of one II: windows, folded usage, the loss, the samples."""

    def __init__(self, problem, ii: int, top: int, relaxation: str, batch: int,
                 sigma: float, rng: np.random.Generator, torch, dev,
                 start: np.ndarray | None) -> None:  # fmt: skip
        self.problem, self.ii, self.kind, self.torch, self.dev = problem, ii, relaxation, torch, dev
        self.lo = problem.earliest(ii).astype(np.int64)
        tail = problem.tails(ii)
        self.top = max(top, int((self.lo + tail).max()))
        self.hi = np.maximum(self.lo, self.top - tail)
        self.horizon = int(self.hi.max()) + 1
        n = problem.n_ops
        t = torch
        self.cycles = t.arange(self.horizon, device=dev, dtype=t.float32)
        self.window = t.as_tensor(
            (np.arange(self.horizon)[None, :] >= self.lo[:, None])
            & (np.arange(self.horizon)[None, :] <= self.hi[:, None]),
            device=dev,
        )  # [n, H]
        centre = (self.lo + self.hi) / 2.0 if start is None else np.clip(start, self.lo, self.hi)
        init = np.repeat(centre[None, :].astype(float), batch, 0)
        init[1:] += rng.normal(0, sigma, (batch - 1, n))
        init = np.clip(init, self.lo, self.hi)
        if relaxation == "gauss":
            self.mu = t.nn.Parameter(t.as_tensor(init, dtype=t.float32, device=dev))
            self.log_sigma = t.nn.Parameter(t.full((batch, n), float(np.log(sigma)), device=dev))
            self.params = [self.mu, self.log_sigma]
        else:  # logits peaked at the initial starts
            offset = np.arange(self.horizon)[None, None, :] - init[:, :, None]
            logits = -0.5 * (offset / sigma) ** 2
            self.logits = t.nn.Parameter(t.as_tensor(logits, dtype=t.float32, device=dev))
            self.params = [self.logits]
        self.limited = t.as_tensor(problem.limited, device=dev)
        self.lim_res = t.as_tensor(problem.resource[problem.limited], device=dev)
        self.blocking = [int(b) for b in problem.blocking[problem.limited]]
        self.cap = t.as_tensor(np.maximum(problem.limit, 1), dtype=t.float32, device=dev)
        self.src = t.as_tensor(problem.src, device=dev)
        self.dst = t.as_tensor(problem.dst, device=dev)
        self.need = t.as_tensor(problem.weight - problem.distance * ii, dtype=t.float32,
                                device=dev)  # fmt: skip
        self.lat = t.as_tensor(problem.latency, dtype=t.float32, device=dev)
        self.edge_mult = t.zeros(batch, problem.m, device=dev)
        self.slot_mult = t.zeros(batch, len(problem.resources), ii, device=dev)

    def masses(self, spread_ceiling: float, tau: float, gumbel: np.ndarray | None):
        """[B, n, H] start probabilities within each window, and the spreads (gauss)."""
        t = self.torch
        if self.kind == "gauss":
            spread = self.log_sigma.exp().clamp(min=0.05, max=spread_ceiling)
            m, s = self.mu[:, :, None], spread[:, :, None]
            c = self.cycles
            p = t.special.ndtr((c + 0.5 - m) / s) - t.special.ndtr((c - 0.5 - m) / s)
            p = p * self.window
            return p / p.sum(-1, keepdim=True).clamp(min=1e-9), spread
        noise = 0.0 if gumbel is None else t.as_tensor(gumbel, dtype=t.float32, device=self.dev)
        z = (self.logits + noise) / tau
        z = z.masked_fill(~self.window, float("-inf"))
        return t.softmax(z, -1), None

    def loss(self, p, rho: float, softness: float, scale: float):
        """The augmented Lagrangian and the violations (edges, slots)."""
        t = self.torch
        batch = p.shape[0]
        mean = (p * self.cycles).sum(-1)  # [B, n]
        gap = t.relu(mean[:, self.src] + self.need - mean[:, self.dst])
        value = softness * t.logsumexp((mean + self.lat) / softness, -1) / scale
        penalty = (self.edge_mult * gap).sum(-1) + 0.5 * rho * (gap**2).sum(-1)
        over = None
        if len(self.limited):
            pad = (-self.horizon) % self.ii
            folded = t.nn.functional.pad(p[:, self.limited], (0, pad))
            folded = folded.reshape(batch, len(self.limited), -1, self.ii).sum(2)
            busy = t.zeros_like(folded)
            for k in range(max(self.blocking)):
                on = t.as_tensor([b > k for b in self.blocking], device=self.dev)
                busy = busy + t.roll(folded, k, -1) * on[None, :, None]
            usage = t.zeros(batch, len(self.cap), self.ii, device=self.dev)
            usage = usage.index_add(1, self.lim_res, busy)
            over = t.relu(usage - self.cap[None, :, None])
            penalty = penalty + (self.slot_mult * over).sum((1, 2))
            penalty = penalty + 0.5 * rho * (over**2).sum((1, 2))
        return (value + penalty).mean(), gap, over

    def samples(self, p, spread, rng: np.random.Generator, gumbel: np.ndarray | None) -> np.ndarray:
        """[B, n] wished starts: rounded means plus spread noise (the first row without),
        or the Gumbel argmax."""
        if self.kind == "gauss":
            mu = self.mu.detach().cpu().numpy()
            s = spread.detach().cpu().numpy()
            wish = np.rint(mu + s * rng.standard_normal(mu.shape))
            wish[0] = np.rint(mu[0])
        else:
            logits = self.logits.detach().cpu().numpy() + (0 if gumbel is None else gumbel)
            logits = np.where(self.window.cpu().numpy()[None], logits, -np.inf)
            wish = logits.argmax(-1)
        return np.clip(wish, self.lo, self.hi).astype(np.int64)

    def project(self) -> None:
        if self.kind == "gauss":
            t = self.torch
            lo = t.as_tensor(self.lo, dtype=t.float32, device=self.dev)
            hi = t.as_tensor(self.hi, dtype=t.float32, device=self.dev)
            self.mu.copy_(t.minimum(t.maximum(self.mu, lo), hi))


def legalize(problem, ii: int, wishes: np.ndarray, budget_ratio: float) -> list[np.ndarray]:
    """The schedule vectors iterative modulo scheduling makes of each row's wished
    starts at ``ii`` (earlier wishes first, then HeightR), compacted; rows it cannot
    schedule are left out."""
    tie = height(problem, ii)
    tie = tie / (tie.max() + 1.0)
    out = []
    for wish in wishes:
        start = iterative_modulo(problem, ii, -wish + tie, budget_ratio, wish=wish)
        if start is not None:
            out.append(problem.join(start, ii))
    return out


def run_relaxed(ctx: SolveContext, relaxation: str, batch: int = 8, sigma: float = 2.0,
                sigma_final: float = 0.3, tau: float = 1.0, tau_final: float = 0.1,
                lr: float = 0.1, rho: float = 10.0, dual_every: int = 10,
                softness: float = 0.5, patience: int = 200, ii_share: float = 0.1,
                budget_ratio: float = 3.0, informed: bool = True, learn: bool = True,
                epochs: int | None = None,
                device: str = "auto") -> Outcome:  # fmt: skip
    """See the module docstring."""
    built = time.perf_counter()  # torch's import is start-up too
    import torch

    from schedbench.solvers.icml24.gs import resolve_device

    problem = ctx.problem
    if informed:
        heuristic_start(ctx)
    else:
        first_schedule(ctx)
    torch.set_num_threads(max(1, ctx.threads))
    torch.manual_seed(ctx.seed)
    rng = np.random.default_rng(ctx.seed)
    dev, note = resolve_device(device)
    floor = float(problem.lower_bound)
    scale = float(problem.length_bound(problem.min_ii)) or 1.0
    records: list[dict[str, float]] = []
    epoch, ii = 0, problem.min_ii
    build_time = time.perf_counter() - built
    while not ctx.should_stop() and ctx.best_cost > floor:
        if epochs is not None and epoch >= epochs:
            break
        best = ctx.best_schedule
        ii_best = int(best[-1])
        if ii > ii_best:
            break
        at_best = ii == ii_best
        length = int((best[:-1] + problem.latency).max())
        bound = problem.length_bound(ii)
        top = length if at_best else max(bound + 2 * ii, int(1.5 * bound))
        start = compact(problem, best[:-1], ii) if at_best else None
        state = Relaxation(problem, ii, top, relaxation, batch, sigma, rng, torch, dev, start)
        optimizer = torch.optim.Adam(state.params, lr=lr)
        stale, local, since = 0, 0, time.perf_counter()
        while not ctx.should_stop() and ctx.best_cost > floor and stale < patience:
            if int(ctx.best_schedule[-1]) > ii and (
                time.perf_counter() - since > ii_share * ctx.time_limit
            ):
                break  # this II had its share of the budget
            if epochs is not None and epoch >= epochs:
                break
            epoch += 1
            local += 1
            progress = min(1.0, ctx.elapsed() / ctx.time_limit)
            ceiling = sigma * (sigma_final / sigma) ** progress
            temperature = tau * (tau_final / tau) ** progress
            gumbel = -np.log(-np.log(rng.random((batch, problem.n_ops, state.horizon)) + 1e-12)
                             + 1e-12) if relaxation == "gumbel" else None  # fmt: skip
            optimizer.zero_grad(set_to_none=True)
            p, spread = state.masses(ceiling, temperature, gumbel)
            objective, gap, over = state.loss(p, rho, softness, scale)
            if learn:
                objective.backward()
                optimizer.step()
            with torch.no_grad():
                state.project()
                if learn and local % dual_every == 0:
                    state.edge_mult += rho * gap.detach()
                    if over is not None:
                        state.slot_mult += rho * over.detach()
            wishes = state.samples(p, spread, rng, gumbel)
            legal = legalize(problem, ii, wishes, budget_ratio)
            before = ctx.best_cost
            if legal:
                schedules = np.stack(legal)
                ctx.report_batch(schedules, problem.evaluate(schedules))
            stale = 0 if ctx.best_cost < before else stale + 1
            records.append({"epoch": epoch, "time": ctx.elapsed(),
                            "loss": float(objective.detach()), "ii": ii, "legal": len(legal),
                            "best_cost": float(ctx.best_cost)})  # fmt: skip
        if int(ctx.best_schedule[-1]) > ii:
            ii += 1  # no schedule at this II after its steps or its share: the next one
        elif ii == int(ctx.best_schedule[-1]) and stale >= patience:
            break  # at the best II and no longer improving
    parts = [note, f"{epoch} epochs on {dev}, II {int(ctx.best_schedule[-1])}",
             "" if learn else "no gradient steps"]  # fmt: skip
    return Outcome(build_time=build_time, message="; ".join(filter(None, parts)),
                   records=records, device=dev.type)  # fmt: skip


def options_of(function) -> object:
    """``function``'s signature without its ``relaxation`` parameter (what each named
    back-end takes; the registry reads options and defaults from it)."""
    import inspect

    signature = inspect.signature(function)
    kept = [p for name, p in signature.parameters.items() if name != "relaxation"]
    return signature.replace(parameters=kept)
