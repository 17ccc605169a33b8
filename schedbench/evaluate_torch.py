"""The evaluator's torch twin: cost and feasibility of a batch where the batch already lives.

A GPU sampler that copied every [B, n] batch to the host for :func:`schedbench.evaluate`
would spend most of an epoch on the bus and on one CPU core (EPFL ``div``: 57k nodes x
250 samples per step). This twin computes the same integers on the batch's device; only
the cheapest schedule crosses to the host, where the tracker checks it again with the one
evaluator before anything is recorded. ``tests/test_evaluate_torch.py`` proves both give
the same peak, comm, cost and feasibility on random problems and schedules.

Schedules may come with rows in any node order (``rows[i]`` is the node of row i): the
GS sampler keeps them level by level, and renumbering the edges once is cheaper than
permuting every batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from schedbench.problems.icml24 import Problem, scale_peak


@dataclass(frozen=True)
class TorchEvaluation:
    """Per-schedule results for a batch, as tensors [B] on the batch's device."""

    peak: torch.Tensor
    comm: torch.Tensor
    cost: torch.Tensor  # int64 when R is a whole number, float64 otherwise
    feasible: torch.Tensor

    def best(self) -> int | None:
        """Index of the cheapest feasible schedule, or None when none is feasible (one sync)."""
        masked = torch.where(self.feasible, self.cost.double(), float("inf"))
        index = int(masked.argmin())
        return index if bool(self.feasible[index]) else None


class TorchEvaluator:
    """Evaluate [n, B] integer stage tensors (one column per schedule) on ``device``."""

    def __init__(self, problem: Problem, device: torch.device, rows: np.ndarray | None = None):
        rows = np.arange(problem.n) if rows is None else np.asarray(rows)
        position = np.empty(problem.n, np.int64)  # position[node] = its row
        position[rows] = np.arange(problem.n)
        self.problem, self.stages = problem, problem.stages
        self.whole_ratio = float(problem.ratio).is_integer()

        def tensor(values: np.ndarray) -> torch.Tensor:
            return torch.as_tensor(np.array(values), dtype=torch.long, device=device)

        self.w = tensor(problem.w[rows])
        self.src, self.dst = tensor(position[problem.src]), tensor(position[problem.dst])
        self.d = tensor(problem.d)
        counted = problem.positive_edges
        self.c_src, self.c_dst = (
            tensor(position[problem.src[counted]]),
            tensor(position[problem.dst[counted]]),
        )
        self.coeff = tensor(problem.comm_coeff[counted])
        self.has_distance = bool(problem.d.any())

    def __call__(self, stages: torch.Tensor) -> TorchEvaluation:
        """``stages`` [n, B] integers with rows in the order given at construction."""
        n, batch = stages.shape
        in_range = ((stages >= 0) & (stages < self.stages)).all(0)
        clipped = stages.clamp(0, self.stages - 1)
        # loads[b, t] = sum of w over the rows at stage t in column b: one scatter-add
        flat = clipped + self.stages * torch.arange(batch, device=stages.device)[None, :]
        weights = self.w[:, None].expand(n, batch)
        loads = torch.zeros(batch * self.stages, dtype=torch.long, device=stages.device)
        loads.index_add_(0, flat.reshape(-1), weights.reshape(-1))
        peak = loads.view(batch, self.stages).amax(1)
        span = stages.index_select(0, self.c_dst) - stages.index_select(0, self.c_src)
        comm = (span * self.coeff[:, None]).sum(0)
        needed = self.d[:, None] if self.has_distance else 0
        broken = (stages.index_select(0, self.dst) - stages.index_select(0, self.src)) < needed
        feasible = in_range & ~broken.any(0)
        # the evaluator's own rule: integers for a whole R, float64 (not float32) otherwise
        cost = scale_peak(self.problem.ratio, peak if self.whole_ratio else peak.double()) + comm
        return TorchEvaluation(peak=peak, comm=comm, cost=cost, feasible=feasible)
