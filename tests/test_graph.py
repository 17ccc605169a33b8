"""The one validated graph every problem class schedules."""

from __future__ import annotations

import numpy as np
import pytest

from schedbench.graph import Graph, ProblemError
from schedbench.problems.icml24 import Problem
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


def test_loop_carried_edges_make_legal_cycles():
    """A loop body: a cycle is legal when its total iteration distance is positive; a
    zero-distance cycle is named; classes that schedule a DAG refuse the graph."""
    body = Graph.from_arrays(3, [0, 1, 2, 2], [1, 2, 0, 2], iteration=[0, 0, 1, 2],
                             labels=["a", "b", "c"])  # fmt: skip
    assert body.carried and list(body.body_order) == [0, 1, 2]
    with pytest.raises(ProblemError, match=r"^the graph of 'graph' has a cycle 'a' -> 'b' -> "
                       r"'c' -> 'a' whose total iteration distance is 0"):  # fmt: skip
        Graph.from_arrays(3, [0, 1, 2], [1, 2, 0], iteration=[0, 0, 0], labels="abc")
    with pytest.raises(ProblemError, match=r"iteration distance of edge .* is negative"):
        Graph.from_arrays(2, [0], [1], iteration=[-1])
    with pytest.raises(ProblemError, match=r"edge \('a', 'a'\) is a self-loop"):
        Graph.from_arrays(2, [0, 0], [0, 1], iteration=[0, 1], labels="ab")
    with pytest.raises(ProblemError, match="at iteration distance 1 appears 2 times"):
        Graph.from_arrays(2, [0, 0, 1], [1, 1, 0], iteration=[1, 1, 1], labels="ab")
    twice = Graph.from_arrays(2, [0, 0], [1, 1], iteration=[0, 1], labels="ab")
    assert twice.m == 2  # the same pair at two distances: two dependences
    with pytest.raises(ProblemError, match=r"loop-carried edge \('c', 'a'\) with iteration "
                       r"distance 1; class icml24 schedules a DAG"):  # fmt: skip
        Problem.of(body, stages=3, ratio=1)
    dag = Graph.from_arrays(2, [0], [1], iteration=[0])
    assert not dag.carried and Problem.of(dag, stages=2, ratio=1).n == 2
