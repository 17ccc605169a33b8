"""What the differentiable schedulers of the HLS classes (RCS, TCS) share.

A :class:`Typed` view of an instance (per operation its delay, its resource (RCS: its
type, TCS: its unit kind), its window [lo, hi] of start cycles within a horizon H), the
busy-unit counts per resource and cycle from one-hot start samples (torch), their
expectation under Gaussian starts (torch), legalization of any start cycles into a
feasible schedule of the class (numpy), and the class's local search
(:func:`improve`). ``hls_gs`` and ``hls_gauss`` build on it.

Horizons: TCS's is its latency bound T; RCS's is the latency of the first schedule (the
list schedule or the warm start), which every better schedule fits within.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from schedbench.problems.units import critical_path_priority, schedule_on_units
from schedbench.solvers.base import Outcome, SolveContext, too_large


@dataclass(frozen=True)
class Typed:
    """The arrays a differentiable HLS scheduler works on."""

    problem: Any
    kind: str  # "rcs" or "tcs"
    delay: np.ndarray  # per operation
    resource: np.ndarray  # per operation: RCS its type, TCS its unit kind
    capacity: np.ndarray | None  # RCS: units per type
    cost: np.ndarray | None  # TCS: cost per kind
    horizon: int
    lo: np.ndarray  # earliest start per operation
    hi: np.ndarray  # latest start per operation within the horizon

    @property
    def n(self) -> int:
        return len(self.delay)

    @property
    def resources(self) -> int:
        return int(self.resource.max()) + 1 if self.resource.size else 0

    @classmethod
    def of(cls, problem: Any, first: np.ndarray) -> Typed:
        """The view of an RCS or TCS ``problem`` whose first schedule is ``first``."""
        d = problem.node_delay.astype(np.int64)
        if problem.CLASS == "tcs":
            return cls(problem, "tcs", d, problem.node_kind, None, problem.kind_cost,
                       problem.latency, problem.asap, problem.alap)  # fmt: skip
        horizon = int((np.asarray(first) + d).max())
        hi = horizon - problem.tail - d
        return cls(problem, "rcs", d, problem.op_type, problem.units, None, horizon,
                   problem.asap, hi)  # fmt: skip


def legalize(view: Typed, starts: np.ndarray, deadline: float | None = None) -> np.ndarray:
    """[B, n] feasible schedules from [B, n] wished start cycles; with a ``deadline``
    (perf_counter seconds) RCS stops after the first row that ends past it and returns the
    rows done (at 10^6 operations one list schedule takes seconds).

    TCS: each start clamped to its window, then pushed after its predecessors' ends, level
    by level (a start never passes its latest start: the latest starts respect the
    edges). RCS: the list schedule that takes operations in the order of their wished
    starts (earlier first, ties by the critical path)."""
    starts = np.atleast_2d(np.asarray(starts, dtype=np.int64))
    problem = view.problem
    if view.kind == "tcs":
        t = np.clip(starts, view.lo, view.hi).T.copy()  # [n, B]
        graph = problem.graph
        edge_level = graph.level[graph.dst]
        by_level = np.argsort(edge_level, kind="stable")
        bounds = np.searchsorted(edge_level[by_level], np.arange(graph.level.max() + 2))
        for level in range(1, int(graph.level.max()) + 1):
            edges = by_level[bounds[level] : bounds[level + 1]]
            if edges.size:
                s, e = graph.src[edges], graph.dst[edges]
                np.maximum.at(t, e, t[s] + view.delay[s, None])
        return t.T.copy()
    tie = critical_path_priority(problem)
    tie = tie / (tie.max() + 1.0)
    out = np.empty_like(starts)
    for b, wish in enumerate(starts):
        out[b] = schedule_on_units(problem.n, view.delay, problem.successors, problem.dst,
                                   view.resource, view.capacity, -wish + tie)  # fmt: skip
        if deadline is not None and time.perf_counter() > deadline:
            return out[: b + 1]
    return out


def improve(view: Typed, start: np.ndarray, deadline: float, rng: np.random.Generator,
            report: Callable[[np.ndarray], Any] | None = None) -> np.ndarray:  # fmt: skip
    """The class's local search from a feasible ``start`` until ``deadline``
    (perf_counter seconds) or a pass without improvement."""
    if view.kind == "tcs":
        return _improve_tcs(view, np.asarray(start, np.int64).copy(), deadline, rng, report)
    return _improve_rcs(view, np.asarray(start, np.int64).copy(), deadline, rng, report)


def _improve_tcs(view: Typed, s: np.ndarray, deadline: float, rng: np.random.Generator,
                 report: Callable | None) -> np.ndarray:  # fmt: skip
    """Move one operation at a time within its slack (between its predecessors' ends
    and its successors' starts) to the start that lowers, lexicographically, the
    cost-weighted peak and the sum of squared busy counts; passes in random order.
    Each candidate start is scored from the d cycles it changes (the busy counts'
    histogram keeps each kind's peak), not from the whole horizon: at 10^5 operations
    the horizon has tens of thousands of cycles."""
    problem, d, kind = view.problem, view.delay, view.resource
    graph = problem.graph
    pred: list[list[int]] = [[] for _ in range(view.n)]
    for u, v in zip(graph.src.tolist(), graph.dst.tolist(), strict=True):
        pred[v].append(u)
    succ = graph.successors
    horizon = view.horizon
    busy = np.zeros((view.resources, horizon + 1), np.int64)
    for v in range(view.n):
        busy[kind[v], s[v] : s[v] + d[v]] += 1
    busy = busy[:, :horizon]  # a feasible schedule keeps every operation inside
    levels = np.zeros((view.resources, view.n + 2), np.int64)  # cycles per busy count
    for k in range(view.resources):
        levels[k] += np.bincount(busy[k], minlength=view.n + 2)
    peak = busy.max(1) if horizon else np.zeros(view.resources, np.int64)
    squares = (busy * busy).sum(1)
    weight = view.cost.astype(float)

    def place(k: int, a: int, z: int, step: int) -> None:
        """Add ``step`` (+1 or -1) to kind k's busy count on cycles a..z-1."""
        row = busy[k, a:z]
        np.subtract.at(levels[k], row, 1)
        squares[k] += step * int((2 * row + step).sum())
        row += step
        np.add.at(levels[k], row, 1)
        if step > 0:
            peak[k] = max(peak[k], int(row.max()))
        else:
            while peak[k] > 0 and levels[k, peak[k]] == 0:
                peak[k] -= 1

    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        for visited, v in enumerate(rng.permutation(view.n)):
            if visited % 256 == 0 and time.perf_counter() >= deadline:
                break  # a pass over 10^5 operations outlasts a budget: stop mid-pass
            earliest = max([s[u] + d[u] for u in pred[v]], default=0)
            latest = min([s[w] for w in succ[v]], default=horizon) - d[v]
            if latest <= earliest or d[v] == 0:  # no room, or nothing to move
                continue
            k, dv = kind[v], int(d[v])
            here = (weight[k] * peak[k], int(squares[k]))  # move only on a strict gain
            place(k, s[v], s[v] + dv, -1)
            span = busy[k, earliest : latest + dv]
            count = latest - earliest + 1
            top = span[:count].copy()
            added = 2 * span[:count] + 1
            for i in range(1, dv):
                np.maximum(top, span[i : i + count], out=top)
                added += 2 * span[i : i + count] + 1
            peaks = weight[k] * np.maximum(peak[k], top + 1)
            sums = squares[k] + added
            best = np.lexsort((sums, peaks))[0]  # the least (peak, sum); stable: the earliest
            best_t = earliest + int(best) if (peaks[best], int(sums[best])) < here else s[v]
            place(k, best_t, best_t + dv, +1)
            if best_t != s[v]:
                improved = True
                s[v] = best_t
        if report is not None:
            report(s)
    return s


def _improve_rcs(view: Typed, s: np.ndarray, deadline: float, rng: np.random.Generator,
                 report: Callable | None) -> np.ndarray:  # fmt: skip
    """Double justification: list-schedule the reversed graph latest-ending first
    (right-justify), then the graph earliest-starting first (left-justify), with seeded
    tie noise; keep the result when its latency is no worse; until no gain."""
    problem, d = view.problem, view.delay
    pred: list[list[int]] = [[] for _ in range(view.n)]
    for u, v in zip(problem.src.tolist(), problem.dst.tolist(), strict=True):
        pred[v].append(u)
    best = s
    latency = int((s + d).max())
    stale = 0
    while time.perf_counter() < deadline and stale < 3:
        noise = 0.5 * rng.random(view.n)
        back = schedule_on_units(view.n, d, pred, problem.src, view.resource, view.capacity,
                                 (best + d).astype(float) + noise)  # fmt: skip
        span = int((back + d).max())
        right = span - back - d  # forward starts of the right-justified schedule
        left = schedule_on_units(view.n, d, problem.successors, problem.dst, view.resource,
                                 view.capacity, -right.astype(float) + noise)  # fmt: skip
        new = int((left + d).max())
        if new < latency:
            best, latency, stale = left, new, 0
            if report is not None:
                report(best)
        else:
            stale += 1
            if new == latency:
                best = left
    return best


class Refinement:
    """The local search every ``phase`` seconds of a gradient loop: ``due()`` says when,
    ``run(start)`` refines for at most a phase, reports, returns the incumbent."""

    def __init__(self, ctx: Any, view: Typed, phase: float | None, seed: int):
        self.ctx, self.view = ctx, view
        self.rng = np.random.default_rng(seed)
        self.phase = phase if phase is not None else max(1.0, ctx.time_limit / 10)
        self.next = time.perf_counter() + self.phase
        self.runs = 0

    def due(self) -> bool:
        return time.perf_counter() >= self.next and not self.ctx.should_stop()

    def run(self, start: np.ndarray, limit: float | None = None) -> np.ndarray:
        seconds = min(self.phase if limit is None else limit, self.ctx.remaining())
        refined = improve(self.view, start, time.perf_counter() + seconds, self.rng,
                          self.ctx.report)  # fmt: skip
        self.ctx.report(refined)
        self.next = time.perf_counter() + self.phase
        self.runs += 1
        return self.ctx.best_schedule


def window_busy(onehot: Any, delay: Any, resource: Any, resources: int) -> Any:
    """[B, K, H] busy units per resource and cycle from [B, n, H] start weights (one-hot
    samples, or probabilities): operation v is busy at c when it started in
    (c - d_v, c]; a cumulative sum over cycles, differenced at each delay."""
    import torch

    batch, n, horizon = onehot.shape
    total = torch.cumsum(onehot, dim=2)
    padded = torch.nn.functional.pad(total, (1, 0))  # padded[..., c + 1] = total[..., c]
    cycles = torch.arange(horizon, device=onehot.device)
    before = (cycles[None, :] - delay[:, None]).clamp(min=-1) + 1  # [n, H]
    earlier = torch.gather(padded, 2, before[None].expand(batch, n, horizon))
    busy = total - earlier
    out = torch.zeros(batch, resources, horizon, dtype=onehot.dtype, device=onehot.device)
    return out.index_add(1, resource, busy)


def expected_busy(mu: Any, spread: Any, delay: Any, resource: Any, resources: int,
                  horizon: int) -> Any:  # fmt: skip
    """[B, K, H] expected busy units per resource and cycle when operation v starts at
    round(X), X ~ N(mu[b, v], spread[b, v]): it is busy at c when its start lies in
    [c - d_v + 1, c], probability Phi((c + 0.5 - mu) / s) - Phi((c - d_v + 0.5 - mu) / s)."""
    import torch

    cycles = torch.arange(horizon, dtype=mu.dtype, device=mu.device)
    m, s = mu[:, :, None], spread[:, :, None]
    upper = torch.special.ndtr((cycles + 0.5 - m) / s)
    lower = torch.special.ndtr((cycles - delay[None, :, None] + 0.5 - m) / s)
    out = torch.zeros(mu.shape[0], resources, horizon, dtype=mu.dtype, device=mu.device)
    return out.index_add(1, resource, upper - lower)


BAND_SIGMAS = 6.0  # a band reaches 6 spread ceilings each side: P(|X - mu| > 6 s) = 2e-9


def band_reach(sigma: float) -> int:
    """Cycles a Gaussian start's band reaches on each side of floor(mu) when every spread
    stays at or below ``sigma``: the start mass it leaves out is at most 2 Phi(-6) = 2e-9
    per operation (the rounding's half cycle is added)."""
    return math.ceil(BAND_SIGMAS * sigma + 0.5)


def band_width(reach: int, delay: Any) -> int:
    """Cycles a band spans: the starts floor(mu) - reach .. floor(mu) + reach and the
    longest operation's busy cycles after the last of them."""
    return 2 * reach + int(delay.max()) + 1 if len(delay) else 1


def banded_busy(mu: Any, spread: Any, delay: Any, resource: Any, resources: int,
                horizon: int, reach: int) -> Any:  # fmt: skip
    """:func:`expected_busy` computed only within each operation's band, the cycles
    floor(mu) - reach .. floor(mu) + reach + d_max: [B, n, w] work instead of [B, n, H],
    accumulated into [B, K, H]. Equal to the dense sum up to the start mass outside the
    bands (:func:`band_reach`); the band moves with mu, not its gradient. One normal CDF
    per band cycle, G[j] = Phi((c_j + 0.5 - mu) / s), serves both ends of every busy window
    (busy at c_j: G[j] - G[j - d]), and the backward pass recomputes the density instead of
    keeping autograd's intermediates (:func:`_banded_busy_function`)."""
    return _banded_busy_function().apply(mu, spread, delay, resource, resources, horizon, reach)


@functools.cache
def _banded_busy_function() -> Any:
    """The autograd function of :func:`banded_busy`, built once on first use (torch is
    imported only by the solvers that need it)."""
    import torch

    def groups(delay):
        """Operations sorted by delay (a permutation, its inverse) and each delay's slice."""
        d = delay.long()
        order = torch.argsort(d, stable=True)
        inverse = torch.empty_like(order)
        inverse[order] = torch.arange(order.numel(), device=order.device)
        values, counts = torch.unique_consecutive(d[order], return_counts=True)
        stops = torch.cumsum(counts, 0).tolist()
        starts = [0, *stops[:-1]]
        return order, inverse, list(zip(values.tolist(), starts, stops, strict=True))

    def normal(mu, spread, offset, width):
        """z[j, b, v] = (offset + j + 0.5 - mu) / s, band cycles first (contiguous rows)."""
        j = torch.arange(width, device=mu.device, dtype=mu.dtype)[:, None, None]
        return (offset.to(mu.dtype) + 0.5 - mu + j) / spread

    class BandedBusy(torch.autograd.Function):
        @staticmethod
        def forward(ctx, mu, spread, delay, resource, resources, horizon, reach):
            batch, n = mu.shape
            order, inverse, slices = groups(delay)
            mu, spread = mu[:, order], spread[:, order]
            width = band_width(reach, delay)
            span = reach + 1 + horizon + width  # cycle c at slot reach + 1 + c
            offset = torch.floor(mu).long() - reach  # [B, n], >= -reach - 1 on [0, H]
            rows = torch.arange(batch, device=mu.device)[:, None] * resources
            base = ((rows + resource[order][None, :]) * span + reach + 1 + offset).reshape(-1)
            busy = torch.special.ndtr(normal(mu, spread, offset, width))  # G[j], [w, B, n]
            for d, a, b in slices:  # busy at c_j: G[j] - G[j - d]
                if d > 0:
                    busy[d:, :, a:b] -= busy[:-d, :, a:b].clone()
            out = torch.zeros(batch * resources * span, dtype=mu.dtype, device=mu.device)
            for k in range(width):
                out.index_add_(0, base + k, busy[k].reshape(-1))
            ctx.save_for_backward(mu, spread, offset, base, inverse)
            ctx.shape = (batch, n, width, span, resources, horizon, reach, slices)
            return out.view(batch, resources, span)[..., reach + 1 : reach + 1 + horizon]

        @staticmethod
        def backward(ctx, grad):
            mu, spread, offset, base, inverse = ctx.saved_tensors
            batch, n, width, span, resources, horizon, reach, slices = ctx.shape
            full = torch.zeros(batch, resources, span, dtype=grad.dtype, device=grad.device)
            full[..., reach + 1 : reach + 1 + horizon] = grad
            flat = full.view(-1)
            g = torch.stack([flat[base + k] for k in range(width)]).view(width, batch, n)
            # d busy[j] / d G[i] is +1 at i = j and -1 at i = j - d: dL/dG[i] = g[i] - g[i + d]
            for d, a, b in slices:
                if d > 0:
                    g[: width - d, :, a:b] -= g[d:, :, a:b].clone()
            z = normal(mu, spread, offset, width)
            weighted = g * torch.exp(-0.5 * z * z) * (0.3989422804014327 / spread)  # g phi / s
            grad_mu = -weighted.sum(0)[:, inverse]
            grad_spread = None
            if ctx.needs_input_grad[1]:
                grad_spread = -(weighted * z).sum(0)[:, inverse]
            return grad_mu, grad_spread, None, None, None, None, None

    return BandedBusy


def fitted_batch(batch: int, per_row_gb: float, have_gb: float) -> int:
    """The largest batch up to ``batch`` whose rows fit in 80 % of ``have_gb`` (0: not
    even one row fits). At scale the batch shrinks instead of the run being skipped."""
    if per_row_gb <= 0:
        return batch
    return max(0, min(batch, int(0.8 * have_gb / per_row_gb)))


def batch_that_fits(batch: int, per_row_gb: float, have_gb: float, shape: str,
                    note: str) -> tuple[int, str] | Outcome:  # fmt: skip
    """The batch to build (``fitted_batch``) and the run's note (the device's, or that the
    batch was lowered), or the skip ``Outcome`` when not one row fits; ``shape`` names the
    tensors in the skip message."""
    fitted = fitted_batch(batch, per_row_gb, have_gb)
    if fitted < 1:  # not one row fits in 80 % of what is free
        return too_large(per_row_gb, 0.8 * have_gb, shape)
    if fitted < batch:
        note = f"batch {batch} lowered to {fitted} to fit {have_gb:.1f} GB"
    return fitted, note


def first_schedule(ctx: SolveContext, report: bool = True, listed: bool = False) -> np.ndarray:
    """The warm start, else RCS's list schedule or TCS's ASAP (``listed``: TCS's list
    schedule on the fewest units its least-slack search finds, tcs_list's first); reported
    at once unless ``report`` is false (a cold start uses it only for RCS's horizon)."""
    problem = ctx.problem
    if ctx.warm_start is not None:
        start = np.asarray(ctx.warm_start, np.int64)
    elif problem.CLASS == "rcs":
        start = problem.reference_schedule
    elif listed:
        from schedbench.solvers.tcs import list_scheduling

        start = list_scheduling.first_schedule(problem)
    else:
        start = problem.asap
    if report:
        ctx.report(start)
    return np.asarray(start, np.int64)


class ScoringShare:
    """Whether an epoch legalizes and scores its samples: while the time spent doing so
    stays within ``share`` of the run's elapsed time (the first epoch always scores; 1.0
    scores every epoch). Used as ``if share.due(elapsed): with share: ...``."""

    def __init__(self, share: float):
        if not 0 < share <= 1:
            raise ValueError(f"score_share={share} must lie in (0, 1]: 1 scores every epoch")
        self.share, self.spent, self.scored = share, 0.0, 0

    def due(self, elapsed: float) -> bool:
        return self.share >= 1 or self.scored == 0 or self.spent <= self.share * elapsed

    def __enter__(self) -> ScoringShare:
        self.began = time.perf_counter()
        return self

    def __exit__(self, *_: object) -> None:
        self.spent += time.perf_counter() - self.began
        self.scored += 1


@dataclass
class Epochs:
    """The loop both differentiable schedulers share: epochs until the budget, a fixed
    count, or a schedule at the class's lower bound (nothing left to gain); the per-epoch
    records; the last refinement and the run's ``Outcome``."""

    ctx: SolveContext
    epochs: int | None
    learn: bool
    refinement: Refinement | None
    epoch: int = 0

    def __post_init__(self) -> None:
        self.floor = float(self.ctx.problem.lower_bound)
        self.records: list[dict[str, float]] = []
        self.started: float | None = None  # when the last epoch began
        self.longest = 0.0  # seconds of the longest epoch so far

    def next(self) -> bool:
        """Start another epoch, if one is due: not after a fixed count, the budget or a
        schedule at the lower bound, and not when the longest epoch so far (with its
        scoring and refinement) is longer than what is left: at 10^5 operations on a deep
        graph one epoch takes seconds and cannot be stopped midway."""
        ctx = self.ctx
        if (self.epochs is not None and self.epoch >= self.epochs) or ctx.should_stop():
            return False
        if ctx.best_cost <= self.floor:
            return False
        now = time.perf_counter()
        if self.started is not None:
            self.longest = max(self.longest, now - self.started)
        if self.epochs is None and self.longest > ctx.remaining():
            return False
        self.started = now
        self.epoch += 1
        return True

    @property
    def progress(self) -> float:
        """How far through the run (epochs, else the budget) this epoch is, in [0, 1]."""
        if self.epochs:
            return self.epoch / self.epochs
        return min(1.0, self.ctx.elapsed() / self.ctx.time_limit)

    def record(self, loss: float, result: Any, **extra: float) -> None:
        """One epoch's row: its loss, the best cost so far, the batch's best and mean (NaN
        when the epoch's samples were not scored, ``result`` None)."""
        if result is None:
            best = mean = float("nan")
        else:
            best = float(np.where(result.feasible, result.cost, np.inf).min())
            mean = float(np.mean(result.cost))
        self.records.append(
            {
                "epoch": self.epoch,
                "time": self.ctx.elapsed(),
                "loss": loss,
                "best_cost": float(self.ctx.best_cost),
                "batch_best_cost": best,
                "mean_cost": mean,
                **extra,
            }
        )

    def outcome(self, build_time: float, note: str, device: Any, scored: int | None = None,
                banded: str = "") -> Outcome:  # fmt: skip
        """Refine the best schedule with the time left, then the run's ``Outcome``; the
        message says how many epochs scored their samples when not all did, and the band."""
        ctx = self.ctx
        refine = self.refinement is not None and ctx.best_schedule is not None
        if refine and not ctx.should_stop() and ctx.best_cost > self.floor:
            self.refinement.run(ctx.best_schedule, limit=ctx.remaining())
        parts = [
            note,
            f"{self.epoch} epochs on {device}"
            + ("" if scored is None or scored >= self.epoch else f" ({scored} scored)"),
            banded,
            "" if self.learn else "no gradient steps",
        ]
        return Outcome(
            build_time=build_time,
            message="; ".join(filter(None, parts)),
            records=self.records,
            device=device.type,
        )
