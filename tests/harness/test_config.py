"""The Hydra config: groups compose, overrides apply, typos fail with Hydra's message."""

from __future__ import annotations

import pytest
from hydra import compose, initialize_config_module
from hydra.errors import ConfigCompositionException
from omegaconf.errors import ValidationError

from schedbench.harness.app import spec_from_config


@pytest.fixture
def compose_run():
    def run(*overrides: str):
        with initialize_config_module(version_base="1.3", config_module="schedbench.conf"):
            return compose(config_name="config", overrides=list(overrides))

    return run


def test_defaults_and_groups(compose_run):
    cfg = compose_run("solver=cpsat_compact", "dataset=adder", "budget=quick")
    assert cfg.solver.name == "cpsat" and cfg.solver.options.formulation == "compact"
    assert (cfg.dataset.name, cfg.dataset.ratio, cfg.dataset.stages) == ("adder", 100, 10)
    assert (cfg.budget.seconds, cfg.budget.interval) == (60, 6)


def test_paper_budget(compose_run):
    cfg = compose_run("budget=paper")
    assert (cfg.budget.seconds, cfg.budget.interval) == (3600, 360)


def test_top_level_overrides_reach_the_problem(compose_run, tmp_path):
    cfg = compose_run(
        "dataset=rw4", "stages=6", "ratio=100", "seed=3", "threads=1", f"results.dir={tmp_path}"
    )
    spec = spec_from_config(cfg)
    assert (spec.problem.stages, spec.problem.ratio, spec.seed, spec.threads) == (6, 100, 3, 1)


def test_unknown_solver(compose_run):
    with pytest.raises(ConfigCompositionException, match="Could not find 'solver/gss'"):
        compose_run("solver=gss")


def test_bad_budget_type(compose_run):
    with pytest.raises(ConfigCompositionException, match=r"budget\.seconds=abc") as info:
        compose_run("budget.seconds=abc")
    assert isinstance(info.value.__cause__, ValidationError)
    assert "could not be converted to Float" in str(info.value.__cause__)


def test_every_solver_yaml_names_a_registered_solver(compose_run):
    """A registered back-end, or a composition whose members are registered back-ends."""
    from pathlib import Path

    import schedbench.conf
    from schedbench.harness.compose import COMPOSITIONS
    from schedbench.solvers.registry import modules

    SOLVERS = modules()

    folder = Path(schedbench.conf.__file__).parent / "solver"
    for yaml in folder.glob("*.yaml"):
        solver = compose_run(f"solver={yaml.stem}").solver
        if solver.name in COMPOSITIONS:
            assert all(member.solver in SOLVERS for member in solver.options.members), yaml
        else:
            assert solver.name in SOLVERS, yaml


@pytest.mark.parametrize("experiment", ["fig3", "fig4", "fig5", "table1", "smoke", "bench"])
def test_experiment_presets_compose(compose_run, experiment):
    cfg = compose_run(f"+experiment={experiment}")
    assert cfg.budget.seconds > 0


def test_a_back_ends_own_yaml_states_its_code_defaults(compose_run):
    """Options are defined once, in the back-end's ``run`` signature: a YAML named after
    its back-end (conf/solver/gs.yaml for gs) only exposes them for overrides, so every
    value it states is the code's default (a variant such as gs_adam.yaml says what it
    changes)."""
    from pathlib import Path

    import schedbench.conf
    from schedbench.solvers.registry import modules, resolved_options

    SOLVERS = modules()

    folder = Path(schedbench.conf.__file__).parent / "solver"
    checked = 0
    for yaml in sorted(folder.glob("*.yaml")):
        solver = compose_run(f"solver={yaml.stem}").solver
        if yaml.stem != solver.name or solver.name not in SOLVERS:
            continue
        stated = dict(solver.options)
        defaults = resolved_options(solver.name, {})
        for name, value in stated.items():
            assert name in defaults and defaults[name] == value, (yaml.name, name, value)
        checked += 1
    assert checked >= 10


def test_a_shipped_solver_that_does_not_import_says_reinstall(compose_run, monkeypatch):
    """A solver a class ships whose module is missing (an incomplete wheel) is a broken
    install, not a user's solver.module to fix."""
    from schedbench.harness.app import spec_from_config
    from schedbench.solvers import registry

    missing = {"list": "schedbench.solvers.not_installed"}
    monkeypatch.setattr(registry, "modules", lambda: missing)
    cfg = compose_run("solver=list", "dataset=rw4")
    with pytest.raises(ValueError, match=r"^solver 'list' cannot be imported \(Module.*reinstall"):
        spec_from_config(cfg)


def test_a_dataset_without_a_label_is_named_by_what_differs_from_its_defaults():
    from schedbench.harness.app import _label

    assert _label("adder_m", {"library": "genlib", "liberty": None}) == "adder_m[library=genlib]"
    assert _label("adder_m", {"library": "asap7", "liberty": None}) == "adder_m"
    assert _label("eds/hal", {"factor": 2.0}) == "eds/hal[factor=2.0]"  # its YAML labels it
    assert _label("file", {"path": "/somewhere/my.json", "class": None}) == "my"
    assert _label("rw1", {}) == "rw1"


@pytest.mark.parametrize("cls", ["rcs", "tcs"])
def test_the_calibration_run_is_on_the_scale_studys_instance(compose_run, cls):
    """research/scale_calibration's second condition compares the list schedule of the
    scale study's 10^3 instance with a 15-minute exact run: both must build the same graph."""
    calibration = compose_run(f"+experiment=calibration_exact_{cls}", f"solver={cls}_cpsat")
    scale = compose_run(f"+experiment=scale_{cls}", "dataset.params.nodes=1000",
                        f"solver={cls}_cpsat")  # fmt: skip
    assert calibration.dataset == scale.dataset and calibration.budget.seconds == 900


def test_a_files_label_names_the_instance_read_from_it():
    """Two instances of one .mlir file must not share a dataset name in the tables."""
    from schedbench.harness.app import _label

    assert _label("file", {"path": "loops/mp.mlir", "class": None}) == "mp"
    both = {"path": "loops/mp.mlir", "class": "modulo", "instance": "canis14_fig2"}
    assert _label("file", both) == "mp[instance=canis14_fig2]"
