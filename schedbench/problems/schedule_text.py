"""The ``node:cycle`` schedule text of the HLS classes (HeuriGym's output format): one
line per operation, its label and its start cycle, in any order."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from schedbench.graph import ProblemError


def format_starts(labels: Sequence[str], start: object) -> str:
    """One ``node:cycle`` line per operation, in the instance's order."""
    s = np.asarray(start).reshape(-1)
    return "".join(f"{label}:{int(t)}\n" for label, t in zip(labels, s, strict=True))


def parse_starts(labels: Sequence[str], text: str) -> np.ndarray:
    """Start cycles from ``node:cycle`` lines (any order; every operation once)."""
    position = {label: i for i, label in enumerate(labels)}
    start = np.full(len(labels), -1, dtype=np.int64)
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        label, sep, cycle = line.rpartition(":")
        if not sep or label not in position or not cycle.strip().lstrip("-").isdigit():
            raise ProblemError(f"schedule line {number} ({line!r}) is not '<operation>:<cycle>'")
        start[position[label]] = int(cycle)
    missing = [labels[i] for i in np.flatnonzero(start < 0)]
    if missing:
        raise ProblemError(f"the schedule has no start cycle for {missing[0]!r}")
    return start
