"""The differentiable schedulers of the HLS classes (hls_gs, hls_gauss): their samplers and
busy counts against a direct per-node loop on a small graph, legalization, and runs on
RCS and TCS instances."""

from __future__ import annotations

import math

import numpy as np
import pytest

from schedbench.problems.dot import typed_graph
from schedbench.problems.rcs import RCSProblem
from schedbench.problems.tcs import TCSProblem
from schedbench.solvers.hls import Typed, expected_busy, legalize, window_busy
from schedbench.solvers.registry import solve

torch = pytest.importorskip("torch")

NODES = [("a", "mul"), ("b", "mul"), ("c", "add"), ("d", "add"), ("e", "mul"), ("f", "add")]
EDGES = [("a", "c"), ("b", "c"), ("c", "e"), ("d", "e"), ("e", "f"), ("b", "f")]
DELAY = {"mul": 2, "add": 1}


def tcs(latency: int = 9) -> TCSProblem:
    return TCSProblem.on(typed_graph("small", NODES, EDGES), delay=DELAY,
                         kind={"mul": "MUL", "add": "ALU"}, latency=latency)  # fmt: skip


def rcs() -> RCSProblem:
    return RCSProblem.on(typed_graph("small", NODES, EDGES), np.array([2, 1]), np.array([1, 1]))


def busy_by_loop(problem, starts: np.ndarray, resource: np.ndarray, horizon: int) -> np.ndarray:
    """[B, K, H] by counting, operation by operation and cycle by cycle."""
    d = problem.node_delay
    out = np.zeros((len(starts), resource.max() + 1, horizon))
    for b, s in enumerate(starts):
        for v in range(problem.n):
            for c in range(horizon):
                if s[v] <= c < s[v] + d[v]:
                    out[b, resource[v], c] += 1
    return out


@pytest.mark.parametrize("make", [tcs, rcs], ids=["tcs", "rcs"])
def test_gs_samples_respect_delays_and_count_busy_units_like_the_evaluator(make):
    from schedbench.solvers.hls.gs import shadow_problem
    from schedbench.solvers.icml24.gs.sampler import GumbelNoise, plan_levels, sample

    problem = make()
    first = problem.asap if problem.CLASS == "tcs" else problem.reference_schedule
    view = Typed.of(problem, first + (2 if problem.CLASS == "rcs" else 0))
    plan = plan_levels(shadow_problem(view), torch.device("cpu"))
    stages = view.horizon + 1
    logits = torch.randn(view.n + 1, stages)
    drawn = sample(logits, plan, GumbelNoise(3, torch.device("cpu"), torch.float32)(
        view.n + 1, 64, stages), 0.7)  # fmt: skip
    rows = drawn.level_stages.numpy()
    starts = np.empty((64, view.n), np.int64)
    for row, node in enumerate(plan.order):  # a direct loop from rows to operations
        if node < view.n:
            starts[:, node] = rows[row]
    d = problem.node_delay
    for s in starts:
        for u, v in zip(problem.src.tolist(), problem.dst.tolist(), strict=True):
            assert s[u] + d[u] <= s[v]  # the edge, its source's delay included
        for v in range(view.n):
            assert s[v] >= 0 and s[v] + d[v] <= view.horizon
    onehot = np.zeros((64, view.n, view.horizon), np.float32)
    for b in range(64):
        onehot[b, np.arange(view.n), starts[b]] = 1
    resource = torch.as_tensor(np.array(view.resource))
    busy = window_busy(torch.as_tensor(onehot), torch.as_tensor(view.delay), resource,
                       view.resources).numpy()  # fmt: skip
    assert np.array_equal(busy, busy_by_loop(problem, starts, view.resource, view.horizon))
    if problem.CLASS == "tcs":
        assert problem.evaluate(starts).feasible.all()
        assert np.array_equal(np.maximum(busy.max(-1), problem.min_units),
                              problem.evaluate(starts).units)  # fmt: skip


def test_gauss_expected_busy_is_the_loop_over_start_probabilities():
    problem = tcs()
    view = Typed.of(problem, problem.asap)
    rng = np.random.default_rng(1)
    mu = problem.asap + rng.uniform(0, 2, (3, view.n))
    spread = rng.uniform(0.3, 2.0, (3, view.n))
    got = expected_busy(torch.as_tensor(mu), torch.as_tensor(spread), torch.as_tensor(
        view.delay, dtype=torch.float64), torch.as_tensor(np.array(view.resource)), view.resources,
        view.horizon).numpy()  # fmt: skip

    def phi(x: float) -> float:
        return 0.5 * (1 + math.erf(x / math.sqrt(2)))

    want = np.zeros_like(got)
    for b in range(3):
        for v in range(view.n):
            for t in range(-10, view.horizon + 10):  # P(round(X) = t), busy over [t, t + d)
                p = phi((t + 0.5 - mu[b, v]) / spread[b, v]) - phi((t - 0.5 - mu[b, v]) /
                                                                   spread[b, v])  # fmt: skip
                for c in range(max(t, 0), min(t + view.delay[v], view.horizon)):
                    want[b, view.resource[v], c] += p
    assert np.allclose(got, want, atol=1e-9)


@pytest.mark.parametrize("make", [tcs, rcs], ids=["tcs", "rcs"])
def test_legalize_makes_any_wish_feasible(make):
    problem = make()
    first = problem.asap if problem.CLASS == "tcs" else problem.reference_schedule
    view = Typed.of(problem, first)
    wishes = np.random.default_rng(0).integers(-3, view.horizon + 3, (20, view.n))
    assert problem.evaluate(legalize(view, wishes)).feasible.all()


@pytest.mark.parametrize("solver", ["hls_gs", "hls_gauss"])
@pytest.mark.parametrize("make", [tcs, rcs], ids=["tcs", "rcs"])
@pytest.mark.parametrize("learn", [True, False])
def test_runs_on_both_classes(solver, make, learn):
    problem = make()
    result = solve(problem, solver, time_limit=30, threads=1, epochs=15, learn=learn,
                   phase=0.2)  # fmt: skip
    assert problem.evaluate(result.schedule).feasible[0]
    assert result.cost >= problem.lower_bound
    # 15 epochs, or fewer when a schedule reached the lower bound (optimal: it stops)
    assert len(result.records) == 15 or result.cost == problem.lower_bound
    assert ("no gradient steps" in result.message) is not learn


@pytest.mark.parametrize("solver", ["hls_gs", "hls_gauss"])
def test_the_batch_shrinks_to_fit_memory_and_a_row_too_large_is_skipped(solver, monkeypatch):
    import schedbench.solvers.icml24.gs as gs_module
    from schedbench.solvers.hls import fitted_batch

    assert fitted_batch(32, 1.0, 10.0) == 8 and fitted_batch(32, 1.0, 0.5) == 0
    problem = tcs()
    monkeypatch.setattr(gs_module, "available_gb", lambda device: 5e-5)  # some rows fit, not 64
    result = solve(problem, solver, time_limit=30, threads=1, epochs=3, batch=64)
    assert "lowered to" in result.message and problem.evaluate(result.schedule).feasible[0]
    monkeypatch.setattr(gs_module, "available_gb", lambda device: 1e-12)
    result = solve(problem, solver, time_limit=30, threads=1, epochs=3)
    assert result.status == "skipped" and "would need" in result.message


class _Clock:
    """A SolveContext stand-in whose time left is set by the test."""

    def __init__(self, problem, left: float):
        self.problem, self.left, self.best_cost, self.time_limit = problem, left, 99.0, 60.0

    def should_stop(self) -> bool:
        return self.left <= 0

    def remaining(self) -> float:
        return self.left

    def elapsed(self) -> float:
        return self.time_limit - self.left


def test_no_epoch_starts_that_the_time_left_cannot_hold():
    import time

    from schedbench.solvers.hls import Epochs

    clock = _Clock(tcs(), left=10.0)
    loop = Epochs(clock, epochs=None, learn=True, refinement=None)
    assert loop.next() and loop.epoch == 1
    loop.started -= 0.5  # the first epoch took half a second
    assert loop.next() and loop.epoch == 2
    loop.started = time.perf_counter() - 20.0  # one took 20 s, and 10 s are left
    assert not loop.next() and loop.epoch == 2
    clock.left = 15.0  # the next epoch was short, but the longest (20 s) still decides
    loop.started = time.perf_counter() - 1.0
    assert not loop.next() and loop.epoch == 2
    fixed = Epochs(clock, epochs=3, learn=True, refinement=None)  # a fixed count runs out
    fixed.started = time.perf_counter() - 20.0
    assert fixed.next() and fixed.epoch == 1


def test_the_tcs_local_search_stops_mid_pass_at_its_deadline(monkeypatch):
    import itertools

    from schedbench.solvers import hls

    problem = tcs(latency=12)
    start = np.array([0, 0, 5, 0, 6, 9])  # a and b share the MUL at 0; b has slack
    assert problem.evaluate(start).feasible[0]
    view = Typed.of(problem, start)
    moved = hls.improve(view, start, float("inf"), np.random.default_rng(0))
    assert not np.array_equal(moved, start)  # a full pass moves b off a's cycles
    clock = itertools.chain([0.0], itertools.repeat(10.0))  # the pass begins, then time is up
    monkeypatch.setattr(hls.time, "perf_counter", lambda: next(clock))
    out = hls.improve(view, start, 5.0, np.random.default_rng(0))
    assert np.array_equal(out, start)  # stopped before its first move


def test_the_memory_check_counts_what_the_process_already_maps():
    import subprocess
    import sys

    code = (
        "import resource; from schedbench.solvers.base import host_memory_gb; "
        "resource.setrlimit(resource.RLIMIT_AS, (8 * 2**30, resource.RLIM_INFINITY)); "
        "held = next(int(l.split()[1]) for l in open('/proc/self/status') "
        "if l.startswith('VmSize')) / 2**20; print(host_memory_gb(), held)"
    )
    have, held = map(float, subprocess.check_output([sys.executable, "-c", code]).split())
    assert held > 0.05 and have <= 8 - held + 0.01


def test_banded_expected_busy_equals_the_dense_sum_and_its_gradient():
    from schedbench.solvers.hls import band_reach, banded_busy

    gen = torch.Generator().manual_seed(0)
    batch, n, horizon, kinds = 3, 400, 90, 3
    mu = (torch.rand(batch, n, generator=gen, dtype=torch.float64) * horizon).requires_grad_()
    spread = torch.rand(batch, n, generator=gen, dtype=torch.float64) * 1.95 + 0.05  # <= 2
    spread.requires_grad_()
    delay = torch.randint(1, 5, (n,), generator=gen).double()
    resource = torch.randint(0, kinds, (n,), generator=gen)
    dense = expected_busy(mu, spread, delay, resource, kinds, horizon)
    banded = banded_busy(mu, spread, delay, resource, kinds, horizon, band_reach(2.0))
    assert banded.shape == dense.shape
    assert (banded - dense).abs().max() < 1e-6
    weights = torch.randn(dense.shape, generator=gen, dtype=torch.float64)
    want = torch.autograd.grad((dense * weights).sum(), (mu, spread))
    got = torch.autograd.grad((banded * weights).sum(), (mu, spread))
    for mine, theirs in zip(got, want, strict=True):  # d/d mu and d/d spread
        assert (mine - theirs).abs().max() < 1e-6
    narrow = banded_busy(mu, spread, delay, resource, kinds, horizon, 1)  # a band too short
    assert (narrow - dense).abs().max() > 1e-3  # loses mass: the reach is what keeps it


@pytest.mark.parametrize("cls", ["rcs", "tcs"])
def test_banded_gauss_gives_the_dense_schedules_from_the_same_seed(cls):
    from schedbench.datasets import typed_synthetic

    problem = (typed_synthetic.rcs(nodes=200, seed=1) if cls == "rcs" else
               typed_synthetic.tcs(nodes=200, seed=0, factor=2.0))  # fmt: skip
    runs = [solve(problem, "hls_gauss", time_limit=60, threads=1, epochs=12, band=band,
                  local_search=False, seed=3) for band in (False, True)]  # fmt: skip
    dense, banded = runs
    assert "banded over" in banded.message and "banded" not in dense.message
    assert len(dense.records) == len(banded.records) > 1
    for key in ("mean_cost", "batch_best_cost", "best_cost"):
        assert [r[key] for r in banded.records] == [r[key] for r in dense.records]
    assert np.array_equal(banded.schedule, dense.schedule)


def test_a_scoring_share_keeps_gradient_steps_going_between_scored_epochs(monkeypatch):
    from schedbench.solvers import hls

    share = hls.ScoringShare(0.25)
    assert share.due(0.0)  # the first epoch always scores
    clock = iter([0.0, 2.0])  # scoring took 2 s
    monkeypatch.setattr(hls.time, "perf_counter", lambda: next(clock))
    with share:
        pass
    monkeypatch.undo()
    assert share.scored == 1 and share.spent == 2.0
    assert not share.due(4.0) and share.due(8.0)  # 2 s is a quarter of 8 s
    assert hls.ScoringShare(1.0).due(0.0)
    with pytest.raises(ValueError, match="score_share"):
        hls.ScoringShare(0.0)
    from schedbench.datasets import typed_synthetic

    problem = typed_synthetic.tcs(nodes=200, seed=0, factor=2.0)  # not solved at once
    result = solve(problem, "hls_gauss", time_limit=30, threads=1, epochs=20, score_share=1e-9,
                   local_search=False)  # fmt: skip
    assert len(result.records) == 20 and "(1 scored)" in result.message
    assert sum(not math.isnan(r["mean_cost"]) for r in result.records) == 1


def test_a_cold_gauss_start_begins_at_the_window_centres_without_the_first_schedule():
    from schedbench.datasets import typed_synthetic
    from schedbench.solvers.tcs.list_scheduling import fewest_units, slack_priority

    problem = typed_synthetic.tcs(nodes=200, seed=0, factor=2.0)
    asap_cost = float(problem.evaluate(problem.asap).cost[0])
    listed = float(problem.evaluate(fewest_units(problem, slack_priority(problem))).cost[0])
    assert listed < asap_cost  # the list start is GauS's informed one, not ASAP
    runs = {start: solve(problem, "hls_gauss", time_limit=30, threads=1, epochs=3, start=start,
                         local_search=False) for start in ("first", "list", "centre")}  # fmt: skip
    assert runs["first"].incumbents[0][1] == asap_cost  # the first schedule's first report
    assert runs["list"].incumbents[0][1] == listed  # tcs_list's first schedule
    cold = runs["centre"]
    assert problem.evaluate(cold.schedule).feasible[0] and cold.incumbents[0][1] != asap_cost
    assert runs["first"].records[0]["mean_cost"] != cold.records[0]["mean_cost"]
    with pytest.raises(ValueError, match="start='middle' is not one of first, list, centre"):
        solve(problem, "hls_gauss", time_limit=30, threads=1, epochs=1, start="middle")


def _whole_horizon_improve(view: Typed, s: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The TCS local search as first written: every candidate start scored over the whole
    horizon (the oracle the incremental scoring must match move for move)."""
    problem, d, kind = view.problem, view.delay, view.resource
    pred: list[list[int]] = [[] for _ in range(view.n)]
    for u, v in zip(problem.graph.src.tolist(), problem.graph.dst.tolist(), strict=True):
        pred[v].append(u)
    succ = problem.graph.successors
    busy = np.zeros((view.resources, view.horizon + 1), np.int64)
    for v in range(view.n):
        busy[kind[v], s[v] : s[v] + d[v]] += 1

    def score(k: int) -> tuple[float, float]:
        row = busy[k, : view.horizon]
        return view.cost[k] * row.max(), float((row.astype(float) ** 2).sum())

    improved = True
    while improved:
        improved = False
        for v in rng.permutation(view.n):
            earliest = max([s[u] + d[u] for u in pred[v]], default=0)
            latest = min([s[w] for w in succ[v]], default=view.horizon) - d[v]
            if latest <= earliest:
                continue
            k = kind[v]
            best_t, best = s[v], score(k)
            busy[k, s[v] : s[v] + d[v]] -= 1
            for t in range(earliest, latest + 1):
                busy[k, t : t + d[v]] += 1
                value = score(k)
                busy[k, t : t + d[v]] -= 1
                if value < best:
                    best_t, best = t, value
            busy[k, best_t : best_t + d[v]] += 1
            if best_t != s[v]:
                improved = True
                s[v] = best_t
    return s


@pytest.mark.parametrize("seed", range(4))
def test_the_tcs_local_search_moves_as_the_whole_horizon_scoring_does(seed):
    from schedbench.datasets import typed_synthetic
    from schedbench.solvers import hls

    problem = typed_synthetic.tcs(400, seed=seed, factor=1.5 + 0.25 * seed)
    view = Typed.of(problem, problem.asap)
    fast = hls.improve(view, problem.asap.copy(), float("inf"), np.random.default_rng(seed))
    slow = _whole_horizon_improve(view, problem.asap.copy(), np.random.default_rng(seed))
    assert np.array_equal(fast, slow) and problem.evaluate(fast).feasible[0]
    assert problem.evaluate(fast).cost[0] < problem.evaluate(problem.asap).cost[0]
