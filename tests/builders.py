"""Instance builders shared by tests (importable: tests/ is on pytest's pythonpath)."""

from __future__ import annotations

import numpy as np

from schedbench import Problem


def random_dag(
    rng: np.random.Generator,
    n: int,
    stages: int,
    *,
    p: float = 0.35,
    with_distances: bool = False,
    ratio: float = 3,
) -> Problem:
    """A random DAG whose edges point from lower to higher index; distances keep it feasible."""
    src, dst = [], []
    for v in range(n):
        for u in range(v):
            if rng.random() < p:
                src.append(u)
                dst.append(v)
    m = len(src)
    d = np.zeros(m, np.int64)
    if with_distances and m:
        d = rng.integers(0, 2, m)
        for _ in range(20):  # shrink until the longest distance path fits in L stages
            probe = Problem.from_arrays(n, src, dst, np.ones(n), None, d, stages=10**6, ratio=1)
            if probe.asap.max() <= stages - 1:
                break
            d[rng.integers(0, m)] = 0
        else:
            d[:] = 0
    w = rng.integers(0, 6, n)
    c = rng.integers(0, 3, m)
    return Problem.from_arrays(n, src, dst, w, c, d, stages=stages, ratio=ratio, name=f"random{n}")


def brute_force_optimum(problem: Problem) -> float:
    """The optimal cost by enumerating every schedule inside the ASAP/ALAP windows."""
    from itertools import product

    from schedbench import evaluate

    windows = [
        range(lo, hi + 1)
        for lo, hi in zip(problem.asap.tolist(), problem.alap.tolist(), strict=True)
    ]
    batch = np.array(list(product(*windows)), np.int64)
    result = evaluate(problem, batch)
    return float(result.cost[result.feasible].min())


def improving_single_move(problem: Problem, schedule: np.ndarray) -> tuple[int, int] | None:
    """A (node, stage) whose move alone keeps ``schedule`` feasible and lowers its cost, or
    None: a schedule a local search returns must have none."""
    from schedbench import evaluate

    schedule = np.asarray(schedule, np.int64)
    cost = evaluate(problem, schedule).cost[0]
    moves = [(v, t) for v in range(problem.n) for t in range(problem.stages) if t != schedule[v]]
    if not moves:
        return None
    batch = np.repeat(schedule[None, :], len(moves), axis=0)
    for row, (v, t) in enumerate(moves):
        batch[row, v] = t
    result = evaluate(problem, batch)
    better = np.flatnonzero(result.feasible & (result.cost < cost))
    return moves[better[0]] if better.size else None


def run_spec(problem: Problem, results_dir, solver: str, **fields):
    """A RunSpec for ``solver`` on ``problem`` with test-sized defaults (3 s budget sampled
    every second, 2 s grace); any RunSpec field can be given."""
    from schedbench.harness.runner import RunSpec

    defaults = {
        "dataset": "tiny",
        "solver_key": solver,
        "budget": 3.0,
        "interval": 1.0,
        "grace": 2.0,
    }
    return RunSpec(
        solver=solver, problem=problem, results_dir=results_dir, **{**defaults, **fields}
    )
