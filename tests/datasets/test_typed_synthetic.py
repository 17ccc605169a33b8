"""Seeded synthetic RCS and TCS instances for the scale study."""

from __future__ import annotations

import numpy as np
import pytest

from schedbench.datasets import load, typed_synthetic
from schedbench.graph import ProblemError


def test_a_seed_names_one_instance_of_each_class():
    a, b = typed_synthetic.rcs(500, seed=3), typed_synthetic.rcs(500, seed=3)
    assert a.digest == b.digest and a.digest != typed_synthetic.rcs(500, seed=4).digest
    assert a.CLASS == "rcs" and (a.units >= 1).all() and a.graph.depth == round(500**0.5)
    t = load("tcs_synthetic", nodes=500, seed=3, factor=2.0)
    assert t.CLASS == "tcs" and t.kinds == ("MUL", "ALU", "MEM")
    assert t.latency == int(2 * t.critical_path) and t.evaluate(t.asap).feasible[0]
    counts = np.bincount(t.graph.op_type, minlength=5) / 500
    assert np.allclose(counts, list(typed_synthetic.MIX.values()), atol=0.06)


def test_bad_parameters_are_one_line():
    with pytest.raises(
        ProblemError, match=r"dataset.params.nodes=1 is out of range; give a whole number >= 2"
    ):
        typed_synthetic.rcs(1)
    with pytest.raises(
        ProblemError, match=r"dataset 'rcs_synthetic' has no parameter 'colour'; it takes nodes"
    ):
        load("rcs_synthetic", nodes=100, colour="red")
    with pytest.raises(ProblemError, match=r"dataset.params.nodes is 'abc'; give a whole number"):
        load("tcs_synthetic", nodes="abc")
    with pytest.raises(ProblemError, match=r"dataset.params.depth is 2.5"):
        typed_synthetic.tcs(100, depth=2.5)


def test_width_sets_operations_per_level():
    problem = typed_synthetic.rcs(400, width=4, seed=1)
    assert problem.graph.level.max() + 1 <= 100 and problem.critical_path > 50
    assert load("tcs_synthetic", nodes=400, width=4).digest == typed_synthetic.tcs(
        400, width=4).digest  # fmt: skip
    both = r"give dataset\.params\.depth or dataset\.params\.width"
    with pytest.raises(ProblemError, match=both):
        typed_synthetic.tcs(100, depth=5, width=4)
