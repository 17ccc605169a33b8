"""The shared MILP models: sizes, and that a schedule's encoding satisfies every row."""

from __future__ import annotations

import numpy as np
import pytest
from builders import random_dag

from schedbench.datasets import load
from schedbench.solvers.formulations import build, encode


@pytest.mark.parametrize("formulation", ["paper", "compact"])
@pytest.mark.parametrize("seed", range(4))
def test_encoding_satisfies_every_row(formulation, seed):
    problem = random_dag(np.random.default_rng(seed), 8, 4, with_distances=True)
    model = build(problem, formulation)
    x = encode(model, problem, problem.alap)
    activity = np.bincount(model.rows, model.vals * x[model.cols], model.num_rows)
    assert (activity >= model.row_lo - 1e-9).all() and (activity <= model.row_hi + 1e-9).all()
    assert (x >= model.lb).all() and (x <= model.ub).all()
    assert np.array_equal(model.decode(x), problem.alap)
    from schedbench import evaluate

    assert model.obj @ x == evaluate(problem, problem.alap).cost[0]


def test_paper_model_has_the_reference_size_on_rw1():
    problem = load("rw1")
    n, m, stages = problem.n, problem.m, problem.stages
    paper = build(problem, "paper")
    assert paper.num_cols == n * stages + n + 1 + (stages - 1) + 4 * m * (stages - 1) == 108729
    assert paper.num_rows == 2 * n + stages + m + 4 * m * (stages - 1) + (stages - 1) == 102927
    compact = build(problem, "compact")
    assert compact.nnz * 10 <= paper.nnz


def test_unknown_formulation():
    problem = random_dag(np.random.default_rng(0), 3, 2)
    with pytest.raises(ValueError, match="unknown formulation"):
        build(problem, "tight")
