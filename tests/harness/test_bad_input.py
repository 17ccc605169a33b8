"""Bad input through the real command line: one clear line, a non-zero exit, no record.

Each case is what a user could plausibly type or feed; the expected text is the part of
the message that says what is wrong (README's troubleshooting table lists the full lines).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": f"{TESTS}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
ENV.pop("SCHEDBENCH_DEBUG", None)
ENV.pop("HYDRA_FULL_ERROR", None)


def gml(nodes, edges, directed=1) -> str:
    text = f"graph [\n  directed {directed}\n"
    for node, weight in nodes:
        text += f'  node [ id {node} label "n{node}" parameter {weight} ]\n'
    for edge in edges:
        extra = f" distance {edge[3]}" if len(edge) > 3 else ""
        text += f"  edge [ source {edge[0]} target {edge[1]} parameter {edge[2]}{extra} ]\n"
    return text + "]\n"


NODES = [(0, 1), (1, 2), (2, 3)]
CHAIN = [(0, 1, 1), (1, 2, 1)]
FILES = {
    "cyclic.gml": gml(NODES, [*CHAIN, (2, 0, 1)]),
    "selfloop.gml": gml(NODES, [(0, 1, 1), (1, 1, 1)]),
    "negative.gml": gml([(0, -1), (1, 2), (2, 3)], CHAIN),
    "fractional.gml": gml([(0, 1.5), (1, 2), (2, 3)], CHAIN),
    "nan.gml": gml([(0, "NAN"), (1, 2), (2, 3)], CHAIN),
    "missing.gml": gml(NODES, CHAIN).replace(" parameter 1 ]", " ]", 1),
    "distances.gml": gml(NODES, [(0, 1, 1, 6), (1, 2, 1, 6)]),
    "empty.gml": "graph [\n  directed 1\n]\n",
    "truncated.gml": gml(NODES, CHAIN)[:90],
    "undirected.gml": gml(NODES, CHAIN, directed=0),
    "good.gml": gml(NODES, CHAIN),
    "broken.lib": "library (broken) {\n  cell (INV) { area : 1;\n",
    "badedge.json": '{"delay": {"a": 1}, "resource": {"a": 1}, "nodes": [["x", "a"]], '
    '"edges": [["a"]]}',
    "graph.dot": "digraph g {\n  x [label = add];\n  y [label = mul];\n  x -> y;\n}\n",
    "instance.xyz": "nothing\n",
}


@pytest.fixture(scope="module")
def files(tmp_path_factory, epfl_adder):
    folder = tmp_path_factory.mktemp("bad")
    for name, text in FILES.items():
        (folder / name).write_text(text)
    (folder / "garbage.gml").write_bytes(bytes(range(256)) * 8)
    (folder / "garbage.aig").write_bytes(bytes(range(256)) * 8)
    adder = epfl_adder.read_bytes()
    cut = adder.index(b"\n") + 1
    for _ in range(129):  # the header, then the adder's 129 output lines, then 100 bytes
        cut = adder.index(b"\n", cut) + 1
    (folder / "truncated.aig").write_bytes(adder[: cut + 100])
    return folder


CASES = {
    "cyclic GML": (["dataset=gml", "dataset.params.path={d}/cyclic.gml"], "has a cycle"),
    "self-loop": (["dataset=gml", "dataset.params.path={d}/selfloop.gml"], "is a self-loop"),
    "negative weight": (["dataset=gml", "dataset.params.path={d}/negative.gml"], "negative"),
    "non-integer weight": (
        ["dataset=gml", "dataset.params.path={d}/fractional.gml"],
        "not a finite whole number",
    ),
    "NaN weight": (["dataset=gml", "dataset.params.path={d}/nan.gml"], "is nan"),
    "missing attribute": (
        ["dataset=gml", "dataset.params.path={d}/missing.gml"],
        "has no 'parameter' attribute",
    ),
    "L = 0": (["dataset=gml", "dataset.params.path={d}/good.gml", "stages=0"], "L = 0"),
    "R <= 0": (["dataset=gml", "dataset.params.path={d}/good.gml", "ratio=-1"], "R = -1"),
    "infeasible distances": (
        ["dataset=gml", "dataset.params.path={d}/distances.gml"],
        "edge distances need 13 stages",
    ),
    "empty graph": (["dataset=gml", "dataset.params.path={d}/empty.gml"], "is empty"),
    "undirected graph": (["dataset=gml", "dataset.params.path={d}/undirected.gml"], "undirected"),
    "missing file": (["dataset=gml", "dataset.params.path={d}/nothere.gml"], "does not exist"),
    "truncated GML": (["dataset=gml", "dataset.params.path={d}/truncated.gml"], "found EOF"),
    "garbage GML": (["dataset=gml", "dataset.params.path={d}/garbage.gml"], "could not parse"),
    "garbage AIGER": (
        ["dataset=aiger", "dataset.params.path={d}/garbage.aig"],
        "has no AIGER header",
    ),
    "truncated AIGER": (
        ["dataset=aiger", "dataset.params.path={d}/truncated.aig"],
        "the file is truncated",
    ),
    "Liberty ABC rejects": (
        ["dataset=adder_m", "dataset.params.liberty={d}/broken.lib"],
        "ABC could not map adder_m with broken.lib",
    ),
    "EDS factor true": (
        ["dataset=eds/hal", "dataset.params.factor=true"],
        "dataset.params.factor is True; give a number",
    ),
    "EDS factor null": (
        ["dataset=eds/hal", "dataset.params.factor=null"],
        "dataset.params.factor is None; give a number",
    ),
    "EDS factor abc": (
        ["dataset=eds/hal", "dataset.params.factor=abc"],
        "dataset.params.factor is 'abc'; give a number",
    ),
    "EDS factor below the critical path": (
        ["dataset=eds/hal", "dataset.params.factor=0.5"],
        "dataset.params.factor=0.5: the latency factor 0.5 puts the bound below the critical "
        "path (6 cycles): no schedule fits; the smallest feasible factor is 1",
    ),
    "EDS factor 0": (["dataset=eds/hal", "dataset.params.factor=0"], "smallest feasible factor"),
    "EDS factor -1": (["dataset=eds/hal", "dataset.params.factor=-1"], "smallest feasible factor"),
    "TCS synthetic factor abc": (
        ["dataset=tcs_synthetic", "dataset.params.nodes=50", "dataset.params.factor=abc"],
        "dataset.params.factor is 'abc'; give a number >= 1",
    ),
    "a setting the class lacks": (
        ["dataset=heurigym/hal", "stages=5"],
        "is of class rcs, which has no setting 'stages'",
    ),
    "RCS synthetic pressure": (
        ["dataset=rcs_synthetic", "dataset.params.nodes=50", "dataset.params.pressure=-1"],
        "dataset.params.pressure=-1 is out of range; give a number > 0",
    ),
    "a parameter the dataset lacks": (
        ["dataset=heurigym/hal", "+dataset.params.path=x.json"],
        "dataset 'heurigym/hal' has no parameter 'path'",
    ),
    "HeuriGym edge without an end": (
        ["dataset=file", "dataset.params.path={d}/badedge.json"],
        "badedge.json: edge 0 is ['a']; give each edge as [src, dst, name]",
    ),
    "a file no class reads": (
        ["dataset=file", "dataset.params.path={d}/instance.xyz"],
        "no installed class reads 'instance.xyz'",
    ),
    "a DOT file of two classes": (
        ["dataset=file", "dataset.params.path={d}/graph.dot"],
        ".dot files are read by classes rcs, tcs; say which",
    ),
    "a setting the file's class lacks": (
        [
            "dataset=file",
            "dataset.params.path={d}/graph.dot",
            "dataset.params.class=tcs",
            "stages=5",
        ],
        "file 'graph.dot' is of class tcs, which has no setting 'stages' (it has none); drop "
        "stages=5",
    ),
    "a TCS DOT file without delays": (
        ["dataset=file", "dataset.params.path={d}/graph.dot", "+dataset.params.class=tcs"],
        "needs a delay per operation type and a latency bound",
    ),
    "unknown dataset": (
        ["dataset=rw99"],
        "unknown dataset 'rw99'; did you mean 'rw9'? the collections are rw1..rw12, ",
    ),
    "unknown dataset of a collection": (
        ["dataset=heurigym/nope"],
        "heurigym/<name>, rcs_synthetic (rcs); eds/<name>, tcs_synthetic (tcs)",
    ),
    "unknown solver": (
        ["solver=gurobo"],
        "Could not find 'solver/gurobo'; did you mean 'gurobi'? choose one of",
    ),
    "unknown solver option": (["+solver.options.bogus=1"], "has no option 'bogus'"),
    "bad option value": (
        ["solver=cpsat", "solver.options.formulation=tight"],
        "formulation='tight' is not one of paper, compact, interval",
    ),
    "non-numeric budget": (["budget.seconds=abc"], "could not be converted to Float"),
    "negative budget": (["budget.seconds=-5"], "budget.seconds=-5 must be above 0"),
    "zero budget": (["budget.seconds=0"], "budget.seconds=0 must be above 0"),
    "zero interval": (["budget.interval=0"], "budget.interval=0 must be above 0"),
    "zero threads": (["threads=0"], "threads=0 must be at least 1"),
    "mistyped setting": (["stage=5"], "unknown setting 'stage'; did you mean 'stages'?"),
    "mistyped setting, appended": (["+stage=5"], "unknown setting 'stage'; did you mean 'stages'?"),
    "unknown setting": (["+colour=red"], "unknown setting 'colour'; the settings are solver,"),
    "dataset file not given": (
        ["dataset=gml"],
        "dataset 'gml' needs dataset.params.path: give dataset.params.path=<your file>",
    ),
    "solver module that cannot be imported": (
        ["solver.module=no_such_package.solver"],
        "solver module 'no_such_package.solver' cannot be imported (ModuleNotFoundError",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input(case, files, tmp_path):
    args, expected = CASES[case]
    results = tmp_path / "results"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "schedbench.harness",
            "solver=asap",
            "dataset=rw4",
            "budget=smoke",
            "threads=1",
            *[arg.format(d=files) for arg in args],
            f"results.dir={results}",
        ],
        capture_output=True,
        text=True,
        env={**ENV, "SCHEDBENCH_CACHE_DIR": str(tmp_path / "cache")},
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert expected in lines[0]
    assert "Traceback" not in done.stderr + done.stdout
    assert not (results / "runs").exists() and not (results / "runs.csv").exists()
    assert not list(results.rglob("*.log"))  # nor an empty log of the refused run


def test_debug_flag_shows_the_traceback(files, tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "schedbench.harness",
            "dataset=gml",
            f"dataset.params.path={files}/cyclic.gml",
            f"results.dir={tmp_path}",
        ],
        capture_output=True,
        text=True,
        env={**ENV, "SCHEDBENCH_DEBUG": "1"},
        timeout=120,
    )
    assert done.returncode != 0 and "Traceback" in done.stderr and "has a cycle" in done.stderr
