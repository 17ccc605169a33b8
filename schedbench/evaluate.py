"""The one implementation of feasibility and cost (docs/problems/icml24.md).

Every solver's schedules, the harness's records and the metrics go through
:func:`evaluate`. It is vectorized over a batch of schedules (shape [B, n]) and works
in integers, so costs are exact (the reference code used float32).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from schedbench.problems.icml24 import Problem, ProblemError, scale_peak


@dataclass(frozen=True)
class Evaluation:
    """Per-schedule results for a batch: arrays of shape [B].

    ``cost`` is exact: int64 when R is a whole number, float64 otherwise. ``feasible`` is
    False for a schedule that breaks an edge constraint or uses a stage outside 0..L-1;
    its peak/comm/cost are still computed (stages clipped) but are meaningless.
    """

    peak: np.ndarray
    comm: np.ndarray
    cost: np.ndarray
    feasible: np.ndarray
    loads: np.ndarray  # [B, L] memory per stage
    n_violated: np.ndarray  # [B] violated edges + out-of-range nodes

    @property
    def terms(self) -> dict[str, np.ndarray]:
        """The class's named cost terms: cost = R * peak + comm."""
        return {"peak": self.peak, "comm": self.comm}

    def best(self) -> int | None:
        """Index of the cheapest feasible schedule, or None when none is feasible."""
        if not self.feasible.any():
            return None
        masked = np.where(self.feasible, self.cost, np.inf)
        return int(np.argmin(masked))


def as_schedule_batch(problem: Problem, schedules: object) -> np.ndarray:
    """Coerce to an int64 array of shape [B, n]; a single schedule becomes B = 1."""
    arr = np.asarray(schedules)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != problem.n:
        raise ProblemError(
            f"a schedule must have one stage per node ({problem.n}), got shape {arr.shape}"
        )
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr) & (arr == np.round(arr))):
            raise ProblemError("schedule stages must be whole numbers")
    elif arr.dtype.kind not in "iu":
        raise ProblemError(f"schedule stages must be integers, got dtype {arr.dtype}")
    return arr.astype(np.int64, copy=False)


CHUNK_ELEMENTS = 1 << 24  # temporaries per batch chunk: rows x max(n, m) stays below this


def evaluate(problem: Problem, schedules: object) -> Evaluation:
    """Peak, comm, cost and feasibility of every schedule in a [B, n] batch (rows in
    chunks, so the temporaries stay bounded on a large graph). An instance of another
    problem class evaluates itself (its ``evaluate``: feasible, cost, best())."""
    if not isinstance(problem, Problem):
        return problem.evaluate(schedules)
    s = as_schedule_batch(problem, schedules)
    rows = max(1, CHUNK_ELEMENTS // max(problem.n, problem.m, 1))
    parts = [_evaluate_rows(problem, s[i : i + rows]) for i in range(0, s.shape[0], rows)]
    if len(parts) == 1:
        return parts[0]
    return Evaluation(
        **{
            name: np.concatenate([getattr(part, name) for part in parts])
            for name in ("peak", "comm", "cost", "feasible", "loads", "n_violated")
        }
    )


def _evaluate_rows(problem: Problem, s: np.ndarray) -> Evaluation:
    batch, stages = s.shape[0], problem.stages
    in_range = (s >= 0) & (s < stages)
    clipped = np.clip(s, 0, stages - 1)
    flat = (clipped + stages * np.arange(batch)[:, None]).ravel()
    loads = np.bincount(
        flat, weights=np.tile(problem.w, batch).astype(np.float64), minlength=batch * stages
    )
    loads = np.rint(loads).astype(np.int64).reshape(batch, stages)  # exact below 2**53
    peak = loads.max(axis=1)
    comm = s @ problem.comm_slope
    if problem.d.any():
        broken = (s[:, problem.dst] - s[:, problem.src] < problem.d).sum(axis=1)
    else:
        broken = (s[:, problem.dst] < s[:, problem.src]).sum(axis=1)
    broken = broken + (~in_range).sum(axis=1)
    cost = scale_peak(problem.ratio, peak) + comm
    return Evaluation(
        peak=peak, comm=comm, cost=cost, feasible=broken == 0, loads=loads, n_violated=broken
    )


@dataclass(frozen=True)
class ScheduleReport:
    """One schedule checked in full: cost terms and every violated constraint."""

    peak: int
    comm: int
    cost: float
    feasible: bool
    violated_edges: list[tuple[str, str]]
    out_of_range: list[str]

    def reason(self) -> str:
        """One line naming the first broken constraint (empty when feasible)."""
        if self.out_of_range:
            return f"node {self.out_of_range[0]!r} has a stage outside 0..L-1"
        if self.violated_edges:
            u, v = self.violated_edges[0]
            extra = len(self.violated_edges) - 1
            more = f" (and {extra} more edges)" if extra else ""
            return f"edge ({u!r}, {v!r}) is violated: s_u + d_uv > s_v{more}"
        return ""


def check(problem: Problem, schedule: object) -> ScheduleReport:
    """Evaluate one schedule and list what it violates, by original node label (another
    problem class: its own ``report``)."""
    if not isinstance(problem, Problem):
        return problem.report(schedule)
    s = as_schedule_batch(problem, schedule)
    if s.shape[0] != 1:
        raise ProblemError("check() takes one schedule; use evaluate() for a batch")
    result = evaluate(problem, s)
    row = s[0]
    bad_edges = np.flatnonzero(row[problem.dst] - row[problem.src] < problem.d)
    labels = problem.labels
    violated = [(labels[problem.src[e]], labels[problem.dst[e]]) for e in bad_edges.tolist()]
    outside = [labels[v] for v in np.flatnonzero((row < 0) | (row >= problem.stages)).tolist()]
    cost = result.cost[0].item()
    return ScheduleReport(
        peak=int(result.peak[0]),
        comm=int(result.comm[0]),
        cost=cost,
        feasible=bool(result.feasible[0]),
        violated_edges=violated,
        out_of_range=outside,
    )


def relative_gap(cost: float, bound: float) -> float:
    """The gap of a schedule of ``cost`` to a lower ``bound``: (cost - bound) / cost, the
    MIP convention (0 is proven optimal; below 1 whenever bound > 0). The one definition
    every table, figure and command uses (docs/problems/icml24.md); NaN without a cost."""
    if cost != cost:  # NaN: no schedule
        return float("nan")
    return (cost - bound) / cost if cost else 0.0
