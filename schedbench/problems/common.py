"""What every problem class on a :class:`~schedbench.graph.Graph` shares: the graph's
facts as properties (:class:`OnGraph`), the typed-operation facts and ``node:cycle`` text
of the HLS classes (:class:`TypedOperations`), one checked schedule (:class:`Report`) and
the cheapest feasible schedule of a batch (:func:`cheapest`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from schedbench.graph import Graph
from schedbench.node_arrays import ProblemError
from schedbench.problems.schedule_text import format_starts, parse_starts

# the differentiable HLS schedulers serve both typed-operation classes (rcs and tcs)
HLS_SOLVERS = {"hls_gs": "schedbench.solvers.hls.gs", "hls_gauss": "schedbench.solvers.hls.gauss"}


class OnGraph:
    """The graph facts a class exposes as its own (the class has a ``graph`` field)."""

    graph: Graph

    @property
    def name(self) -> str:
        return self.graph.name

    @property
    def labels(self) -> Sequence[str]:
        return self.graph.labels

    @property
    def n(self) -> int:
        return self.graph.n

    @property
    def m(self) -> int:
        return self.graph.m

    @property
    def src(self) -> np.ndarray:
        return self.graph.src

    @property
    def dst(self) -> np.ndarray:
        return self.graph.dst


class TypedOperations(OnGraph):
    """RCS and TCS: operations typed by ``graph.op_type``, a ``delay`` per type (the
    class's field); their delays, earliest starts, tails, critical path and schedules as
    HeuriGym's ``node:cycle`` lines."""

    delay: np.ndarray

    def lower_bounds(self) -> dict[str, int]:
        """The class's lower bounds on the objective by name (each class says which)."""
        raise NotImplementedError

    @property
    def lower_bound(self) -> int:
        return max(self.lower_bounds().values())

    @property
    def trivial_lower_bound(self) -> int:
        """The bound every run reports before any solver proves one (the best of ours)."""
        return self.lower_bound

    @cached_property
    def node_delay(self) -> np.ndarray:
        return self.delay[self.graph.op_type]

    def start_cycles(self, starts: object) -> np.ndarray:
        """A batch of schedules as [B, n] whole start cycles ([n] is one schedule); a wrong
        width or a fractional cycle is a one-line error."""
        s = np.atleast_2d(np.asarray(starts))
        if s.ndim != 2 or s.shape[1] != self.n:
            raise ProblemError(
                f"a schedule has {s.shape[-1]} start cycles; this instance has {self.n}"
            )
        if not np.issubdtype(s.dtype, np.integer):
            if not np.all(np.isfinite(s)) or not np.all(s == np.round(s)):
                raise ProblemError("start cycles must be whole numbers")
            s = s.astype(np.int64)
        return s

    @cached_property
    def asap(self) -> np.ndarray:
        """Earliest start of each operation with unlimited units."""
        return earliest_starts(self.graph, self.node_delay)

    @cached_property
    def tail(self) -> np.ndarray:
        """Longest path from each operation's end to the end of the schedule (0 at a sink)."""
        d = self.node_delay
        tail = np.zeros(self.n, dtype=np.int64)
        for v in self.graph.topological_order[::-1]:
            for w in self.graph.successors[v]:
                tail[v] = max(tail[v], d[w] + tail[w])
        return tail

    @cached_property
    def critical_path(self) -> int:
        """The latency with unlimited units."""
        return int((self.asap + self.node_delay).max())

    def format_schedule(self, start: object) -> str:
        """HeuriGym's output format: one ``node:cycle`` line per operation."""
        return format_starts(self.labels, start)

    def parse_schedule(self, text: str) -> np.ndarray:
        """Start cycles from ``node:cycle`` lines (any order; every operation once)."""
        return parse_starts(self.labels, text)


def earliest_starts(graph: Graph, node_delay: np.ndarray) -> np.ndarray:
    """Earliest start of each node when an edge u -> v needs s_v >= s_u + delay_u."""
    start = np.zeros(graph.n, dtype=np.int64)
    for v in graph.topological_order:
        for w in graph.successors[v]:
            start[w] = max(start[w], start[v] + node_delay[v])
    return start


@dataclass(frozen=True)
class Report:
    """One schedule checked by a class other than the paper's: ``reason()`` names what is
    wrong ('' when feasible); the paper's terms peak and comm are absent."""

    feasible: bool
    cost: float
    why: str
    peak: None = None
    comm: None = None

    def reason(self) -> str:
        return self.why


def cheapest(feasible: np.ndarray, cost: np.ndarray) -> int | None:
    """Index of the cheapest feasible schedule of a batch, or None when none is."""
    if not feasible.any():
        return None
    return int(np.argmin(np.where(feasible, cost, np.iinfo(np.int64).max)))


def param_number(
    value: object, key: str, *, least: float | None = None, above: float | None = None,
    whole: bool = False,
) -> float | int:  # fmt: skip
    """A dataset parameter checked as a number (``whole``: an integer), at least ``least``
    or above ``above``; any other value is a one-line error naming
    ``dataset.params.<key>`` and the fix."""
    kind = "a whole number" if whole else "a number"
    floor = f" >= {least:g}" if least is not None else f" > {above:g}" if above is not None else ""
    example = least if least is not None else (above + 1 if above is not None else 1)
    fix = f"; give {kind}{floor}, e.g. dataset.params.{key}={example:g}"
    number = None
    if not isinstance(value, bool) and isinstance(value, int | float | np.number):
        number = float(value)
    if number is None or not np.isfinite(number) or (whole and number != int(number)):
        raise ProblemError(f"dataset.params.{key} is {value!r}{fix}")
    if (least is not None and number < least) or (above is not None and number <= above):
        raise ProblemError(f"dataset.params.{key}={value!r} is out of range{fix}")
    return int(number) if whole else number
