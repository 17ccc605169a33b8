"""The beyond-paper solvers: local search and legalization, gauss, gs_plus switches, hybrid."""

from __future__ import annotations

import os

import numpy as np
import pytest
from builders import brute_force_optimum, improving_single_move, random_dag
from hypothesis import example, given, settings
from hypothesis import strategies as st

from schedbench import evaluate
from schedbench.problem import Problem
from schedbench.solvers.base import Status
from schedbench.solvers.refine import improve, legalize
from schedbench.solvers.registry import solve

DAGS = {
    "seed": st.integers(0, 10_000),
    "n": st.integers(1, 10),
    "stages": st.integers(1, 5),
    "distances": st.booleans(),
}


@settings(max_examples=60, deadline=None)
@given(**DAGS)
def test_legalize_makes_any_wish_feasible(seed, n, stages, distances):
    problem = random_dag(np.random.default_rng(seed), n, stages, with_distances=distances)
    wishes = np.random.default_rng(seed).integers(-2, stages + 2, (8, n))
    assert evaluate(problem, legalize(problem, wishes)).feasible.all()


@settings(max_examples=60, deadline=None)
@given(**DAGS)
def test_local_search_keeps_feasibility_and_never_worsens(seed, n, stages, distances):
    problem = random_dag(np.random.default_rng(seed), n, stages, with_distances=distances)
    start = problem.asap
    better = improve(problem, start, rng=np.random.default_rng(seed))
    before, after = evaluate(problem, start), evaluate(problem, better)
    assert after.feasible[0] and after.cost[0] <= before.cost[0]
    assert improving_single_move(problem, better) is None  # it stopped at a local optimum


@pytest.mark.parametrize("distances", [False, True])
def test_local_search_reports_its_progress_on_the_way(distances):
    """A descent can take the whole budget on a large design: what it found must reach
    the tracker before the deadline, not when the search returns."""
    problem = random_dag(np.random.default_rng(5), 300, 8, p=0.02, with_distances=distances)
    reported: list[np.ndarray] = []
    final = improve(problem, problem.asap, report=reported.append, report_every=0.0)
    costs = [evaluate(problem, s).cost[0] for s in reported]
    assert len(reported) >= 2 and all(evaluate(problem, s).feasible[0] for s in reported)
    assert costs == sorted(costs, reverse=True)  # every accepted move lowers the cost or ties
    assert evaluate(problem, final).cost[0] <= costs[-1] < evaluate(problem, problem.asap).cost[0]
    silent: list[np.ndarray] = []
    improve(problem, problem.asap, report=silent.append, report_every=3600.0)
    assert silent == []  # throttled


def test_single_moves_balance_independent_nodes():
    problem = Problem.from_arrays(4, [], [], [5, 5, 5, 5], stages=2, ratio=1)
    assert evaluate(problem, improve(problem, np.zeros(4, np.int64))).peak[0] == 10


def test_pair_move_reaches_the_balance_single_moves_cannot():
    """Loads 7+3 | 6+2: every single move raises the peak, swapping 3 and 2 gives 9 | 9."""
    problem = Problem.from_arrays(4, [], [], [7, 3, 6, 2], stages=2, ratio=1)
    start = np.array([0, 0, 1, 1])
    assert evaluate(problem, improve(problem, start)).peak[0] == 9


def test_pair_moves_skip_pairs_joined_by_an_edge():
    """The only balancing swap would put a successor before its predecessor's stage."""
    problem = Problem.from_arrays(3, [1], [2], [7, 3, 2], stages=2, ratio=1)
    start = np.array([0, 0, 1])  # loads 10 | 2; swapping 3 (node 1) with 2 (node 2) is illegal
    result = evaluate(problem, improve(problem, start))
    assert result.feasible[0]


SMALL = {
    "gauss": {"epochs": 20, "batch": 8},
    "gs_plus": {"epochs": 4, "batch": 8, "device": "cpu"},
    "local_search": {},
    "hybrid": {"share": 0.3},
}


@pytest.mark.parametrize("solver", list(SMALL))
@settings(max_examples=12, deadline=None)
@given(**DAGS)
@example(seed=198, n=7, stages=2, distances=True)  # topo_chunk finds no chunking: start at ASAP
def test_beyond_solvers_are_feasible_and_exact_where_they_should_be(
    solver, seed, n, stages, distances
):
    problem = random_dag(np.random.default_rng(seed), n, stages, with_distances=distances)
    budget = 5 if solver == "hybrid" else 2  # CP-SAT must finish beside a cold helper
    result = solve(problem, solver, time_limit=budget, seed=seed, **SMALL[solver])
    assert result.schedule is not None, result.message
    checked = evaluate(problem, result.schedule)
    assert checked.feasible[0] and result.cost == checked.cost[0]
    if solver == "local_search":  # its last schedule is a local optimum
        assert improving_single_move(problem, result.schedule) is None
    if solver == "hybrid":  # CP-SAT finishes on these sizes
        assert result.status is Status.OPTIMAL and result.cost == brute_force_optimum(problem)


GS_PLUS_SWITCHES = [
    {"logit_mask": False},
    {"memory_loss": "entropy"},
    {"memory_loss": "smoothmax"},
    {"temperature_schedule": "constant"},
    {"init": "paper"},
    {"init": "window"},
    {"local_search": False},
]


@pytest.mark.parametrize("switch", GS_PLUS_SWITCHES, ids=lambda s: "-".join(map(str, s.items())))
def test_every_gs_plus_switch_runs(switch):
    problem = random_dag(np.random.default_rng(9), 25, 4, with_distances=True)
    result = solve(problem, "gs_plus", time_limit=30, epochs=5, batch=16, device="cpu", **switch)
    assert result.status is Status.FEASIBLE and evaluate(problem, result.schedule).feasible[0]
    assert len(result.records) == 5


def test_logit_mask_samples_are_legal_and_learn():
    """Logit-space masking: every sample legal, and the loss falls on a small instance."""
    problem = random_dag(np.random.default_rng(11), 40, 5, p=0.08)
    result = solve(
        problem,
        "gs_plus",
        time_limit=60,
        epochs=60,
        batch=32,
        device="cpu",
        local_search=False,
        init="paper",
    )
    losses = [r["loss"] for r in result.records]
    assert np.mean(losses[-10:]) < np.mean(losses[:10])


@pytest.mark.parametrize("init", ["topo_chunk", "window", "asap"])
def test_gauss_records_and_inits(init):
    problem = random_dag(np.random.default_rng(4), 30, 5, with_distances=True)
    result = solve(problem, "gauss", time_limit=30, epochs=30, init=init, local_search=False)
    assert result.status is Status.FEASIBLE
    assert {"loss", "peak", "comm", "violation", "sigma", "best_cost"} <= set(result.records[0])
    sigmas = [r["sigma"] for r in result.records]
    assert sigmas[0] > sigmas[-1] == pytest.approx(0.05)  # annealed to sigma_final


def test_hybrid_hands_its_best_schedule_to_the_exact_phase():
    problem = random_dag(np.random.default_rng(6), 30, 5, p=0.2)
    result = solve(problem, "hybrid", time_limit=6, share=0.3, threads=1, mode="handover")
    assert "then cpsat (compact)" in result.message
    times = [t for t, _ in result.incumbents]
    costs = [c for _, c in result.incumbents]
    assert times == sorted(times) and costs == sorted(costs, reverse=True)  # one curve
    assert result.bound is not None and result.bound <= result.cost


def test_concurrent_hybrid_is_exact_with_a_helper_beside_it():
    problem = random_dag(np.random.default_rng(4), 9, 4, with_distances=True)
    result = solve(problem, "hybrid", time_limit=10, mode="concurrent", first="local_search")
    assert result.status is Status.OPTIMAL and result.cost == brute_force_optimum(problem)
    assert "with local_search beside it at nice 19" in result.message


@pytest.mark.parametrize(
    ("until", "priority"),
    [("overtaken", "low"), ("first_exact", "low"), ("end", "low"), ("end", "until_exact")],
)
def test_concurrent_hybrid_stops_its_helper_once_overtaken(monkeypatch, until, priority):
    """Once the exact side beats every schedule the helper sent, the helper only costs
    the exact side cycles: with until="overtaken" it is told to stop then, with
    until="first_exact" already at the exact side's first schedule, even a worse one."""
    import threading
    import time

    from schedbench.solvers import hybrid, registry
    from schedbench.solvers.base import Outcome, SolveContext, Tracker
    from schedbench.solvers.topo_chunk import best_chunking

    problem = random_dag(np.random.default_rng(3), 9, 4, p=0.3)
    optimum = solve(problem, "cpsat", time_limit=10)
    opening = evaluate(problem, best_chunking(problem, problem.topological_order)).cost[0]
    assert optimum.status is Status.OPTIMAL and optimum.cost < opening
    worse = problem.asap  # the exact side's first schedule: worse than the helper's opening
    assert evaluate(problem, worse).cost[0] > opening
    seen: list[float] = []
    gone: list[bool] = []

    def helper_running() -> bool:
        return any(t.name == "hybrid-receiver" for t in threading.enumerate())

    def exact_after_the_helper(ctx, formulation):  # the helper's opening, a worse, a better
        while ctx.tracker.best_schedule is None and ctx.remaining() > 0:
            time.sleep(0.02)
        seen.append(ctx.tracker.best_cost)
        assert not ctx.tracker.offer(worse)
        gone_by = time.perf_counter() + 2.0  # the helper gone: its receiver thread ended
        while helper_running() and time.perf_counter() < gone_by:
            time.sleep(0.05)
        gone.append(not helper_running())
        assert ctx.tracker.offer(optimum.schedule)
        time.sleep(0.5)
        return Outcome(Status.OPTIMAL, bound=optimum.cost)

    fake = type("FakeExact", (), {"run": staticmethod(exact_after_the_helper)})
    real = registry.backend
    monkeypatch.setattr(registry, "backend", lambda n, m=None: fake if n == "fake" else real(n, m))
    tracker = Tracker(problem, None, time.perf_counter())
    ctx = SolveContext(problem, 30.0, 1, 0, tracker)
    outcome = hybrid.run(  # patience: the helper idles 15 s after its opening unless stopped
        ctx, first="asap", exact="fake", until=until, priority=priority, patience=0.5
    )
    assert seen == [opening]  # the helper's topo_chunk opening came first
    assert gone == [until == "first_exact"], outcome.message
    assert tracker.best_cost == optimum.cost and outcome.status is Status.OPTIMAL
    stopped = {"overtaken": "overtaken by fake)", "first_exact": "helper stopped then)"}
    assert ("helper stopped" in outcome.message) == (until in stopped), outcome.message
    assert until not in stopped or outcome.message.endswith(stopped[until]), outcome.message
    assert "fake's first schedule at" in outcome.message
    lowered = "helper at nice 19 from then on" in outcome.message  # once the exact side delivers
    assert lowered == (priority == "until_exact"), outcome.message
    assert tracker.on_offer is None and tracker.on_incumbent is None  # left as it was


def test_hybrid_helper_waits_its_patience_and_never_starts_when_stopped_meanwhile(
    monkeypatch,
):
    """The helper sends its opening at once, then loads its solver only after ``wait``
    seconds, and not at all if told to stop (end of input) while it waits."""
    import io
    import pickle
    import threading
    import time

    from schedbench.solvers import hybrid, registry

    problem = random_dag(np.random.default_rng(8), 30, 5, p=0.15)
    started: list[float] = []
    fake = type("Fake", (), {"run": staticmethod(lambda ctx, **_: started.append(time.time()))})
    monkeypatch.setattr(registry, "backend", lambda name, m=None: fake)

    def opening(wait: float) -> bytes:
        return pickle.dumps((problem, "gauss", {}, 60.0, 0, wait))

    outbox = io.BytesIO()
    begun = time.time()
    hybrid.helper_main(io.BytesIO(opening(30.0)), outbox)  # input ends while it waits
    assert time.time() - begun < 5 and started == []
    assert evaluate(problem, pickle.loads(outbox.getvalue())).feasible[0]

    read, write = os.pipe()  # input stays open: the helper starts after its wait
    os.write(write, opening(0.4))
    with os.fdopen(read, "rb") as inbox:
        begun = time.time()
        worker = threading.Thread(target=hybrid.helper_main, args=(inbox, io.BytesIO()))
        worker.start()
        worker.join(timeout=10)
        os.close(write)  # end of input: its listener stops
        time.sleep(0.2)
    assert len(started) == 1 and started[0] - begun >= 0.4


def test_renice_lowers_every_thread_of_a_process():
    """Nice values are per thread on Linux: the helper's threads all go to the idle cycles."""
    import subprocess
    import sys

    from schedbench.solvers.hybrid import _renice

    code = (
        "import threading, time\n"
        "threading.Thread(target=time.sleep, args=(30,), daemon=True).start()\n"
        "print(flush=True)\n"
        "time.sleep(30)\n"
    )
    with subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE) as child:
        try:
            child.stdout.readline()  # both threads are running
            _renice(child.pid, 19)
            tasks = os.listdir(f"/proc/{child.pid}/task")
            assert len(tasks) == 2
            assert all(os.getpriority(os.PRIO_PROCESS, int(t)) == 19 for t in tasks)
        finally:
            child.kill()


def test_hybrid_helper_speaks_pickles_and_stops_at_end_of_input():
    """The helper process: schedules out as it finds them, incumbents in, EOF = stop."""
    import io
    import pickle
    import subprocess
    import sys
    import time

    problem = random_dag(np.random.default_rng(8), 40, 5, p=0.15)
    from schedbench.solvers.hybrid import HELPER

    helper = subprocess.Popen(
        [sys.executable, "-c", HELPER, "19"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    pickle.dump((problem, "local_search", {}, 60.0, 0, 0.0), helper.stdin)
    helper.stdin.flush()
    first = pickle.load(helper.stdout)  # its opening schedule
    assert evaluate(problem, first).feasible[0]
    pickle.dump(problem.asap, helper.stdin)  # an incumbent from the exact side
    helper.stdin.flush()
    closed = time.perf_counter()
    helper.stdin.close()
    assert helper.wait(timeout=20) == 0  # stopped long before its 60 s budget
    assert time.perf_counter() - closed < 15
    rest = io.BytesIO(helper.stdout.read())  # whatever it found before it stopped
    helper.stdout.close()
    while rest.tell() < len(rest.getbuffer()):
        assert evaluate(problem, pickle.load(rest)).feasible[0]


def test_concurrent_hybrid_does_not_import_torch_before_cpsat_starts():
    """Importing torch in the parent held CP-SAT's start back by seconds (measured)."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from schedbench.solvers import hybrid\n"
        "print(hybrid.version())\n"
        "assert 'torch' not in sys.modules, 'hybrid.version() imported torch'\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("torch ") and "ortools" in done.stdout
