"""Structured configs (dataclasses) for the Hydra app: typos fail with Hydra's own message."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, OmegaConf


@dataclass
class SolverConf:
    name: str = MISSING  # a registered solver (schedbench.solvers.registry) ...
    module: str | None = None  # ... or a module path of your own back-end
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class DatasetConf:
    name: str = MISSING
    stages: int | None = None  # the paper's class's L and R (other classes have none)
    ratio: float | None = None
    params: dict[str, Any] = field(default_factory=dict)
    label: str | None = None  # the name in records and tables (default: name, a file's stem)


@dataclass
class BudgetConf:
    seconds: float = MISSING  # wall-clock budget of one run, model building included
    interval: float = MISSING  # sampling interval of the best-so-far curve
    grace: float = 10.0  # extra seconds before the solver process is terminated, then killed
    memory_gb: float | None = None  # address-space limit of the solver process (None: none)


@dataclass
class ResultsConf:
    dir: str = "results"


@dataclass
class RunConf:
    solver: SolverConf = field(default_factory=SolverConf)
    dataset: DatasetConf = field(default_factory=DatasetConf)
    budget: BudgetConf = field(default_factory=BudgetConf)
    results: ResultsConf = field(default_factory=ResultsConf)
    stages: int | None = None
    ratio: float | None = None
    seed: int = 0
    threads: int | None = None
    warm_start: str | None = None  # "best_known" (the registry's schedule) or a node,stage CSV
    force: bool = False
    progress: bool = True


def register() -> None:
    """Make the schema available to ``conf/config.yaml``'s defaults list, and every
    installed class's solvers and datasets that have no YAML of their own selectable as
    ``solver=<name>`` and ``dataset=<name>`` (a plugin class needs no config file)."""
    from importlib.resources import files

    from schedbench import classes
    from schedbench.solvers.registry import modules

    store = ConfigStore.instance()
    store.store(name="schedbench_schema", node=RunConf)
    conf = files("schedbench.conf")
    for name in modules():
        if not conf.joinpath("solver", f"{name}.yaml").is_file():
            store.store(group="solver", name=name, node=SolverConf(name=name))
    for plugin in classes.classes().values():
        for entry in plugin.catalogue():
            yaml = conf.joinpath(f"dataset/{entry.name}.yaml")
            if yaml.is_file():  # an alias is the same config under another name
                node = OmegaConf.create(yaml.read_text())
            else:
                node = DatasetConf(name=entry.name, params=dict(entry.params or {}))
            for name in (entry.name, *entry.aliases):
                group, _, leaf = f"dataset/{name}".rpartition("/")
                if not conf.joinpath(group, f"{leaf}.yaml").is_file():
                    store.store(group=group, name=leaf, node=node)
