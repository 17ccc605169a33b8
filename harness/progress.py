"""Sweep progress: how many runs a multirun has, so each run can say "run k/N".

Hydra does not tell a job the size of its sweep; this callback counts the combinations
of the sweep overrides (command line and ``hydra.sweeper.params``) when the multirun
starts and leaves the number in ``SCHEDBENCH_SWEEP_TOTAL`` for the jobs (launchers copy
the environment into their workers).
"""

from __future__ import annotations

import os
from typing import Any

from hydra.experimental.callback import Callback

TOTAL_VARIABLE = "SCHEDBENCH_SWEEP_TOTAL"


def sweep_axes(sweeper_params: dict[str, Any] | None, overrides: list[str]) -> dict[str, list[str]]:
    """The sweep as Hydra's basic sweeper expands it: per swept key its ``key=value``
    choices, from the experiment's ``hydra.sweeper.params`` then the command line's (a
    sweep there replaces the experiment's, a plain value fixes the key for every job and
    leaves the axes). The one expansion the progress count, the plan and the verdict's
    protocol size share."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parser = OverridesParser.create()
    axes: dict[str, list[str]] = {}
    for key, value in (sweeper_params or {}).items():
        override = parser.parse_override(f"{key}={value}")
        name = override.get_key_element()
        values = override.sweep_string_iterator() if override.is_sweep_override() else None
        axes[name] = [f"{name}={v}" for v in values] if values else [f"{key}={value}"]
    for item in overrides:
        override = parser.parse_override(item)
        name = override.get_key_element()
        if override.is_sweep_override():
            axes[name] = [f"{name}={v}" for v in override.sweep_string_iterator()]
        else:
            axes.pop(name, None)
    return axes


def sweep_size(task_overrides: list[str], sweeper_params: dict[str, str] | None) -> int:
    """Number of jobs the basic sweeper makes from these overrides."""
    total = 1
    for choices in sweep_axes(sweeper_params, task_overrides).values():
        total *= len(choices)
    return total


class SweepProgress(Callback):
    def on_multirun_start(self, config: Any, **kwargs: Any) -> None:
        params = config.hydra.sweeper.get("params") or {}
        total = sweep_size(
            list(config.hydra.overrides.task), {str(k): str(v) for k, v in params.items()}
        )
        os.environ[TOTAL_VARIABLE] = str(total)


def position() -> str:
    """'run k/N' inside a multirun job, else ''."""
    from hydra.core.hydra_config import HydraConfig

    total = os.environ.get(TOTAL_VARIABLE)
    if not total or not HydraConfig.initialized():
        return ""
    number = HydraConfig.get().job.get("num")
    return "" if number is None else f"run {int(number) + 1}/{total}"
