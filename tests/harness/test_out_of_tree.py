"""A solver from outside the repository through the real command line: README's recipe,
and a record whose command reruns it."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd

OUT_OF_TREE_SOLVER = '''"""A solver outside schedbench: every node at its earliest stage."""

LIBRARY = PIP = "none"
CLASSES = ("icml24",)


def version() -> str:
    return "mine 1"


def run(ctx, **options):
    ctx.report(ctx.problem.asap)
    from schedbench.solvers.base import Outcome

    return Outcome(message=f"shift={options['shift']}")
'''


def test_a_solver_from_outside_the_repository_runs_through_the_cli(tmp_path):
    """README's recipe: the module on PYTHONPATH, its YAML in a folder on Hydra's search path."""
    package = tmp_path / "elsewhere"
    (package / "conf" / "solver").mkdir(parents=True)
    (package / "my_solver.py").write_text(OUT_OF_TREE_SOLVER)
    (package / "conf" / "solver" / "mine.yaml").write_text(
        "name: mine\nmodule: my_solver\noptions:\n  shift: 0\n"
    )
    results = tmp_path / "results"
    env = {**os.environ, "PYTHONPATH": f"{package}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "schedbench.harness",
            f"hydra.searchpath=[file://{package / 'conf'}]",
            "solver=mine",
            "dataset=rw4",
            "budget=smoke",
            "threads=1",
            f"results.dir={results}",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "rw4/mine/seed0: finished, feasible" in done.stdout
    runs = pd.read_csv(results / "runs.csv")
    assert runs.loc[0, "solver"] == "mine" and runs.loc[0, "message"] == "shift=0"
    command = runs.loc[0, "command"]  # reruns without the caller's PYTHONPATH
    assert command.startswith(f"PYTHONPATH={package} python -m schedbench.harness "), command
    plain = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    again = subprocess.run(
        ["bash", "-c", command.replace("python", sys.executable, 1)],
        capture_output=True,
        text=True,
        env=plain,
        timeout=120,
        cwd=tmp_path,
    )
    assert again.returncode == 0 and "skipped (already finished)" in again.stdout, again.stderr
