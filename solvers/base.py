"""What every solver back-end shares: statuses, the result record and the incumbent tracker.

A back-end only translates: it builds its library's model, runs it, and hands each
schedule it finds to :meth:`Tracker.offer`. The tracker re-checks the schedule with the
one evaluator, keeps the best, and forwards it to the caller's ``on_incumbent``; a
schedule the evaluator rejects turns the run into an ``error``, never a silent success.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np

from schedbench.classes import Instance
from schedbench.evaluate import Evaluation, relative_gap

OnIncumbent = Callable[[np.ndarray, float, float | None], None]
OnRejected = Callable[[str], None]
# Set when the harness asks this process to end its search early (its schedule met a
# proved bound): every back-end then sees its budget spent and returns what it has.
STOP_REQUESTED = threading.Event()
_ON_STOP: list[Callable[[], None]] = []


def request_stop() -> None:
    """End the search: back-ends see their budget spent, and a library solve in progress
    is interrupted where its back-end said how (:func:`interruptible`)."""
    STOP_REQUESTED.set()
    for stop in list(_ON_STOP):
        stop()


@contextlib.contextmanager
def interruptible(stop: Callable[[], None]) -> Iterator[None]:
    """Within, a stop request calls ``stop``: a library's thread-safe interrupt (CP-SAT's
    ``stop_search``), for a solve that runs in native code and never checks the clock."""
    _ON_STOP.append(stop)
    try:
        if STOP_REQUESTED.is_set():
            stop()
        yield
    finally:
        _ON_STOP.remove(stop)


class Status(StrEnum):
    OPTIMAL = "optimal"  # proven optimal (cost == bound)
    FEASIBLE = "feasible"  # finished before the budget with a schedule, optimality not proven
    NO_SOLUTION = "no_solution"  # finished, found nothing (or proved infeasibility)
    TIMEOUT = "timeout"  # the budget ran out; the best schedule so far is kept
    ERROR = "error"  # the library failed or reported a schedule the evaluator rejects
    SKIPPED = "skipped"  # could not run here (missing package, license limit); see message
    # the harness's, never a back-end's:
    STOPPED = "stopped"  # a portfolio member the run stopped (another's event, no patience)
    INTERRUPTED = "interrupted"  # the sitting was stopped mid-run; rerun on resume


@dataclass
class SolveResult:
    """The outcome of one solver on one problem (PyJobShop-style result record)."""

    solver: str
    status: Status
    schedule: np.ndarray | None = None
    cost: float | None = None
    peak: int | None = None  # the paper's class's terms (None in another class)
    comm: int | None = None
    terms: dict[str, float] = field(default_factory=dict)  # the class's named cost terms
    bound: float | None = None  # best lower bound proven by the solver, if it has one
    trivial_bound: float | None = None
    lp_bound: float | None = None
    build_time: float = 0.0  # seconds spent building the library's model
    solve_time: float = 0.0  # wall seconds after the model was built: wall_time - build_time
    # seconds from the clock's start to the search's: imports, unpickling, model build
    startup_time: float = 0.0
    wall_time: float = 0.0  # seconds from the call to the return, build included
    first_incumbent_time: float | None = None
    time_to_best: float | None = None
    incumbents: list[tuple[float, float]] = field(default_factory=list)  # (wall time, cost)
    version: str = ""
    formulation: str | None = None
    message: str = ""
    records: list[dict[str, float]] = field(default_factory=list)  # per epoch/iteration
    device: str = "cpu"

    @property
    def best_bound(self) -> float | None:
        """The strongest bound known: solver, LP relaxation or trivial."""
        known = [b for b in (self.bound, self.lp_bound, self.trivial_bound) if b is not None]
        return max(known) if known else None

    @property
    def gap(self) -> float | None:
        """(cost - bound) / cost, the usual MIP gap, using the strongest bound."""
        if self.cost is None or self.best_bound is None:
            return None
        return relative_gap(self.cost, self.best_bound)

    def __str__(self) -> str:
        gap = f"{100 * self.gap:.2f}%" if self.gap is not None else "-"
        return (
            f"{self.solver} ({self.formulation or '-'}, {self.version}): {self.status}\n"
            f"  cost {self.cost} (peak {self.peak}, comm {self.comm})\n"
            f"  bound {self.best_bound}, gap {gap}\n"
            f"  build {self.build_time:.2f}s, solve {self.solve_time:.2f}s, "
            f"wall {self.wall_time:.2f}s\n"
            f"  {self.message}".rstrip()
        )


class Tracker:
    """Re-checks, keeps and forwards incumbents; times are seconds since the solve began."""

    def __init__(
        self,
        problem: Instance,
        on_incumbent: OnIncumbent | None,
        started: float,
        on_rejected: OnRejected | None = None,
    ):
        self.problem = problem
        self.on_incumbent = on_incumbent
        self.on_rejected = on_rejected  # told of every rejected report (its reason)
        self.started = started
        self.best_schedule: np.ndarray | None = None
        self.best_cost: float = math.inf
        self.history: list[tuple[float, float]] = []
        self.rejected: str = ""  # the first rejected report's reason
        self.rejections = 0
        self._lock = threading.Lock()  # offers may come from a solver's callback thread too

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def offer(self, schedule: Any, bound: float | None = None) -> bool:
        """Evaluate a reported schedule; True when it is feasible and the new best."""
        with self._lock:
            return self._offer(schedule, bound)

    def _offer(self, schedule: Any, bound: float | None) -> bool:
        stages = np.asarray(schedule, dtype=np.int64).reshape(-1)
        result = self.problem.evaluate(stages)
        if not result.feasible[0]:
            reason = self.problem.report(stages).reason()
            self.rejected = self.rejected or reason
            self.rejections += 1
            if self.on_rejected is not None:
                self.on_rejected(reason)
            return False
        cost = result.cost[0].item()
        if cost >= self.best_cost:
            return False
        self.best_cost = cost
        self.best_schedule = stages.copy()
        now = self.elapsed()
        self.history.append((now, cost))
        if self.on_incumbent is not None:
            self.on_incumbent(self.best_schedule, now, bound)
        return True

    def offer_batch(self, schedules: np.ndarray, result: Evaluation | None = None) -> bool:
        """Offer the cheapest feasible schedule of a batch (``result``: its evaluation)."""
        result = self.problem.evaluate(schedules) if result is None else result
        best = result.best()
        if best is None:
            return False
        return self.offer(np.asarray(schedules)[best])


@dataclass
class Outcome:
    """What a back-end says about its run; the shared code turns it into a SolveResult.

    ``status`` is the library's own verdict where it has one (proved optimal, proved
    infeasible, stopped at its time limit, failed, cannot run here); a back-end without
    one (a heuristic) leaves it None, and :func:`decide_status` tells FEASIBLE from
    TIMEOUT by the clock."""

    status: Status | None = None
    bound: float | None = None
    build_time: float = 0.0  # seconds the back-end spent building its library's model
    message: str = ""
    records: list[dict[str, float]] = field(default_factory=list)
    device: str = "cpu"  # where the search ran ("cuda" for a GPU run)


def decide_status(
    claim: Status | None,
    has_schedule: bool,
    elapsed: float,
    time_limit: float,
    *,
    killed: bool = False,
    late: int = 0,
    rejected: bool = False,
) -> Status:
    """A run's status: the one rule, used by :func:`~schedbench.solvers.registry.solve`
    and by the harness runner (which adds what only it sees: a kill at budget + grace,
    incumbents after the budget, a report its evaluator rejected)."""
    if rejected:
        return Status.ERROR
    if claim in (Status.ERROR, Status.SKIPPED, Status.NO_SOLUTION):
        return claim
    if killed or late:
        return Status.TIMEOUT  # a proof or a schedule after the budget belongs to a longer run
    ran_out = elapsed >= time_limit - max(0.05, 0.01 * time_limit)
    if not has_schedule:
        if claim in (Status.OPTIMAL, Status.FEASIBLE):
            return Status.ERROR  # claimed a solution, reported none
        return Status.TIMEOUT if ran_out or claim is Status.TIMEOUT else Status.NO_SOLUTION
    if claim is Status.OPTIMAL:
        return Status.OPTIMAL
    return Status.TIMEOUT if ran_out or claim is Status.TIMEOUT else Status.FEASIBLE


def host_memory_gb() -> float:
    """Memory this process can still use: the host's available memory, capped by what its
    address-space limit (``budget.memory_gb``) leaves beside what it already maps."""
    import os
    import resource

    try:
        with open("/proc/meminfo") as info:
            fields = dict(line.split(":", 1) for line in info)
        free = int(fields["MemAvailable"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):  # not Linux
        free = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    limit = resource.getrlimit(resource.RLIMIT_AS)[0]
    if limit == resource.RLIM_INFINITY:
        return free / 2**30
    try:  # the limit caps the address space, of which the process already holds some
        with open("/proc/self/status") as status:
            held = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize"))
    except (OSError, StopIteration, ValueError):
        held = 0
    return min(free, max(0, limit - held)) / 2**30


def too_large(need_gb: float, have_gb: float, what: str, advice: str = "") -> Outcome | None:
    """A SKIPPED outcome, before anything is built, when ``what`` would need more memory
    than there is (the estimate is the back-end's: it knows its library's footprint)."""
    if need_gb <= have_gb:
        return None
    message = f"would need {need_gb:.1f} GB for {what}, {have_gb:.1f} GB free"
    return Outcome(Status.SKIPPED, message=f"{message}; {advice}" if advice else message)


def integral_bound(problem: Instance, bound: float | None) -> float | None:
    """Round a solver's floating dual bound up when every cost is an integer."""
    if bound is None or not math.isfinite(bound):
        return None
    if problem.integral_costs:
        return float(math.ceil(bound - 1e-6))
    return bound


@dataclass
class SolveContext:
    """The run settings a back-end receives, the same for every solver."""

    problem: Instance
    time_limit: float
    threads: int
    seed: int
    tracker: Tracker
    warm_start: np.ndarray | None = None

    @property
    def deadline(self) -> float:
        return self.tracker.started + self.time_limit

    def report(self, schedule: Any, bound: float | None = None) -> bool:
        """Report a schedule (the harness checks and records it); True if it is the new best."""
        return self.tracker.offer(schedule, bound=bound)

    def report_batch(self, schedules: np.ndarray, result: Evaluation | None = None) -> bool:
        """Report the cheapest feasible schedule of a batch (``result``: its evaluation)."""
        return self.tracker.offer_batch(schedules, result)

    def elapsed(self) -> float:
        """Seconds since the run began (the one clock: model building counts)."""
        return self.tracker.elapsed()

    @property
    def best_schedule(self) -> np.ndarray | None:
        """The best schedule reported so far (checked)."""
        return self.tracker.best_schedule

    @property
    def best_cost(self) -> float:
        """Its cost (inf before any)."""
        return self.tracker.best_cost

    def should_stop(self) -> bool:
        """Whether the budget is spent."""
        return self.remaining() <= 0

    def remaining(self) -> float:
        """Seconds left of the budget (model building counts); 0 once the harness asked
        the search to end (:data:`STOP_REQUESTED`)."""
        if STOP_REQUESTED.is_set():
            return 0.0
        return max(0.0, self.deadline - time.perf_counter())
