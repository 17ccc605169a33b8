"""Force-directed scheduling (Paulin & Knight 1989), adapted to peak memory plus comm.

Each unfixed node spreads its weight over its time frame (the distribution graph); each
round computes, per node and stage, the balance force, the expected communication and the
classic predecessor/successor forces, and fixes the smallest first: the best 2 % of the
unfixed nodes per round (to scale to 10^5 nodes), each re-checked against the frames the
previous fixes left, so every choice stays feasible. Deterministic: one incumbent.
``docs/solvers.md`` gives the force formula.
"""

from __future__ import annotations

import numpy as np

from schedbench.problems.icml24 import Problem
from schedbench.solvers.base import Outcome, SolveContext

LIBRARY = "numpy"
PIP = "numpy"
CLASSES = ("icml24",)  # the problem classes it solves
ROUND_SHARE = 0.02


def version() -> str:
    return "schedbench"


def run(ctx: SolveContext) -> Outcome:
    ctx.report(force_directed(ctx.problem))
    return Outcome()


class _Frames:
    """Time frames [lo, hi] that stay consistent with every edge as nodes are fixed."""

    def __init__(self, problem: Problem):
        n = problem.n
        self.lo = problem.asap.astype(np.int64).copy()
        self.hi = problem.alap.astype(np.int64).copy()
        out = np.argsort(problem.src, kind="stable")
        inc = np.argsort(problem.dst, kind="stable")
        self.out_start = np.searchsorted(problem.src[out], np.arange(n + 1)).tolist()
        self.in_start = np.searchsorted(problem.dst[inc], np.arange(n + 1)).tolist()
        self.succ, self.succ_d = problem.dst[out].tolist(), problem.d[out].tolist()
        self.pred, self.pred_d = problem.src[inc].tolist(), problem.d[inc].tolist()

    def fix(self, v: int, t: int) -> None:
        self.lo[v] = self.hi[v] = t
        stack = [v]
        while stack:  # descendants start no earlier than their predecessors allow
            p = stack.pop()
            for i in range(self.out_start[p], self.out_start[p + 1]):
                u = self.succ[i]
                if self.lo[p] + self.succ_d[i] > self.lo[u]:
                    self.lo[u] = self.lo[p] + self.succ_d[i]
                    stack.append(u)
        stack = [v]
        while stack:  # ancestors end no later than their successors allow
            p = stack.pop()
            for i in range(self.in_start[p], self.in_start[p + 1]):
                u = self.pred[i]
                if self.hi[p] - self.pred_d[i] < self.hi[u]:
                    self.hi[u] = self.hi[p] - self.pred_d[i]
                    stack.append(u)


def force_directed(problem: Problem) -> np.ndarray:
    """A schedule by batched force-directed scheduling (see the module docstring)."""
    n, stages = problem.n, problem.stages
    w = problem.w.astype(np.float64)
    frames = _Frames(problem)
    fixed = np.zeros(n, bool)
    counted = np.flatnonzero(problem.comm_coeff > 0)
    e_src, e_dst = problem.src[counted], problem.dst[counted]
    e_coeff = problem.comm_coeff[counted].astype(np.float64)
    e_d = problem.d[counted]
    all_src, all_dst, all_d = problem.src, problem.dst, problem.d
    stage_ids = np.arange(stages)
    while not fixed.all():
        lo, hi = frames.lo, frames.hi
        width = (hi - lo + 1).astype(np.float64)
        spread = np.zeros(stages + 1)
        np.add.at(spread, lo, w / width)
        np.add.at(spread, hi + 1, -w / width)
        dg = np.cumsum(spread)[:stages]
        prefix = np.r_[0.0, np.cumsum(dg)]
        frame_mean = (prefix[hi + 1] - prefix[lo]) / width
        balance = (float(problem.ratio) * w / max(dg.mean(), 1e-9))[:, None] * (
            dg[None, :] - frame_mean[:, None]
        )
        # comm: in-edge spans grow with t, out-edge spans shrink (successor frame moves up)
        middle_src = (lo[e_src] + hi[e_src]) / 2.0
        comm = np.zeros((n, stages))
        np.add.at(comm, e_dst, e_coeff[:, None] * (stage_ids[None, :] - middle_src[:, None]))
        succ_lo = np.maximum(lo[e_dst][:, None], stage_ids[None, :] + e_d[:, None])
        succ_mid = (np.minimum(succ_lo, hi[e_dst][:, None]) + hi[e_dst][:, None]) / 2.0
        np.add.at(comm, e_src, e_coeff[:, None] * (succ_mid - stage_ids[None, :]))
        # classic predecessor/successor forces: a neighbour's frame shrinks around t
        scale = float(problem.ratio) / max(dg.mean(), 1e-9)
        a_lo = np.maximum(lo[all_dst][:, None], stage_ids[None, :] + all_d[:, None])
        a_lo = np.minimum(a_lo, hi[all_dst][:, None])
        shift = (prefix[hi[all_dst] + 1][:, None] - prefix[a_lo]) / (
            hi[all_dst][:, None] - a_lo + 1
        ) - frame_mean[all_dst][:, None]
        np.add.at(balance, all_src, scale * w[all_dst][:, None] * shift)
        b_hi = np.minimum(hi[all_src][:, None], stage_ids[None, :] - all_d[:, None])
        b_hi = np.maximum(b_hi, lo[all_src][:, None])
        shift = (prefix[b_hi + 1] - prefix[lo[all_src]][:, None]) / (
            b_hi - lo[all_src][:, None] + 1
        ) - frame_mean[all_src][:, None]
        np.add.at(balance, all_dst, scale * w[all_src][:, None] * shift)
        force = balance + comm
        outside = (stage_ids[None, :] < lo[:, None]) | (stage_ids[None, :] > hi[:, None])
        force[outside] = np.inf
        force[fixed] = np.inf
        best_stage = force.argmin(axis=1)
        best_force = force[np.arange(n), best_stage]
        unfixed = np.flatnonzero(~fixed)
        take = max(1, int(ROUND_SHARE * unfixed.size))
        chosen = unfixed[np.argsort(best_force[unfixed], kind="stable")[:take]]
        for v in chosen.tolist():
            t = int(best_stage[v])
            if frames.lo[v] <= t <= frames.hi[v]:  # still allowed after this round's fixes
                frames.fix(v, t)
                fixed[v] = True
        fixed |= frames.lo == frames.hi  # frames squeezed to one stage are decided too
    return frames.lo.copy()
