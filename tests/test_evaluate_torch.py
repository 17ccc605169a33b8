"""The torch twin of the evaluator gives the evaluator's integers, in any row order."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from builders import random_dag

from schedbench import evaluate
from schedbench.evaluate_torch import TorchEvaluator


@pytest.mark.parametrize("ratio", [3, 2.5])
@pytest.mark.parametrize("mode", ["binary", "weighted"])
@pytest.mark.parametrize("seed", range(6))
def test_twin_equals_the_evaluator(seed, mode, ratio):
    rng = np.random.default_rng(seed)
    problem = random_dag(rng, 12, 4, with_distances=seed % 2 == 1, ratio=ratio).with_settings(
        comm_mode=mode
    )
    batch = rng.integers(-1, 5, size=(80, problem.n))
    batch[:40] = np.clip(batch[:40], 0, 3)
    batch[:20] = np.maximum.accumulate(np.sort(batch[:20], axis=1), axis=1)  # many legal
    batch[20], batch[21] = problem.asap, problem.alap  # legal with distances too
    expected = evaluate(problem, batch)
    rows = rng.permutation(problem.n) if seed % 3 else None
    twin = TorchEvaluator(problem, torch.device("cpu"), rows)
    column_major = torch.as_tensor(batch.T if rows is None else batch[:, rows].T)
    got = twin(column_major)
    assert expected.feasible.any() and not expected.feasible.all()
    np.testing.assert_array_equal(got.feasible.numpy(), expected.feasible)
    ok = expected.feasible
    np.testing.assert_array_equal(got.peak.numpy()[ok], expected.peak[ok])
    np.testing.assert_array_equal(got.comm.numpy()[ok], expected.comm[ok])
    np.testing.assert_array_equal(got.cost.numpy()[ok], expected.cost[ok])
    assert got.cost.numpy().dtype == expected.cost.dtype
    assert got.best() == expected.best()


def test_best_is_none_when_nothing_is_feasible():
    problem = random_dag(np.random.default_rng(1), 6, 3, p=1.0)
    twin = TorchEvaluator(problem, torch.device("cpu"))
    reversed_order = torch.arange(problem.n - 1, -1, -1)[:, None].clamp(max=2).repeat(1, 4)
    assert twin(reversed_order).best() is None
