"""What a sweep still has to run: ``python -m schedbench.harness.plan +experiment=verdict``.

Expands the sweep as Hydra's basic sweeper does (the experiment's sweeper params, then the
command line's), builds each job's run key as the runner does, and counts the jobs without
a finished record, with the machine time they may take (their budgets plus the grace: an
upper bound, since solvers that finish early take less). Plan sittings with it; it runs
nothing. Exit 0; bad overrides give the harness's one-line errors.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from dataclasses import dataclass

from hydra import compose, initialize_config_module
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import open_dict


@dataclass
class Job:
    overrides: list[str]
    finished: bool
    seconds: float  # budget plus grace: the most it can take


def jobs(overrides: list[str]) -> list[Job]:
    """Every job of the sweep these overrides make, in the sweeper's order."""
    from schedbench.harness.app import spec_from_config
    from schedbench.harness.progress import sweep_axes

    parser = OverridesParser.create()
    plain = [o for o in overrides if not parser.parse_override(o).is_sweep_override()]
    with initialize_config_module("schedbench.conf", version_base="1.3"):
        base = compose("config", overrides=plain, return_hydra_config=True)
        axes = sweep_axes(dict(base.hydra.sweeper.params or {}), overrides)
        found = []
        for combo in itertools.product(*axes.values()):
            job = [*plain, *combo]
            cfg = compose("config", overrides=job, return_hydra_config=True)
            solver = cfg.hydra.runtime.choices.get("solver")
            with open_dict(cfg):
                del cfg["hydra"]
            spec = spec_from_config(cfg, solver_key=solver)
            finished = spec.paths.record.is_file()
            found.append(Job(list(combo), finished, spec.budget + spec.grace))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. +experiment=verdict")
    parser.add_argument("--list", action="store_true", help="print every job still to run")
    args = parser.parse_args(argv)
    from schedbench.harness.app import hydra_error_line

    try:
        found = jobs(args.overrides)
    except Exception as err:  # Hydra's and our own input errors: one line
        print(f"error: {hydra_error_line(err)}", file=sys.stderr)
        return 2
    todo = [job for job in found if not job.finished]
    hours = sum(job.seconds for job in todo) / 3600
    print(f"{len(found) - len(todo)} of {len(found)} runs finished; {len(todo)} to run, "
          f"at most {hours:.1f} h of machine time")  # fmt: skip
    if args.list:
        for job in todo:
            print("  " + " ".join(job.overrides))
    return 0


if __name__ == "__main__":
    sys.exit(main())
