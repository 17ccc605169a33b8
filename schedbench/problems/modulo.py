"""Modulo scheduling (``modulo``): a loop body pipelined at an initiation interval II.

Operations with a latency, optionally on a resource with a blocking time and a limit
(-1: unlimited); edges i -> j with a delay and an iteration distance (distance > 0: a
loop-carried dependence, so the graph may have cycles, each of positive total distance).
A schedule is II and a start t_i >= 0 per operation with t_i + lat_i + delay_ij <= t_j +
distance_ij * II on every edge, and for every limited resource and slot k in 0..II-1 at
most ``limit`` operations busy at a time congruent to k (an operation is busy for its
blocking time from its start). Objective: II, then the length max(t_i + lat_i).

The harness's schedule vector is [t_0, ..., t_{n-1}, II] (labels: the operations', then
``"II"``); the cost is II * LENGTH_SCALE + length, which orders schedules exactly as the
lexicographic objective since a length >= LENGTH_SCALE is refused. The statement is
docs/problems/modulo.md; readers are in :mod:`.modulo_formats`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from schedbench.node_arrays import ProblemError
from schedbench.problems.common import Report, cheapest
from schedbench.problems.loops import LENGTH_SCALE, LoopBounds, flat_schedule, longest_paths

__all__ = [
    "LENGTH_SCALE", "MAX_II", "PROBLEM_CLASS", "ModuloEvaluation", "ModuloProblem", "longest_paths",
]  # fmt: skip

II_LABEL = "II"  # the schedule vector's last entry
MAX_II = 10**9  # keeps every cost an exact integer in float64


@dataclass(frozen=True, eq=False)
class ModuloProblem(LoopBounds):
    """A validated loop body; build it with :meth:`from_lists` (one-line errors). Its
    bounds come from :class:`~schedbench.problems.loops.LoopBounds`."""

    name: str
    operations: tuple[str, ...]  # labels, as the input named them
    op_type: np.ndarray  # per operation: index into ``types``
    types: tuple[str, ...]
    latency: np.ndarray  # per operation
    resource: np.ndarray  # per operation: index into ``resources``, -1 for none
    blocking: np.ndarray  # per operation: cycles its resource stays busy (0 without one)
    resources: tuple[str, ...]
    limit: np.ndarray  # per resource; -1 is unlimited
    src: np.ndarray
    dst: np.ndarray
    delay: np.ndarray  # per edge
    distance: np.ndarray  # per edge

    CLASS = "modulo"
    integral_costs = True

    @classmethod
    def from_lists(
        cls,
        name: str,
        operations: list[tuple[str, str, str | None]],
        edges: list[tuple[str, str, int, int]],
        types: dict[str, int],
        resources: dict[str, tuple[int, int]],
    ) -> ModuloProblem:
        """From (label, operator type, resource or None) operations, (src, dst, delay,
        distance) edges, latency per operator type and (limit, blocking time) per
        resource. Every rule of the statement is checked here, one line per error."""
        if not operations:
            raise ProblemError(f"loop {name!r} has no operations; give at least one")
        labels = tuple(str(op[0]) for op in operations)
        index = {label: i for i, label in enumerate(labels)}
        if len(index) != len(labels):
            dup = next(x for x in labels if labels.count(x) > 1)
            raise ProblemError(f"loop {name!r}: operation {dup!r} is listed twice; name each once")
        if II_LABEL in index:
            raise ProblemError(
                f"loop {name!r}: an operation is named {II_LABEL!r}, which a schedule uses for "
                "the initiation interval; rename it"
            )
        for key, value in types.items():
            if not _whole(value, 0):
                raise ProblemError(
                    f"loop {name!r}: the latency of operator type {key!r} is {value!r}; give a "
                    "whole number >= 0"
                )
        for key, value in resources.items():
            if not (isinstance(value, tuple | list) and len(value) == 2 and _whole(value[1], 0)
                    and (_whole(value[0], 0) or value[0] == -1)):  # fmt: skip
                raise ProblemError(
                    f"loop {name!r}: resource {key!r} is {value!r}; give (limit, blocking time) "
                    "as whole numbers, limit >= 1 or -1 (unlimited), blocking time >= 0"
                )
        type_names = tuple(dict.fromkeys(str(op[1]) for op in operations))
        for label, kind, res in operations:
            if kind not in types:
                raise ProblemError(
                    f"loop {name!r}: operation {label!r} has operator type {kind!r}, which the "
                    "library does not describe; add its latency"
                )
            if res is not None and res not in resources:
                raise ProblemError(
                    f"loop {name!r}: operation {label!r} uses resource {res!r}, which is not "
                    "described; add its limit (and blocking time)"
                )
            if res is not None and resources[res][0] == 0:
                raise ProblemError(
                    f"loop {name!r}: resource {res!r} has limit 0 but operation {label!r} uses "
                    "it; give a limit >= 1 (or -1 for unlimited)"
                )
        res_names = tuple(dict.fromkeys(r for _, _, r in operations if r is not None))
        res_of = {r: k for k, r in enumerate(res_names)}
        src, dst, delay, distance = [], [], [], []
        for e, (a, b, d, q) in enumerate(edges):
            for end in (a, b):
                if end not in index:
                    raise ProblemError(
                        f"loop {name!r}: edge {e} ({a} -> {b}) names {end!r}, which is not an "
                        "operation"
                    )
            for what, v in (("delay", d), ("distance", q)):
                if not _whole(v, 0):
                    raise ProblemError(
                        f"loop {name!r}: edge {a} -> {b} has {what} {v!r}; give a whole number >= 0"
                    )
            src.append(index[a])
            dst.append(index[b])
            delay.append(int(d))
            distance.append(int(q))
        problem = cls(
            name=name,
            operations=labels,
            op_type=np.asarray([type_names.index(op[1]) for op in operations], np.int64),
            types=type_names,
            latency=np.asarray([int(types[op[1]]) for op in operations], np.int64),
            resource=np.asarray([res_of.get(op[2], -1) for op in operations], np.int64),
            blocking=np.asarray(
                [int(resources[op[2]][1]) if op[2] is not None else 0 for op in operations],
                np.int64,
            ),
            resources=res_names,
            limit=np.asarray([int(resources[r][0]) for r in res_names], np.int64),
            src=np.asarray(src, np.int64),
            dst=np.asarray(dst, np.int64),
            delay=np.asarray(delay, np.int64),
            distance=np.asarray(distance, np.int64),
        )
        problem._require_positive_cycles()
        return problem

    def _require_positive_cycles(self) -> None:
        """Every cycle needs a positive total distance: the distance-0 edges form a DAG."""
        import networkx as nx

        zero = self.distance == 0
        graph = nx.DiGraph()
        graph.add_nodes_from(range(self.n_ops))
        graph.add_edges_from(zip(self.src[zero].tolist(), self.dst[zero].tolist(), strict=True))
        try:
            cycle = nx.find_cycle(graph)
        except nx.NetworkXNoCycle:
            return
        names = " -> ".join(self.operations[u] for u, _ in cycle)
        raise ProblemError(
            f"loop {self.name!r}: the cycle {names} -> {self.operations[cycle[0][0]]} has total "
            "distance 0 (an operation would wait for itself); give one of its edges a distance >= 1"
        )

    # ------------------------------------------------------------------ the protocol

    @property
    def n_ops(self) -> int:
        return len(self.operations)

    @property
    def n(self) -> int:
        """The schedule vector's width: a start per operation, then II."""
        return self.n_ops + 1

    @property
    def m(self) -> int:
        return len(self.src)

    @property
    def labels(self) -> tuple[str, ...]:
        return (*self.operations, II_LABEL)

    @cached_property
    def weight(self) -> np.ndarray:
        """Per edge, the cycles from the source's start to the target's: lat_i + delay_ij."""
        return self.latency[self.src] + self.delay

    @cached_property
    def limited(self) -> np.ndarray:
        """Operations on a limited resource with a positive blocking time."""
        has = self.resource >= 0
        if not has.any():
            return np.flatnonzero(has)
        lim = np.where(has, self.limit[np.maximum(self.resource, 0)], -1)
        return np.flatnonzero(has & (lim > 0) & (self.blocking > 0))

    @cached_property
    def digest(self) -> str:
        blob = json.dumps(
            {
                "class": self.CLASS,
                "operations": list(self.operations),
                "latency": self.latency.tolist(),
                "resource": self.resource.tolist(),
                "blocking": self.blocking.tolist(),
                "limit": self.limit.tolist(),
                "edges": np.stack([self.src, self.dst, self.delay, self.distance], 1).tolist(),
            }
        )
        return hashlib.sha256(blob.encode()).hexdigest()

    # ------------------------------------------------------------------ schedules

    def split(self, schedules: object) -> tuple[np.ndarray, np.ndarray]:
        """[B, n_ops] starts and [B] II from [B, n] (or [n]) schedule vectors."""
        s = np.atleast_2d(np.asarray(schedules))
        if s.ndim != 2 or s.shape[1] != self.n:
            raise ProblemError(
                f"a schedule has {s.shape[-1]} entries; this loop needs {self.n} "
                f"({self.n_ops} start cycles, then II)"
            )
        if not np.issubdtype(s.dtype, np.integer):
            if not np.all(np.isfinite(s)) or not np.all(s == np.round(s)):
                raise ProblemError("start cycles and II must be whole numbers")
            s = s.astype(np.int64)
        return s[:, :-1], s[:, -1]

    @staticmethod
    def join(start: np.ndarray, ii: int) -> np.ndarray:
        """The schedule vector of ``start`` at ``ii``."""
        return np.append(np.asarray(start, np.int64), np.int64(ii))

    def slot_usage(self, start: np.ndarray, ii: np.ndarray) -> np.ndarray:
        """[K, 4] rows (schedule, resource, slot, busy count) for every (resource, slot)
        of a schedule that someone holds; sparse, so a huge II costs nothing."""
        ops = self.limited
        if not ops.size or not len(start):
            return np.zeros((0, 4), np.int64)
        period = np.maximum(ii, 1)[:, None]
        keys = []
        for k in range(int(self.blocking[ops].max())):
            on = ops[self.blocking[ops] > k]
            slots = (start[:, on] + k) % period  # [B, len(on)]
            rows = np.broadcast_to(np.arange(len(start))[:, None], slots.shape)
            res = np.broadcast_to(self.resource[on], slots.shape)
            keys.append(np.stack([rows.ravel(), res.ravel(), slots.ravel()], 1))
        held, count = np.unique(np.concatenate(keys), axis=0, return_counts=True)
        return np.concatenate([held, count[:, None]], 1)

    def oversubscribed(self, start: np.ndarray, ii: np.ndarray) -> np.ndarray:
        """[K, 4] (schedule, resource, slot, count) where a count exceeds the limit."""
        usage = self.slot_usage(start, ii)
        cap = np.where(self.limit > 0, self.limit, np.iinfo(np.int64).max)
        return usage[usage[:, 3] > cap[usage[:, 1]]] if len(usage) else usage

    def evaluate(self, schedules: object) -> ModuloEvaluation:
        """Feasibility, II, length and cost of a batch of schedule vectors."""
        start, ii = self.split(schedules)
        length = (start + self.latency).max(axis=1)
        bad = (ii < 1) | (ii > MAX_II) | (start < 0).any(axis=1) | (length >= LENGTH_SCALE)
        late = start[:, self.src] + self.weight > start[:, self.dst] + self.distance * ii[:, None]
        bad |= late.any(axis=1)
        ok = ~bad
        if ok.any() and self.limited.size:
            over = self.oversubscribed(start[ok], ii[ok])
            bad[np.flatnonzero(ok)[np.unique(over[:, 0])]] = True
        return ModuloEvaluation(~bad, ii, length)

    def report(self, schedule: object) -> Report:
        s = np.asarray(schedule).reshape(-1)
        result = self.evaluate(s)
        why = "" if result.feasible[0] else self.check(s)
        return Report(bool(result.feasible[0]), float(result.cost[0]), why)

    def check(self, schedule: object) -> str:
        """'' for a feasible schedule, else its first broken rule, in one line."""
        start, ii = self.split(schedule)
        if self.evaluate(schedule).feasible[0]:
            return ""
        t, p = start[0], int(ii[0])
        if p < 1 or p > MAX_II:
            return f"the initiation interval is {p}; it must be a whole number in 1..{MAX_II:,}"
        if (t < 0).any():
            i = int(np.flatnonzero(t < 0)[0])
            return f"operation {self.operations[i]!r} starts at {t[i]} < 0"
        length = int((t + self.latency).max())
        if length >= LENGTH_SCALE:
            return f"the schedule length {length} is not below {LENGTH_SCALE} cycles"
        late = np.flatnonzero(t[self.src] + self.weight > t[self.dst] + self.distance * p)
        if late.size:
            e = int(late[0])
            a, b = self.src[e], self.dst[e]
            return (
                f"edge {self.operations[a]!r} -> {self.operations[b]!r} (delay {self.delay[e]}, "
                f"distance {self.distance[e]}) is broken at II {p}: {self.operations[a]!r} "
                f"starts at {t[a]} with latency {self.latency[a]}, {self.operations[b]!r} "
                f"starts at {t[b]}"
            )
        over = self.oversubscribed(start, ii)
        if len(over):
            _, r, k, count = (int(x) for x in over[0])
            return (
                f"resource {self.resources[r]!r} is oversubscribed: {count} operations are "
                f"busy in slot {k} of II {p}; its limit is {self.limit[r]}"
            )
        return "infeasible"

    @cached_property
    def reference_schedule(self) -> np.ndarray:
        """The loop without overlap: a resource-constrained list schedule of one iteration
        (the distance-0 edges, operations in topological order), at the II that keeps
        iterations apart (its span, and what each loop-carried edge asks)."""
        start = flat_schedule(self)
        span = int(max((start + np.maximum(self.latency, self.blocking)).max(), 1))
        need = start[self.src] + self.weight - start[self.dst]
        carried = self.distance > 0
        ii = span
        if carried.any():
            ii = max(ii, int(np.max(-(-need[carried] // self.distance[carried]))))
        schedule = self.join(start, ii)
        assert self.evaluate(schedule).feasible[0], self.check(schedule)
        return schedule

    def facts(self) -> dict[str, object]:
        return {
            "n": self.n,
            "m": self.m,
            "operations": self.n_ops,
            "carried": int((self.distance > 0).sum()),
            "limited": int(self.limited.size),
            "res_mii": self.res_mii,
            "rec_mii": self.rec_mii,
            "min_ii": self.min_ii,
        }

    def format_schedule(self, schedule: object) -> str:
        """``node,start`` lines, then ``II,<ii>`` (:mod:`.modulo_formats`)."""
        from schedbench.problems.modulo_formats import format_schedule

        return format_schedule(self, schedule)

    def parse_schedule(self, text: str) -> np.ndarray:
        """A schedule vector from ``node,start`` rows (:mod:`.modulo_formats`)."""
        from schedbench.problems.modulo_formats import parse_schedule

        return parse_schedule(self, text)


@dataclass(frozen=True)
class ModuloEvaluation:
    """Per schedule of a batch: feasible, II and length; the cost orders them
    lexicographically (II * LENGTH_SCALE + length)."""

    feasible: np.ndarray
    ii: np.ndarray
    length: np.ndarray

    @property
    def cost(self) -> np.ndarray:
        return self.ii * LENGTH_SCALE + self.length

    @property
    def terms(self) -> dict[str, np.ndarray]:
        return {"ii": self.ii, "length": self.length}

    def best(self) -> int | None:
        return cheapest(self.feasible, self.cost)


def _whole(value: object, least: int) -> bool:
    """``value`` is a whole number >= ``least`` (bools and strings are not)."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer):
        return False
    return value == int(value) and value >= least


from schedbench.problems.modulo_class import PROBLEM_CLASS  # noqa: E402  (the entry point)
