"""Problem construction and every validation error (one test each, message asserted)."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest

from schedbench import Problem, ProblemError


def chain(n: int = 3, **kw) -> Problem:
    args = {"stages": 3, "ratio": 10} | kw
    return Problem.from_arrays(n, list(range(n - 1)), list(range(1, n)), [1] * n, **args)


def test_cycle_is_named():
    with pytest.raises(ProblemError, match=r"cycle '1' -> '2' -> '3' -> '1'"):
        Problem.from_arrays(4, [0, 1, 2, 3], [1, 2, 3, 1], [1] * 4, stages=3, ratio=1)


def test_self_loop():
    with pytest.raises(ProblemError, match=r"edge \('1', '1'\) is a self-loop"):
        Problem.from_arrays(2, [0, 1], [1, 1], [1, 1], stages=3, ratio=1)


def test_duplicate_edge_rejected_by_default():
    with pytest.raises(
        ProblemError, match=r"edge \('0', '1'\) appears 2 times.*duplicates='merge'"
    ):
        Problem.from_arrays(2, [0, 0], [1, 1], [1, 1], stages=3, ratio=1)


def test_duplicate_edge_merge_sums_weight_and_keeps_largest_distance():
    p = Problem.from_arrays(
        3,
        [0, 1, 0],
        [1, 2, 1],
        [1, 1, 1],
        [2, 5, 3],
        [0, 0, 1],
        stages=3,
        ratio=1,
        duplicates="merge",
    )
    assert p.m == 2
    assert p.src.tolist() == [0, 1] and p.dst.tolist() == [1, 2]
    assert p.c.tolist() == [5, 5] and p.d.tolist() == [1, 0]


def test_negative_weight():
    with pytest.raises(ProblemError, match=r"node weight of node '1' is negative \(-2\)"):
        Problem.from_arrays(2, [0], [1], [1, -2], stages=3, ratio=1)


def test_non_integer_weight():
    with pytest.raises(ProblemError, match=r"node weight of node '0' is 1.5, not a finite whole"):
        Problem.from_arrays(2, [0], [1], [1.5, 2], stages=3, ratio=1)


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_non_finite_edge_weight(bad):
    with pytest.raises(ProblemError, match=r"edge weight of edge \('0', '1'\) is (nan|inf)"):
        Problem.from_arrays(2, [0], [1], [1, 1], [bad], stages=3, ratio=1)


def test_non_numeric_weight_from_networkx():
    g = nx.DiGraph()
    g.add_node("a", parameter="heavy")
    with pytest.raises(ProblemError, match=r"node weight of node 'a' is 'heavy', not a number"):
        Problem.from_networkx(g, stages=2, ratio=1)


def test_missing_weight_attribute():
    g = nx.DiGraph()
    g.add_node("a", parameter=1)
    g.add_node("b")
    g.add_edge("a", "b", parameter=1)
    with pytest.raises(ProblemError, match=r"node 'b' has no 'parameter' attribute"):
        Problem.from_networkx(g, stages=2, ratio=1)


def test_missing_weight_defaults_only_when_asked():
    g = nx.DiGraph()
    g.add_edge("a", "b")
    p = Problem.from_networkx(g, stages=2, ratio=1, default_node_weight=1, default_edge_weight=1)
    assert p.w.tolist() == [1, 1] and p.c.tolist() == [1]


def test_stages_below_one():
    with pytest.raises(ProblemError, match=r"L = 0 must be at least 1"):
        chain(stages=0)


def test_infeasible_distances_name_smallest_L():
    with pytest.raises(ProblemError, match=r"need 5 stages but L = 3; use L >= 5"):
        Problem.from_arrays(3, [0, 1], [1, 2], [1, 1, 1], None, [2, 2], stages=3, ratio=1)


def test_empty_graph():
    with pytest.raises(ProblemError, match=r"is empty"):
        Problem.from_arrays(0, [], [], [], stages=3, ratio=1)
    with pytest.raises(ProblemError, match=r"is empty"):
        Problem.from_networkx(nx.DiGraph(), stages=3, ratio=1)


def test_non_positive_ratio():
    with pytest.raises(ProblemError, match=r"ratio R = 0 must be a positive"):
        chain(ratio=0)


def test_edge_outside_node_range():
    with pytest.raises(ProblemError, match=r"names a node outside 0..1"):
        Problem.from_arrays(2, [0], [5], [1, 1], stages=3, ratio=1)


def test_undirected_graph():
    with pytest.raises(ProblemError, match=r"undirected"):
        Problem.from_networkx(nx.Graph([(0, 1)]), stages=2, ratio=1)


def test_labels_are_relabelled_and_kept():
    g = nx.DiGraph()
    g.add_node("x", parameter=4)
    g.add_node(17, parameter=2)
    g.add_edge("x", 17, parameter=9)
    p = Problem.from_networkx(g, stages=2, ratio=1)
    assert p.labels == ("x", "17")
    assert p.src.tolist() == [0] and p.dst.tolist() == [1] and p.w.tolist() == [4, 2]


def test_problem_is_immutable():
    p = chain()
    with pytest.raises(AttributeError):
        p.stages = 4  # type: ignore[misc]
    with pytest.raises(ValueError):
        p.w[0] = 7


def test_levels_windows_and_bound():
    # 0 -> 1 -> 3, 0 -> 2 -> 3 with distance 1 on (0, 2); 4 isolated.
    p = Problem.from_arrays(
        5,
        [0, 1, 0, 2],
        [1, 3, 2, 3],
        [4, 1, 1, 2, 9],
        [1, 0, 1, 1],
        [0, 0, 1, 0],
        stages=4,
        ratio=10,
    )
    assert p.level.tolist() == [0, 1, 1, 2, 0]
    assert p.depth == 3
    assert p.asap.tolist() == [0, 0, 1, 1, 0]
    assert p.alap.tolist() == [2, 3, 3, 3, 3]
    assert p.peak_lower_bound == 9  # max(ceil(17 / 4) = 5, 9)
    assert p.comm_lower_bound == 1  # the positive edge (0, 2) spans >= 1
    assert p.trivial_lower_bound == 91
    order = p.topological_order.tolist()
    assert all(order.index(u) < order.index(v) for u, v in zip(p.src, p.dst, strict=True))


def test_with_settings_revalidates():
    p = Problem.from_arrays(3, [0, 1], [1, 2], [1, 1, 1], None, [1, 1], stages=3, ratio=1)
    assert p.with_settings(stages=5).stages == 5
    with pytest.raises(ProblemError, match="use L >= 3"):
        p.with_settings(stages=2)


def test_networkx_round_trip():
    p = Problem.from_arrays(3, [0, 0], [1, 2], [3, 4, 5], [6, 0], [1, 0], stages=3, ratio=2)
    q = Problem.from_networkx(p.to_networkx(), stages=3, ratio=2, name=p.name)
    for key in ("src", "dst", "w", "c", "d"):
        assert np.array_equal(getattr(p, key), getattr(q, key))
