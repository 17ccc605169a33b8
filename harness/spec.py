"""What one run is (:class:`RunSpec`), independent of Hydra, and its key: the fingerprint
of everything that shapes its result, which names its folder and lets a finished run be
skipped."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from schedbench.classes import Instance
from schedbench.harness.compose import Member, split_threads
from schedbench.harness.records import RunPaths


@dataclass
class RunSpec:
    """Everything one run needs, independent of Hydra (tests build it directly)."""

    dataset: str
    solver_key: str  # the solver config's name (e.g. cpsat_compact): the record's "solver"
    solver: str  # the registered back-end name
    problem: Instance
    budget: float
    interval: float
    seed: int = 0
    threads: int = 1
    grace: float = 10.0
    memory_gb: float | None = None  # RLIMIT_AS of the worker: a run over it fails alone
    options: dict[str, Any] = field(default_factory=dict)
    module: str | None = None
    results_dir: Path = Path("results")
    force: bool = False
    progress: bool = False
    config: dict[str, Any] = field(default_factory=dict)
    label: str = ""  # e.g. "[run 3/18] " in a sweep, shown on the progress bar
    command: str | None = None  # the command line that reruns this run
    composition: str = "single"  # or "portfolio", "relay" (then ``members`` run, not solver)
    members: list[Member] = field(default_factory=list)
    share: float = 0.5  # relay: the first member's part of the budget
    warm_start: Any = None  # a feasible schedule the (first) solver starts from, or None

    def team(self) -> list[Member]:
        """The workers this run starts, each with its threads (the run's, split)."""
        if self.composition == "single":
            return [Member(self.solver, dict(self.options), self.threads, self.module)]
        if self.composition not in ("portfolio", "relay"):
            raise ValueError(f"unknown composition {self.composition!r}; use portfolio or relay")
        return split_threads(self.members, self.threads, self.composition)

    @property
    def key(self) -> str:
        """Fingerprint of everything but dataset name, solver name and seed that shapes a
        run's result: the instance itself, back-end (and its REVISION), options (the
        back-end's defaults included, so a changed default is a new run), budget,
        threads. The sampling interval is not in it: curves are sampled after the run."""
        return self._key(with_interval=False)

    @property
    def legacy_key(self) -> str:
        """The key records made before the interval left it carry: only for
        ``python -m schedbench.harness.migrate``."""
        return self._key(with_interval=True)

    def _key(self, *, with_interval: bool) -> str:
        from schedbench.solvers.registry import resolved_options, revision

        code = revision(self.solver, self.module) if self.composition == "single" else None
        blob = json.dumps(
            {
                **({"revision": code} if code is not None else {}),
                "problem": self.problem.digest,
                "backend": self.solver,
                "module": self.module,
                "options": resolved_options(self.solver, dict(self.options), self.module)
                if self.composition == "single"
                else {
                    "composition": self.composition,
                    "share": self.share if self.composition == "relay" else None,
                    "members": [
                        m.fingerprint()
                        for m in split_threads(self.members, self.threads, self.composition)
                    ],
                },
                "budget": self.budget,
                **({"interval": self.interval} if with_interval else {}),
                "threads": self.threads,
                "memory_gb": self.memory_gb,
                **({"warm_start": self._warm_digest()} if self.warm_start is not None else {}),
            },
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(blob.encode()).hexdigest()[:10]

    def _warm_digest(self) -> str:
        stages = np.ascontiguousarray(self.warm_start, np.int64)
        return hashlib.sha256(stages.tobytes()).hexdigest()[:16]

    @property
    def paths(self) -> RunPaths:
        return RunPaths.of(self.results_dir, self.dataset, self.solver_key, self.seed, self.key)
