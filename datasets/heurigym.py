"""HeuriGym's 24 operator-scheduling instances (resource-constrained minimum latency).

``heurigym/<name>`` is the instance ``operator_scheduling/dataset/<size>/<name>.json`` of
the public HeuriGym repository at a pinned commit, read from
``SCHEDBENCH_HEURIGYM_DIR/<commit>/...`` (default ``$XDG_CACHE_HOME/schedbench/heurigym``)
and downloaded there on first use; its published reference latency is in
``baseline/baseline.json`` at a later commit (:func:`reference_latency`).
"""

from __future__ import annotations

import json
from pathlib import Path

from schedbench.datasets.graph import fetch, user_cache
from schedbench.problems.icml24 import ProblemError
from schedbench.problems.rcs import RCSProblem, read_heurigym

REPOSITORY = "cornell-zhang/heurigym"
COMMIT = "f862faf3973da9dc7d4334a8518b3a80dbdd4b07"  # the instances
BASELINE_COMMIT = "fcdce4fd63da1cad8252492addbf36e6a987940f"  # the reference latencies
URL = "https://raw.githubusercontent.com/{repo}/{commit}/operator_scheduling/{path}"
SIZES: dict[str, tuple[str, ...]] = {
    "demo": ("demo", "hal", "horner"),
    "small": (
        "arf", "collapse", "cosine1", "cosine2", "ewf", "feedback", "fir1", "fir2", "h2v2",
        "motion",
    ),
    "medium": (
        "idctcol", "interpolate", "invert", "jpeg_fdct", "jpeg_idct", "matmul", "smooth",
        "write",
    ),
    "large": ("dag_500", "dag_1000", "dag_1500"),
}  # fmt: skip
NAMES = tuple(name for names in SIZES.values() for name in names)
PREFIX = "heurigym/"


def data_root() -> Path:
    """``SCHEDBENCH_HEURIGYM_DIR`` or ``$XDG_CACHE_HOME/schedbench/heurigym``."""
    return user_cache("SCHEDBENCH_HEURIGYM_DIR", "heurigym")


def _fetch(commit: str, path: str) -> Path:
    return fetch(
        URL.format(repo=REPOSITORY, commit=commit, path=path),
        data_root() / commit / "operator_scheduling" / path,
        "set SCHEDBENCH_HEURIGYM_DIR to a folder holding <commit>/operator_scheduling/...",
    )


def load(name: str) -> RCSProblem:
    """The instance ``name`` (with or without the ``heurigym/`` prefix)."""
    name = name.removeprefix(PREFIX)
    size = next((s for s, names in SIZES.items() if name in names), None)
    if size is None:
        raise ProblemError(f"unknown HeuriGym instance {name!r}; choose one of {', '.join(NAMES)}")
    return read_heurigym(_fetch(COMMIT, f"dataset/{size}/{name}.json"))


def reference_latency(name: str) -> int:
    """HeuriGym's published reference latency of ``name``."""
    table = json.loads(_fetch(BASELINE_COMMIT, "baseline/baseline.json").read_text())
    return int(table[name.removeprefix(PREFIX)])
