"""The Hydra app behind ``python -m schedbench.harness``.

python -m schedbench.harness solver=gs dataset=rw7 budget=quick
python -m schedbench.harness -m solver=gs,cpsat_compact dataset=rw1,rw4 seed=0,1,2
python -m schedbench.harness +experiment=fig3          # a preset sweep
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import hydra
from omegaconf import DictConfig, OmegaConf

from schedbench.harness.config import register

register()


def spec_from_config(cfg: DictConfig) -> Any:
    """Turn a composed config into a RunSpec (loads the dataset: bad input fails here)."""
    from schedbench.datasets import load
    from schedbench.harness.runner import RunSpec

    params = OmegaConf.to_container(cfg.dataset.params, resolve=True)
    stages = cfg.stages if cfg.stages is not None else cfg.dataset.stages
    ratio = cfg.ratio if cfg.ratio is not None else cfg.dataset.ratio
    problem = load(cfg.dataset.name, stages=int(stages), ratio=_number(ratio), **params)
    solver_key = _choice("solver") or cfg.solver.name
    threads = cfg.threads if cfg.threads is not None else (os.cpu_count() or 1)
    return RunSpec(
        dataset=cfg.dataset.name if not params.get("path") else Path(params["path"]).stem,
        solver_key=solver_key,
        solver=cfg.solver.name,
        problem=problem,
        budget=float(cfg.budget.seconds),
        interval=float(cfg.budget.interval),
        seed=int(cfg.seed),
        threads=int(threads),
        grace=float(cfg.budget.grace),
        options=OmegaConf.to_container(cfg.solver.options, resolve=True),
        module=cfg.solver.module,
        results_dir=Path(cfg.results.dir).resolve(),
        force=bool(cfg.force),
        progress=bool(cfg.progress),
        config=OmegaConf.to_container(cfg, resolve=True),
    )


def _choice(group: str) -> str | None:
    """The config-group option picked for ``group`` (e.g. 'cpsat_compact'), if Hydra runs."""
    from hydra.core.hydra_config import HydraConfig

    if not HydraConfig.initialized():
        return None
    return HydraConfig.get().runtime.choices.get(group)


def _number(value: Any) -> float:
    number = float(value)
    return int(number) if number.is_integer() else number


@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
def main(cfg: DictConfig) -> dict[str, Any] | None:
    from schedbench.harness.runner import execute
    from schedbench.harness.tables import write_tables
    from schedbench.problem import ProblemError

    debug = os.environ.get("SCHEDBENCH_DEBUG")
    try:
        spec = spec_from_config(cfg)
    except (ProblemError, ValueError, OSError) as err:
        if debug:
            raise
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    from schedbench.harness.progress import position

    where = position()
    spec.label = f"[{where}] " if where else ""
    record = execute(spec)
    write_tables(spec.results_dir)
    state = "skipped (already finished)" if record.get("skipped") else record["status"]
    print(
        f"{spec.label}{spec.dataset}/{spec.solver_key}/seed{spec.seed}: {state}, best cost "
        f"{record['best_cost']} (bound {record.get('bound')}) -> {spec.paths.folder}"
    )
    return record
