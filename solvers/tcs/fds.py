"""Force-directed scheduling for TCS (Paulin and Knight, 1989), the algorithm written for
this class.

Each unscheduled operation may start anywhere in its time frame [ASAP, ALAP] under the
bound, with equal probability; a kind's distribution graph DG_k(c) sums, over its
operations, the probability of being busy at cycle c. Fixing operation i at cycle t
changes its own busy probabilities and shrinks the frames of its predecessors and
successors; the force of that choice is sum_c DG(c) x (change in probability) over every
operation whose frame changes (frames propagated through the whole graph), weighted by
the kind's cost. Each step fixes the (operation, cycle) of least force, then updates the
frames and the graphs, until every operation is fixed: n steps, one schedule,
deterministic.
"""

from __future__ import annotations

import numpy as np

from schedbench.problems.tcs import TCSProblem
from schedbench.solvers.base import Outcome, SolveContext, host_memory_gb, too_large

LIBRARY = PIP = "numpy"
CLASSES = ("tcs",)


def version() -> str:
    return "schedbench"


def run(ctx: SolveContext) -> Outcome:
    """ASAP at once (the run's first schedule), then one force-directed schedule; cut
    at the budget, the operations not yet fixed start as early as the fixed ones allow.
    Skipped before anything when its busy probabilities cannot fit."""
    problem = ctx.problem
    need = memory_need_gb(problem.n, int(problem.latency))
    what = f"[n={problem.n}, H={problem.latency}] float64 busy probabilities, twice"
    if skip := too_large(need, host_memory_gb(), what):
        return skip
    ctx.report(problem.asap)
    schedule = force_directed(problem, ctx.should_stop)
    ctx.report(schedule)
    stopped = ctx.should_stop()
    return Outcome(message="force-directed" + (", cut at the budget" if stopped else ""))


def memory_need_gb(n: int, horizon: int) -> float:
    """Every step holds each operation's busy probability per cycle ([n, H] float64) and,
    while stacking it, the rows it was stacked from."""
    return 2 * n * horizon * 8 / 2**30


def busy_probability(lo: int, hi: int, d: int, horizon: int) -> np.ndarray:
    """P(busy at c) for c in 0..horizon-1 when the start is uniform on [lo, hi]: the
    starts t with t <= c < t + d, counted in closed form."""
    c = np.arange(horizon)
    count = np.minimum(hi, c) - np.maximum(lo, c - d + 1) + 1
    return np.clip(count, 0, None) / float(hi - lo + 1)


def _frames(problem: TCSProblem, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Propagate: earliest starts forward, latest starts backward."""
    d, succ, order = problem.node_delay, problem.graph.successors, problem.graph.topological_order
    lo, hi = lo.copy(), hi.copy()
    for v in order:
        for w in succ[v]:
            lo[w] = max(lo[w], lo[v] + d[v])
    for v in order[::-1]:
        for w in succ[v]:
            hi[v] = min(hi[v], hi[w] - d[v])
    return lo, hi


def force_directed(problem: TCSProblem, should_stop=lambda: False) -> np.ndarray:
    """The force-directed schedule of ``problem`` (self force plus the forces on the
    direct predecessors and successors whose frames the choice shrinks)."""
    d, kind = problem.node_delay, problem.node_kind
    horizon = problem.latency
    weight = problem.kind_cost.astype(float)
    succ = problem.graph.successors
    pred: list[list[int]] = [[] for _ in range(problem.n)]
    for v, targets in enumerate(succ):
        for w in targets:
            pred[w].append(v)
    lo, hi = problem.asap.copy(), problem.alap.copy()
    while (lo < hi).any():
        if should_stop():
            return lo  # earliest starts after the fixed ones: feasible
        frames = zip(lo.tolist(), hi.tolist(), d.tolist(), strict=True)
        prob = np.stack([busy_probability(a, b, x, horizon) for a, b, x in frames])
        graphs = np.zeros((len(problem.kinds), horizon))
        np.add.at(graphs, kind, prob)
        graphs *= weight[:, None]
        best = (np.inf, -1, -1)
        for i in np.flatnonzero(lo < hi):
            if should_stop():  # a step over every operation can take seconds at scale
                return lo
            g = graphs[kind[i]]
            for t in range(int(lo[i]), int(hi[i]) + 1):
                force = float(g[t : t + d[i]].sum() - g @ prob[i])
                for j in succ[i]:
                    a = max(int(lo[j]), t + int(d[i]))
                    if a != lo[j]:
                        new = busy_probability(a, int(hi[j]), int(d[j]), horizon)
                        force += float(graphs[kind[j]] @ (new - prob[j]))
                for j in pred[i]:
                    b = min(int(hi[j]), t - int(d[j]))
                    if b != hi[j]:
                        new = busy_probability(int(lo[j]), b, int(d[j]), horizon)
                        force += float(graphs[kind[j]] @ (new - prob[j]))
                if force < best[0] - 1e-12:
                    best = (force, int(i), t)
        _, i, t = best
        lo[i] = hi[i] = t
        lo, hi = _frames(problem, lo, hi)
    return lo
