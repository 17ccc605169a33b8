"""The sweep planner counts exactly the jobs the runner would still run."""

from __future__ import annotations

import subprocess
import sys

import pytest

from schedbench.harness.plan import jobs, main


def test_plan_counts_what_a_sweep_left_and_keys_match_the_runner(tmp_path, capsys):
    sweep = ["-m", "solver=topo_chunk,asap", "dataset=rw4", "budget=smoke", "seed=0",
             f"results.dir={tmp_path}", "threads=1"]  # fmt: skip
    done = subprocess.run([sys.executable, "-m", "schedbench.harness", *sweep],
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    planned = jobs(["solver=topo_chunk,asap", "dataset=rw4", "budget=smoke", "seed=0,1",
                    f"results.dir={tmp_path}", "threads=1"])  # fmt: skip
    finished = sorted(" ".join(job.overrides) for job in planned if job.finished)
    assert finished == ["solver=asap seed=0", "solver=topo_chunk seed=0"]
    assert len(planned) == 4
    assert main(["solver=topo_chunk", "dataset=rw4", "budget=smoke", "budget.seconds=30",
                 f"results.dir={tmp_path}", "threads=2", "--list"]) == 0  # fmt: skip
    out = capsys.readouterr().out  # threads=2 is another run key: not finished
    assert out.startswith("0 of 1 runs finished; 1 to run, at most 0.0 h")


def test_an_experiments_own_sweep_is_expanded(tmp_path):
    planned = jobs(["+experiment=verdict_long", f"results.dir={tmp_path}"])
    assert len(planned) == 8 and not any(job.finished for job in planned)
    assert {job.seconds for job in planned} == {630.0}


def test_a_single_valued_sweeper_param_is_kept(tmp_path):
    """fig5's sweep fixes ``++solver.options.epochs: 75``: it shapes every job's key."""
    planned = jobs(["+experiment=fig5", "dataset=rw4", "solver=gs", "seed=1",
                    f"results.dir={tmp_path}"])  # fmt: skip
    assert [job.overrides for job in planned] == [["++solver.options.epochs=75"]]


def test_a_bad_override_is_one_line(capsys):
    assert main(["solver=nope"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Could not find 'solver/nope'") and err.count("\n") == 1


# run keys of the committed verdict (docs/results/runs.csv): (the key recorded before the
# sampling interval left the key, the key now). The first must still come out of
# ``legacy_key`` (so ``python -m schedbench.harness.migrate`` finds the old records), the
# second is what docs/results holds after that migration.
PINNED = {
    ("+experiment=verdict", "dataset=rw4", "solver=list"): ("7d4589fb4a", "7247cc330f"),
    ("+experiment=verdict", "dataset=rw4", "solver=gs"): ("61eff02b68", "9ff3abfb10"),
    ("+experiment=verdict", "dataset=rw4", "solver=cpsat_compact"): ("4bcd6f8a87", "2458d947fc"),
    ("+experiment=verdict", "dataset=rw4", "solver=hybrid"): ("49009d4e6b", "2a0324d99b"),
    ("+experiment=verdict", "dataset=adder", "solver=gs"): ("66e16007b0", "56bed4be57"),
    ("+experiment=verdict_long", "dataset=square", "solver=gs"): ("300ca6d683", "aa8803bc7e"),
    (
        "+experiment=fig5",
        "dataset=adder",
        "solver=gs_adam",
        "seed=1",
        "++solver.options.epochs=75",
        "threads=2",
    ): ("37dec8734b", "2839697fb1"),
}


@pytest.mark.parametrize("overrides", list(PINNED), ids=lambda o: " ".join(o[1:3]))
def test_run_keys_of_the_committed_verdict_are_unchanged(overrides):
    from hydra import compose, initialize_config_module
    from omegaconf import open_dict

    from schedbench.harness.app import spec_from_config

    with initialize_config_module("schedbench.conf", version_base="1.3"):
        cfg = compose("config", overrides=list(overrides), return_hydra_config=True)
        solver = cfg.hydra.runtime.choices.get("solver")
        with open_dict(cfg):
            del cfg["hydra"]
        spec = spec_from_config(cfg, solver_key=solver)
        assert (spec.legacy_key, spec.key) == PINNED[overrides]
