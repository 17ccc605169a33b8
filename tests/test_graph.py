"""The one validated graph every problem class schedules."""

from __future__ import annotations

import numpy as np
import pytest

from schedbench.graph import Graph, ProblemError
from schedbench.problem import Problem
from schedbench.problems.rcs import RCSProblem


def diamond(**options):
    return Graph.from_arrays(4, [0, 0, 1, 2], [1, 2, 3, 3], name="diamond", **options)


def test_facts_of_a_diamond():
    g = diamond(d=[1, 2, 0, 1])
    assert (g.n, g.m, g.depth) == (4, 4, 3)
    assert g.level.tolist() == [0, 1, 1, 2]
    assert g.distance_from_source.tolist() == [0, 1, 2, 3]
    assert g.distance_to_sink.tolist() == [3, 0, 1, 0]
    assert g.successors == [[1, 2], [3], [3], []]
    assert list(g.labels) == ["0", "1", "2", "3"] and (g.w == 1).all() and (g.c == 1).all()


@pytest.mark.parametrize(
    ("src", "dst", "options", "message"),
    [
        ([0, 1], [1, 0], {}, r"has a cycle '0' -> '1' -> '0'"),
        ([0], [0], {}, "self-loop"),
        ([0, 0], [1, 1], {}, r"appears 2 times.*duplicates='merge'"),
        ([0], [5], {}, "outside 0..3"),
        ([0], [1], {"w": [1, -1, 1, 1]}, "node weight of node '1' is negative"),
        ([0], [1], {"op_type": [0, 0, 2, 0], "types": ("mul", "add")}, "outside the 2 types"),
        ([0], [1], {"duplicates": "sum"}, "duplicates='sum' is unknown"),
    ],
)
def test_bad_graphs_are_one_line(src, dst, options, message):
    with pytest.raises(ProblemError, match=message) as err:
        Graph.from_arrays(4, src, dst, **options)
    assert "\n" not in str(err.value)


def test_merge_sums_weights_and_keeps_the_largest_distance():
    g = Graph.from_arrays(2, [0, 0], [1, 1], c=[2, 3], d=[1, 0], duplicates="merge")
    assert (g.m, g.c.tolist(), g.d.tolist()) == (1, [5], [1])


def test_one_graph_many_problems():
    """The same validated graph under the paper's class and under RCS, nothing copied."""
    g = diamond(op_type=[0, 1, 1, 0], types=("mul", "add"))
    icml = Problem.of(g, stages=3, ratio=2)
    rcs = RCSProblem.on(g, np.array([2, 1]), np.array([1, 1]))
    assert icml.graph is g and rcs.graph is g
    assert icml.asap.tolist() == [0, 0, 0, 0] and rcs.asap.tolist() == [0, 2, 2, 3]
    assert rcs.evaluate([0, 2, 3, 4]).latency.tolist() == [6]
    with pytest.raises(ProblemError, match="no operation types"):
        RCSProblem.on(diamond(), np.array([1]), np.array([1]))


def test_arrays_are_read_only():
    g = diamond()
    for array in (g.src, g.dst, g.w, g.c, g.d, g.topological_order):
        with pytest.raises(ValueError):
            array[0] = 7
