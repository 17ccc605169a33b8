"""EPFL designs through aigverse, in the paper's node model."""

from __future__ import annotations

import pytest

from schedbench.datasets import epfl, load, names
from schedbench.problems.icml24 import ProblemError

# Table 1 values the node model reproduces exactly; square and i2c differ (docs/datasets.md).
EXACT = {"adder": (1661, 258), "bar": (3734, 15), "max": (4019, 290), "voter": (15761, 73)}
MODEL = {"square": (18740, 253), "i2c": (1778, 23)}


@pytest.mark.parametrize("design", list(EXACT) + list(MODEL))
def test_paper_designs(design):
    problem = load(design)
    assert (problem.n, problem.depth) == (EXACT | MODEL)[design]
    assert problem.ratio == 100 and problem.stages == 10
    assert set(problem.w.tolist()) == {1}


def test_all_twenty_designs_are_registered():
    designs = epfl.names()
    assert len(designs) == 20
    assert set(designs) <= set(names("epfl"))
    assert {f"{d}_m" for d in designs} <= set(names("epfl_mapped"))


@pytest.mark.slow
@pytest.mark.parametrize(
    "design",
    [
        "arbiter",
        "ctrl",
        "dec",
        "int2float",
        "priority",
        "router",
        "cavlc",
        "mem_ctrl",
        "sin",
        "sqrt",
        "log2",
        "multiplier",
        "hyp",
        "div",
    ],
)
def test_other_designs_load(design):
    problem = load(design)
    assert problem.n > 0 and problem.depth >= 4


def test_adder_node_model():
    problem = load("adder")
    assert problem.labels[0].startswith("port:") and problem.labels[-1].startswith("out:")
    pis = sum(label.startswith("port:") for label in problem.labels)
    assert pis == 256
    assert sum(label.startswith("out:") for label in problem.labels) == 129


def test_a_user_aiger_file_matches_the_registered_design(epfl_adder, tmp_path):
    """dataset=aiger path=... gives the registered design's graph, mapped or not."""
    from schedbench.datasets import load

    copy = tmp_path / "my_adder.aig"
    copy.write_bytes(epfl_adder.read_bytes())
    assert load("aiger", path=str(copy)).digest == load("adder").digest
    mapped = load("aiger", path=str(copy), mapped=True)
    assert (mapped.n, mapped.depth) == (load("adder_m").n, load("adder_m").depth)


def test_ascii_aiger_is_read(tmp_path):
    from schedbench.datasets import load

    path = tmp_path / "and.aag"
    path.write_text("aag 3 2 0 1 1\n2\n4\n6\n6 2 4\n")  # one AND gate of two inputs
    problem = load("aiger", path=str(path))
    assert problem.n == 2 * 2 + 1 + 1  # 2 nodes per input, the gate, the output
    truncated = tmp_path / "cut.aag"
    truncated.write_text("aag 3 2 0 1 1\n2\n4\n6\n")
    with pytest.raises(ProblemError, match="truncated"):
        load("aiger", path=str(truncated))
