"""hybrid: a fast solver and an exact back-end on one budget, in one of two modes.

``mode="handover"`` (the issue's recipe): the fast solver runs for ``share`` of the budget,
then the exact back-end runs for the rest, warm-started from its best schedule (MIP start
/ CP-SAT hint).

``mode="concurrent"`` (the default): the exact back-end runs from t = 0 exactly as it would
alone (no hint: in single runs on RW1 and RW4 a hinted CP-SAT fell behind CP-SAT alone
after 10-15 s, and a late start costs what the head start bought), while the fast solver
runs in a helper process at the lowest CPU priority (nice 19, one thread) on the cycles the
exact back-end leaves idle, chiefly during CP-SAT's single-threaded model loading and
presolve, when it has no schedule yet. ``until`` says when the helper stops:

- ``"first_exact"`` (the default): at the exact back-end's first schedule, whatever its
  cost. From then on the run is the exact back-end alone (the helper process has ended;
  nothing beside it takes a cycle or a cache line), and before it the run has a schedule
  where the back-end alone has none. Where the exact back-end finds nothing (RW10-RW12,
  the large EPFL designs) the helper runs to the end. Given up: the helper's progress
  after a poor first exact schedule (on adder, bar and max CP-SAT alone is still 57-88 %
  over the bound at 60 s, the helper's best 14-16 %); the run keeps the helper's best
  until CP-SAT beats it.
- ``"overtaken"``: once the exact back-end finds a schedule better than all the helper
  sent; between its first schedule and then, both run. On RW1 that is 10-20 s of CP-SAT's
  search with a neighbour (the hybrid's median trailed CP-SAT alone's from 20 s on in
  most batches of sessions 4 and 5, never significantly; CP-SAT against itself does that
  about as often: ``bench/spread.py --placebo``).
- ``"end"``: to the end, each exact incumbent passed to the helper, whose refinement
  restarts from its best known schedule (gauss, gs_plus and local_search do).

Nothing the parent does may delay the exact back-end's start (importing torch there cost
seconds, measured as a head start for CP-SAT alone at every early point).

The helper sends topo_chunk's schedule at once (numpy only), then waits ``patience`` (a
share of the budget) before it loads the fast solver, and never loads it if stopped
meanwhile. Nice shares CPU time, not caches or memory bandwidth: beside a nice-19 process
streaming through 64 MB, CP-SAT's first schedule on RW1 came 2.3 s later (12.5-13.7 s
against 10.3-11.2 s alone), beside a nice-19 pure CPU loop not at all, nor beside gauss
itself at nice 19 (11.3/11.4 s against 11.5/11.7 s alone, two interleaved runs each): a
helper that streams through memory would cost CP-SAT time whatever its nice value;
``bench/interference.py --neighbours alone SOLVER`` checks one.

``priority="until_exact"`` starts the helper at nice 0 and moves it to 19 when the exact
back-end reports its first schedule (raising a nice value needs no privilege, lowering it
does): for the designs on which the exact back-end finds nothing for most of the budget
(RW10-RW12, the large EPFL designs), where a nice-19 helper starves beside CP-SAT's busy
workers.

In both modes every schedule goes through the run's one tracker, so the best-so-far curve
is continuous; the bound and the final status are the exact back-end's.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import subprocess
import sys
import threading
import time
from typing import Any, Literal

import numpy as np

from schedbench.solvers.base import Outcome, SolveContext, Status, Tracker
from schedbench.solvers.formulations import Formulation

LIBRARY = "ortools"
PIP = "ortools"


def version() -> str:
    """Read from the installed metadata, not by importing torch: in concurrent mode this
    process never needs torch (the helper does), and importing it here would hold CP-SAT's
    start back by 1-2 s, measured as a head start for CP-SAT alone at every early point."""
    from importlib import metadata

    try:
        return f"torch {metadata.version('torch')} + ortools {metadata.version('ortools')}"
    except metadata.PackageNotFoundError as missing:
        raise ImportError(f"hybrid needs {missing.name}") from missing


def run(
    ctx: SolveContext,
    first: str = "gauss",
    share: float = 0.1,
    exact: str = "cpsat",
    formulation: Formulation = "compact",
    first_options: dict[str, Any] | None = None,
    mode: Literal["handover", "concurrent"] = "concurrent",
    until: Literal["first_exact", "overtaken", "end"] = "first_exact",
    patience: float = 0.05,
    priority: Literal["low", "until_exact"] = "low",
) -> Outcome:
    from schedbench.solvers.registry import backend

    if not 0 < share < 1:
        raise ValueError(f"share={share} must lie strictly between 0 and 1")
    if not 0 <= patience < 1:
        raise ValueError(f"patience={patience} must lie in [0, 1): a share of the budget")
    if mode == "concurrent":
        return _concurrent(
            ctx, first, exact, formulation, first_options or {}, until, patience, priority
        )
    started = time.perf_counter()
    quick = SolveContext(
        ctx.problem, ctx.time_limit * share, ctx.threads, ctx.seed, ctx.tracker, ctx.warm_start
    )
    opening = backend(first).run(quick, **(first_options or {}))
    handover = ctx.tracker.elapsed()
    rest = SolveContext(
        ctx.problem,
        ctx.time_limit,
        ctx.threads,
        ctx.seed,
        ctx.tracker,
        ctx.tracker.best_schedule,
    )
    closing = backend(exact).run(rest, formulation=formulation)
    return _ending(
        ctx,
        closing,
        started,
        f"{first} until {handover:.1f} s, then {exact} ({formulation})",
        build_time=opening.build_time + closing.build_time,
        records=opening.records,
    )


def _ending(
    ctx: SolveContext,
    closing: Outcome,
    started: float,
    how: str,
    build_time: float,
    records: list[dict[str, float]] | None = None,
) -> Outcome:
    """Both modes end alike: the exact back-end's bound and status, except that a run
    holding a schedule from the fast solver is a timeout, not "no solution"."""
    status = closing.status
    if status in (Status.NO_SOLUTION, Status.ERROR) and ctx.tracker.best_schedule is not None:
        status = Status.TIMEOUT
    return Outcome(
        status,
        bound=closing.bound,
        build_time=build_time,
        solve_time=time.perf_counter() - started,
        message=f"{how}; {closing.message}".strip("; "),
        records=records or [],
    )


def _concurrent(
    ctx: SolveContext,
    first: str,
    exact: str,
    formulation: str,
    first_options: dict[str, Any],
    until: Literal["first_exact", "overtaken", "end"],
    patience: float,
    priority: Literal["low", "until_exact"],
) -> Outcome:
    """The exact back-end in this process, the fast solver in a nice-19 helper process.

    The helper is a plain ``python -c HELPER`` child talking pickles on its stdin/stdout
    (multiprocessing's spawn would re-run the caller's main script). It is stopped by
    closing its input: at the exact back-end's first schedule (``until="first_exact"``,
    seen by the tracker's ``on_offer``) or once the exact back-end beats every schedule the
    helper sent (``"overtaken"``, seen by ``on_incumbent``).
    """
    from schedbench.solvers.registry import backend

    started = time.perf_counter()
    one_thread = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    nice = 19 if priority == "low" else 0
    helper = subprocess.Popen(
        [sys.executable, "-c", HELPER, str(nice)],  # niced before any thread starts
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, **one_thread},
    )
    assert helper.stdin is not None and helper.stdout is not None
    offered = [0]
    # everything the helper gets goes through a sender thread: neither the exact
    # back-end's start nor its solution callback may wait on a pipe that the nice-19
    # helper drains slowly (a pipe holds 64 kB; the problem alone is more, and so is one
    # div schedule, 460 kB); incumbents wait in a one-slot mailbox, the latest wins
    mailbox: list[np.ndarray | None] = [None]
    news, closing_down, stop_helper = threading.Event(), threading.Event(), threading.Event()
    overtaken_at: list[float] = []
    wait = patience * ctx.time_limit
    opening = pickle.dumps((ctx.problem, first, first_options, ctx.remaining(), ctx.seed, wait))
    exact_found: list[float] = []  # when the exact back-end reported its first schedule

    def send() -> None:
        try:
            helper.stdin.write(opening)
            helper.stdin.flush()
        except (OSError, ValueError):
            return
        while not closing_down.is_set():
            if not news.wait(timeout=0.2):
                continue
            if stop_helper.is_set():
                with contextlib.suppress(OSError):
                    helper.stdin.close()  # the helper stops at end of input
                return
            news.clear()
            schedule, mailbox[0] = mailbox[0], None
            if schedule is not None:
                try:
                    pickle.dump(schedule, helper.stdin)
                    helper.stdin.flush()
                except (OSError, ValueError):
                    return

    def receive() -> None:  # the helper's schedules, offered to the run's one tracker
        with contextlib.suppress(EOFError, OSError, pickle.UnpicklingError):
            while True:
                schedule = pickle.load(helper.stdout)
                offered[0] += 1
                ctx.tracker.offer(schedule)

    def on_incumbent(previous: Any) -> Any:
        def forward(schedule: np.ndarray, when: float, bound: float | None) -> None:
            if previous is not None:
                previous(schedule, when, bound)
            if threading.current_thread() is receiver:  # the helper's own
                return
            if until == "overtaken" and offered[0] and not stop_helper.is_set():
                overtaken_at.append(ctx.tracker.elapsed())  # it beat all the helper sent
                stop_helper.set()
            else:
                mailbox[0] = schedule
            news.set()

        return forward

    receiver = threading.Thread(target=receive, daemon=True, name="hybrid-receiver")
    sender = threading.Thread(target=send, daemon=True)
    receiver.start()
    sender.start()
    own = ctx.tracker.on_incumbent
    ctx.tracker.on_incumbent = on_incumbent(own)
    own_offer = ctx.tracker.on_offer

    def exact_reports() -> None:  # every schedule reported, the helper's too (receiver)
        if own_offer is not None:
            own_offer()
        if exact_found or threading.current_thread() is receiver:
            return
        exact_found.append(ctx.tracker.elapsed())
        if until == "first_exact":  # from now on the exact back-end runs alone
            stop_helper.set()
            news.set()
        elif nice < 19:  # the helper leads no longer alone: back to the idle cycles
            _renice(helper.pid, 19)

    ctx.tracker.on_offer = exact_reports
    exact_started = ctx.tracker.elapsed()
    try:
        closing = backend(exact).run(ctx, formulation=formulation)
    finally:
        ctx.tracker.on_incumbent, ctx.tracker.on_offer = own, own_offer
        closing_down.set()
        sender.join(timeout=2)
        with contextlib.suppress(OSError):
            helper.stdin.close()  # the helper stops at end of input
        try:
            helper.wait(timeout=2)
        except subprocess.TimeoutExpired:
            helper.kill()
            helper.wait()
        receiver.join(timeout=2)
        helper.stdout.close()
    how = (
        f"{exact} ({formulation}) from {exact_started:.2f} s with {first} beside it "
        f"at nice {nice} after {wait:.1f} s ({offered[0]} helper schedules offered"
    )
    if exact_found:
        how += f"; {exact}'s first schedule at {exact_found[0]:.1f} s"
        if until == "first_exact":
            how += ", helper stopped then"
        elif nice < 19:
            how += ", helper at nice 19 from then on"
    if overtaken_at:
        how += f"; helper stopped at {overtaken_at[0]:.1f} s, overtaken by {exact}"
    how += ")"
    return _ending(ctx, closing, started, how, build_time=closing.build_time)


def helper_main(inbox: Any, outbox: Any) -> None:
    """Run the fast solver at the lowest priority on one thread. Its own tracker forwards
    each improvement to ``outbox`` and takes in the exact back-end's incumbents from
    ``inbox``, so that the solver's refinement restarts from the best schedule either side
    found. End of input means stop.

    It opens with topo_chunk's schedule, numpy only, before the fast solver's imports
    (torch: seconds at nice 19 once CP-SAT's workers are busy; on RW4 and RW6 the helper
    had sent nothing when CP-SAT found its first schedule at 3-4 s): the run has a
    schedule within a second, and the exact back-end always has something to overtake.
    Then it waits ``wait`` seconds before it loads the fast solver: where the exact
    back-end is quick (RW4-RW6: first schedule at 3-4 s, better than the opening) the
    helper's imports and first steps ran beside its presolve and delayed that schedule by
    about 1 s; stopped while it waits, the helper ends without ever starting."""
    from schedbench.solvers.registry import backend
    from schedbench.solvers.topo_chunk import best_chunking

    problem, first, options, time_limit, seed, wait = pickle.load(inbox)
    stop = threading.Event()
    lock = threading.Lock()

    def forward(schedule: np.ndarray, *_: Any) -> None:
        if threading.current_thread() is listener:  # the parent's own schedule
            return
        with lock, contextlib.suppress(OSError):
            pickle.dump(schedule, outbox)
            outbox.flush()

    tracker = Tracker(problem, forward, time.perf_counter())

    def listen() -> None:  # a closed inbox (ValueError) is the end of input too
        with contextlib.suppress(EOFError, OSError, ValueError, pickle.UnpicklingError):
            while True:
                tracker.offer(pickle.load(inbox))
        stop.set()

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    opening = best_chunking(problem, problem.topological_order)  # before torch loads
    if opening is not None:
        tracker.offer(opening)
    if stop.wait(timeout=wait):
        return
    ctx = _Stoppable(problem, time_limit, 1, seed, tracker, stop=stop)
    backend(first).run(ctx, **options)


class _Stoppable(SolveContext):
    """A context whose remaining time drops to 0 when the parent says stop."""

    def __init__(self, *args: Any, stop: threading.Event) -> None:
        super().__init__(*args)
        self.stop = stop

    def remaining(self) -> float:
        return 0.0 if self.stop.is_set() else super().remaining()


def helper_process() -> None:
    """The helper's entry point: pickles on stdin/stdout, stray prints to stderr."""
    protocol = sys.stdout.buffer
    sys.stdout = sys.stderr  # stray prints must not break the pickles on stdout
    helper_main(sys.stdin.buffer, protocol)
    sys.stderr.flush()
    os._exit(0)  # do not wait for the listener thread blocked on stdin


def _renice(pid: int, nice: int) -> None:
    """Raise every thread of ``pid`` to ``nice`` (Linux nice values are per thread; threads
    created later inherit their creator's). Raising a nice value needs no privilege,
    lowering it does, which is why a helper that may run at nice 0 starts there."""
    try:
        threads = [int(tid) for tid in os.listdir(f"/proc/{pid}/task")]
    except OSError:  # no /proc (macOS): there the nice value is the process's
        threads = [pid]
    for thread in threads:
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, thread, nice)


HELPER = (
    "import contextlib, os, sys\n"
    "with contextlib.suppress(OSError):\n"
    "    os.nice(int(sys.argv[1]))\n"
    "from schedbench.solvers.hybrid import helper_process\n"
    "helper_process()\n"
)
