"""User graph files: GML and the edge-list format, with their error messages."""

from __future__ import annotations

import numpy as np
import pytest

from schedbench import Problem
from schedbench.datasets import load
from schedbench.datasets.files import read_graph, read_problem, write_edgelist
from schedbench.problems.icml24 import ProblemError

GML = """graph [
  directed 1
  node [ id 0 label "a" parameter 3 ]
  node [ id 1 label "b" parameter 0 ]
  node [ id 2 label "c" parameter 5 ]
  edge [ source 0 target 1 parameter 7 ]
  edge [ source 1 target 2 parameter 0 ]
]
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_gml(tmp_path):
    problem = load("gml", path=str(write(tmp_path, "g.gml", GML)), stages=3)
    assert problem.labels == ("a", "b", "c")
    assert problem.w.tolist() == [3, 0, 5] and problem.c.tolist() == [7, 0]


def test_gml_attribute_names_are_configurable(tmp_path):
    text = GML.replace("parameter", "mem")
    problem = read_problem(
        write(tmp_path, "g.gml", text), stages=3, ratio=1, node_weight="mem", edge_weight="mem"
    )
    assert problem.w.tolist() == [3, 0, 5]


def test_cyclic_gml(tmp_path):
    text = GML.replace("]\n]", "]\n  edge [ source 2 target 0 parameter 1 ]\n]")
    with pytest.raises(ProblemError, match=r"cycle 'a' -> 'b' -> 'c' -> 'a'"):
        read_graph(write(tmp_path, "cyc.gml", text))


def test_duplicate_gml_edge(tmp_path):
    text = GML.replace("]\n]", "]\n  edge [ source 0 target 1 parameter 1 ]\n]")
    with pytest.raises(ProblemError, match=r"edge \('a', 'b'\) appears 2 times"):
        read_graph(write(tmp_path, "dup.gml", text))
    merged = read_graph(write(tmp_path, "dup2.gml", text), duplicates="merge")
    assert merged.c.tolist() == [8, 0]


@pytest.mark.parametrize("garbage", [GML[:60], "\x00\x01\x02binary\xff", "graph [ node [ id 0 ]"])
def test_truncated_or_garbage_gml(tmp_path, garbage):
    path = tmp_path / "bad.gml"
    path.write_bytes(garbage.encode("latin-1"))
    with pytest.raises(
        ProblemError, match=r"(could not parse GML file 'bad.gml'|has no 'parameter')"
    ):
        read_graph(path)


def test_missing_file(tmp_path):
    with pytest.raises(ProblemError, match=r"does not exist"):
        read_graph(tmp_path / "nope.gml")


def test_unknown_suffix(tmp_path):
    with pytest.raises(ProblemError, match=r"unknown suffix"):
        read_graph(write(tmp_path, "g.json", "{}"))


def test_edgelist_round_trip(tmp_path):
    p = Problem.from_arrays(
        3, [0, 0], [1, 2], [3, 4, 5], [6, 0], [1, 0], stages=3, ratio=2, labels=["x", "y", "z"]
    )
    path = tmp_path / "g.edges"
    write_edgelist(p, path)
    q = load("edgelist", path=str(path), stages=3, ratio=2)
    assert q.labels == p.labels
    for key in ("src", "dst", "w", "c", "d"):
        assert np.array_equal(getattr(p, key), getattr(q, key))


def test_edgelist_bad_line(tmp_path):
    path = write(tmp_path, "g.edges", "node a 1\nedge a\n")
    with pytest.raises(ProblemError, match=r"g.edges:2: cannot read 'edge a'"):
        read_graph(path)


def test_edgelist_missing_weight(tmp_path):
    path = write(tmp_path, "g.edges", "node a 1\nedge a b\n")
    with pytest.raises(ProblemError, match=r"node 'b' .* has no 'node' line"):
        read_graph(path)
    assert read_graph(path, default_node_weight=1).w.tolist() == [1, 1]


def test_file_dataset_needs_a_path():
    with pytest.raises(ProblemError, match="needs a file: give path="):
        load("gml")


def test_problem_from_file(tmp_path):
    problem = read_problem(write(tmp_path, "g.gml", GML), stages=4, ratio=7)
    assert (problem.n, problem.stages, problem.ratio) == (3, 4, 7)
    assert problem.labels == ("a", "b", "c")
