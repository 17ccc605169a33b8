"""The banded Gumbel-Softmax sampler of hls_gs: the paper's sampler to the bit when the band
is every stage, legal samples and exact busy counts when bands are narrow (rows sampled
outside their band included), and hls_gs runs banded on both HLS classes."""

from __future__ import annotations

import numpy as np
import pytest

from schedbench.datasets import typed_synthetic
from schedbench.solvers.hls import Typed, window_busy
from schedbench.solvers.registry import solve

torch = pytest.importorskip("torch")

BATCH = 8


@pytest.fixture(scope="module")
def setting():
    """A TCS instance with wide windows, its shadow problem, dense plan and row arrays."""
    from schedbench.solvers.hls.gs import shadow_problem
    from schedbench.solvers.icml24.gs.sampler import plan_levels

    problem = typed_synthetic.tcs(nodes=150, seed=0, factor=2.0)
    view = Typed.of(problem, problem.asap)
    shadow = shadow_problem(view)
    plan = plan_levels(shadow, torch.device("cpu"))
    node = np.minimum(plan.order, view.n - 1)
    real = plan.order < view.n
    rows = {
        "real": torch.as_tensor(real),
        "delay": torch.as_tensor(np.where(real, view.delay[node], 0)),
        "resource": torch.as_tensor(np.where(real, view.resource[node], 0)),
    }
    return problem, view, shadow, plan, rows


def _draw(setting, width: int, centre: np.ndarray | None, seed: int = 1):
    """A banded sample, its busy units and the logits' gradient under a fixed weighting."""
    from schedbench.solvers.hls.banded import (
        band_offsets,
        banded_window_busy,
        plan_bands,
        sample_banded,
    )
    from schedbench.solvers.icml24.gs.sampler import GumbelNoise

    _problem, view, shadow, plan, rows = setting
    offset = band_offsets(shadow, width, centre if centre is not None else shadow.asap)
    bands = plan_bands(shadow, plan, offset, width, torch.device("cpu"))
    gen = torch.Generator().manual_seed(seed)
    logits = torch.nn.Parameter(torch.randn(shadow.n, width, generator=gen))
    weights = torch.randn(BATCH, view.resources, shadow.stages, generator=gen)
    noise = GumbelNoise(seed, torch.device("cpu"), torch.float32)(shadow.n, BATCH, width)
    drawn = sample_banded(logits, bands, noise, 0.7)
    busy = banded_window_busy(drawn, bands.offset, rows["delay"], rows["resource"],
                              view.resources, shadow.stages, rows["real"])  # fmt: skip
    (busy * weights).sum().backward()
    stages = np.empty((BATCH, shadow.n), np.int64)
    stages[:, plan.order] = drawn.stages.numpy().T
    return drawn, busy.detach(), logits.grad, stages


def test_a_band_of_every_stage_is_the_papers_sampler_to_the_bit(setting):
    from schedbench.solvers.icml24.gs.sampler import GumbelNoise, sample

    _problem, view, shadow, plan, rows = setting
    drawn, busy, grad, _ = _draw(setting, shadow.stages, None)
    gen = torch.Generator().manual_seed(1)
    logits = torch.nn.Parameter(torch.randn(shadow.n, shadow.stages, generator=gen))
    weights = torch.randn(BATCH, view.resources, shadow.stages, generator=gen)
    noise = GumbelNoise(1, torch.device("cpu"), torch.float32)(shadow.n, BATCH, shadow.stages)
    dense = sample(logits, plan, noise, 0.7, level_order=True)
    onehot = dense.onehot * rows["real"][:, None, None]
    want = window_busy(onehot.permute(1, 0, 2), rows["delay"], rows["resource"], view.resources)
    (want * weights).sum().backward()
    assert torch.equal(drawn.stages, dense.level_stages)
    assert torch.equal(busy, want.detach())
    assert torch.equal(grad, logits.grad)


@pytest.mark.parametrize("width", [6, 12, 30])
def test_narrow_bands_give_legal_schedules_and_exact_busy_counts(setting, width):
    problem, view, shadow, _plan, _rows = setting
    centre = np.random.default_rng(width).integers(shadow.asap, shadow.alap + 1)
    drawn, busy, grad, stages = _draw(setting, width, centre)
    for u, v, d in zip(shadow.src, shadow.dst, shadow.d, strict=True):
        assert (stages[:, u] + d <= stages[:, v]).all()
    assert (stages <= shadow.stages - 1).all() and (stages >= 0).all()
    schedules = stages[:, : view.n]
    assert problem.evaluate(schedules).feasible.all()
    counted = np.zeros((BATCH, view.resources, shadow.stages))
    for b, v in np.ndindex(BATCH, view.n):
        counted[b, view.resource[v], schedules[b, v] : schedules[b, v] + view.delay[v]] += 1
    assert np.array_equal(busy.numpy(), counted)
    assert torch.isfinite(grad).all() and grad.abs().sum() > 0
    if width == 6:  # preds ending past a narrow band: those rows start at their ends
        assert (~drawn.inside).any() and (drawn.onehot.sum(-1) == drawn.inside).all()


@pytest.mark.parametrize("cls", ["rcs", "tcs"])
@pytest.mark.parametrize("learn", [True, False])
def test_hls_gs_runs_banded(cls, learn):
    problem = (typed_synthetic.rcs(nodes=200, seed=1) if cls == "rcs" else
               typed_synthetic.tcs(nodes=200, seed=0, factor=2.0))  # fmt: skip
    result = solve(problem, "hls_gs", time_limit=30, threads=1, epochs=6, band=8, phase=0.05,
                   learn=learn, seed=2)  # fmt: skip
    assert "banded over 8 of" in result.message
    assert problem.evaluate(result.schedule).feasible[0]
    assert len(result.records) == 6 or result.cost == problem.lower_bound
    again = solve(problem, "hls_gs", time_limit=30, threads=1, epochs=6, band=8, phase=None,
                  learn=learn, seed=2, local_search=False)  # fmt: skip
    same = solve(problem, "hls_gs", time_limit=30, threads=1, epochs=6, band=8, phase=None,
                 learn=learn, seed=2, local_search=False)  # fmt: skip
    assert [r["mean_cost"] for r in again.records] == [r["mean_cost"] for r in same.records]
    bad = solve(problem, "hls_gs", time_limit=30, threads=1, epochs=1, band=0)
    assert bad.status == "error" and "band=0 must be a positive number" in bad.message


def test_the_banded_sampler_needs_no_dense_masks(setting):
    """A plan built without its [n_k, 1, L] masks (what banded hls_gs builds: on a deep
    graph they alone are n * H floats) gives the banded sampler the same draws."""
    from schedbench.solvers.icml24.gs.sampler import plan_levels

    problem, view, shadow, _plan, rows = setting
    bare = plan_levels(shadow, torch.device("cpu"), masks=False)
    assert all(level.scale is None and level.window is None for level in bare.levels)
    with_masks = _draw(setting, 6, None)
    without = _draw((problem, view, shadow, bare, rows), 6, None)
    assert torch.equal(with_masks[0].stages, without[0].stages)
    assert torch.equal(with_masks[1], without[1]) and torch.equal(with_masks[2], without[2])
