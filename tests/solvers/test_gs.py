"""The differentiable scheduler: legal samples, vectorized == per-node, learning, determinism."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from builders import random_dag
from hypothesis import given, settings
from hypothesis import strategies as st

from schedbench import evaluate
from schedbench.solvers.base import Status
from schedbench.solvers.icml24.gs.loss import loss_terms
from schedbench.solvers.icml24.gs.pernode import sample_per_node
from schedbench.solvers.icml24.gs.sampler import GumbelNoise, plan_levels, sample, stage_bias
from schedbench.solvers.registry import solve

CPU = torch.device("cpu")


def draw(problem, batch=16, seed=0, tau=1.0, dtype=torch.float64):
    generator = torch.Generator().manual_seed(seed)
    logits = torch.nn.Parameter(
        torch.randn(problem.n, problem.stages, generator=generator, dtype=dtype)
    )
    noise = GumbelNoise(seed, CPU, dtype)(problem.n, batch, problem.stages)
    return logits, noise, plan_levels(problem, CPU, dtype)


def per_node(problem, logits, noise, plan, tau):
    """The per-node loop on the same noise (its rows are in node order)."""
    by_node = noise.index_select(0, torch.as_tensor(plan.position))
    bias = stage_bias(problem.stages, CPU, noise.dtype)
    return sample_per_node(problem, logits, by_node, tau, bias)


def bilinear_loss(onehot, problem, ratio):
    """Eqs. 9-11 written directly (node-major one-hots): plain autograd, no custom backward."""
    w = torch.tensor(problem.w, dtype=onehot.dtype)
    counted = problem.positive_edges
    share = (torch.einsum("nbl,n->bl", onehot, w) + problem.n * 1e-10) / w.sum()
    memory = (share * share.log()).sum(-1)
    before = onehot[problem.src[counted]].cumsum(-1)[..., :-1]
    after = 1 - onehot[problem.dst[counted]].cumsum(-1)[..., :-1]
    coeff = torch.tensor(problem.comm_coeff[counted], dtype=onehot.dtype)
    comm = ((before * after).sum(-1) * coeff[:, None]).sum(0) / max(1, counted.size)
    return ratio * memory + comm


def fast_loss(drawn, problem, ratio, memory="entropy", device=CPU):
    """The solver's loss on a sample whose rows are in level order."""
    order = drawn.order
    position = np.empty(problem.n, np.int64)
    position[order] = np.arange(problem.n)
    counted = problem.positive_edges
    dtype = drawn.onehot.dtype
    return loss_terms(
        drawn.onehot,
        drawn.level_stages,
        torch.tensor(problem.w[order], dtype=dtype, device=device),
        torch.tensor(position[problem.src[counted]], device=device),
        torch.tensor(position[problem.dst[counted]], device=device),
        torch.tensor(problem.comm_coeff[counted], dtype=dtype, device=device),
        ratio,
        memory,
    )


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 12),
    stages=st.integers(1, 5),
    distances=st.booleans(),
    tau=st.sampled_from([0.1, 1.0, 50.0]),
)
def test_every_sample_is_legal(seed, n, stages, distances, tau):
    problem = random_dag(np.random.default_rng(seed), n, stages, with_distances=distances)
    logits, noise, plan = draw(problem, seed=seed, tau=tau)
    drawn = sample(logits, plan, noise, tau)
    assert evaluate(problem, drawn.stages.numpy()).feasible.all()


@pytest.mark.parametrize("distances", [False, True])
@pytest.mark.parametrize("seed", range(3))
def test_vectorized_equals_per_node(seed, distances):
    problem = random_dag(np.random.default_rng(seed), 10, 4, with_distances=distances)
    logits, noise, plan = draw(problem, seed=seed, tau=0.7)
    fast = sample(logits, plan, noise, 0.7)
    slow = per_node(problem, logits, noise, plan, 0.7)
    assert torch.equal(fast.stages, slow.stages)
    torch.testing.assert_close(fast.node_major(), slow.onehot)
    (fast_grad,) = torch.autograd.grad(fast_loss(fast, problem, 3.0).total.sum(), logits)
    (slow_grad,) = torch.autograd.grad(bilinear_loss(slow.onehot, problem, 3.0).sum(), logits)
    assert slow_grad.abs().sum() > 0
    torch.testing.assert_close(fast_grad, slow_grad)


@pytest.mark.parametrize("comm_mode", ["binary", "weighted"])
@pytest.mark.parametrize("seed", range(3))
def test_loss_equals_the_bilinear_form_in_value_and_gradient(seed, comm_mode):
    """The closed-form communication gradient is the autograd gradient of Eq. 10."""
    problem = random_dag(np.random.default_rng(seed), 12, 5, with_distances=seed == 2)
    problem = problem.with_settings(comm_mode=comm_mode)
    logits, noise, plan = draw(problem, batch=8, seed=seed)
    first, second = (sample(logits, plan, noise, 1.0) for _ in range(2))
    fast = fast_loss(first, problem, 2.0).total
    slow = bilinear_loss(second.node_major(), problem, 2.0)
    torch.testing.assert_close(fast, slow)
    weights = torch.rand(fast.shape[0], dtype=fast.dtype)  # a generic upstream gradient
    (fast_grad,) = torch.autograd.grad((fast * weights).sum(), logits)
    (slow_grad,) = torch.autograd.grad((slow * weights).sum(), logits)
    assert slow_grad.abs().sum() > 0
    torch.testing.assert_close(fast_grad, slow_grad)


def test_loss_terms_match_the_evaluator():
    problem = random_dag(np.random.default_rng(7), 12, 4).with_settings(comm_mode="weighted")
    logits, noise, plan = draw(problem, batch=32)
    drawn = sample(logits, plan, noise, 1.0)
    terms = fast_loss(drawn, problem, 1.0)
    exact = evaluate(problem, drawn.stages.numpy())
    counted = problem.positive_edges.size
    np.testing.assert_allclose(terms.comm.detach().numpy() * counted, exact.comm)


def test_loss_decreases_on_a_small_instance():
    problem = random_dag(np.random.default_rng(11), 40, 5, p=0.08)
    result = solve(problem, "gs", time_limit=60, epochs=60, batch=64, seed=1)
    losses = [r["loss"] for r in result.records]
    assert np.mean(losses[-10:]) < np.mean(losses[:10])
    assert result.status is Status.FEASIBLE and result.cost is not None


def test_cpu_run_is_deterministic():
    problem = random_dag(np.random.default_rng(5), 30, 4, with_distances=True)
    first = solve(problem, "gs", time_limit=60, epochs=8, batch=32, seed=3)
    second = solve(problem, "gs", time_limit=60, epochs=8, batch=32, seed=3)
    assert [r["best_cost"] for r in first.records] == [r["best_cost"] for r in second.records]
    assert [r["loss"] for r in first.records] == [r["loss"] for r in second.records]
    assert np.array_equal(first.schedule, second.schedule)


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present")
def test_cuda_request_falls_back_with_a_message():
    problem = random_dag(np.random.default_rng(5), 10, 3)
    with pytest.warns(UserWarning, match="no CUDA GPU is available; ran on CPU"):
        result = solve(problem, "gs", time_limit=30, epochs=2, batch=8, device="cuda")
    assert "no CUDA GPU is available" in result.message
    assert result.cost is not None


def test_epoch_records():
    problem = random_dag(np.random.default_rng(2), 20, 4)
    result = solve(
        problem,
        "gs",
        time_limit=60,
        epochs=3,
        batch=8,
        memory_loss="smoothmax",
        optimizer="adam",
        temperature_schedule="exponential",
        temperature_final=1.0,
    )
    assert [r["epoch"] for r in result.records] == [1, 2, 3]
    assert {"time", "loss", "loss_memory", "loss_comm", "best_cost", "mean_cost"} <= set(
        result.records[0]
    )
    assert result.records[-1]["temperature"] == pytest.approx(1.0)


needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


@needs_cuda
@pytest.mark.parametrize("logit_mask", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_cuda_sampler_equals_cpu(seed, logit_mask):
    """On the GPU: the same noise gives the same legal schedules and the same gradient."""
    from schedbench.evaluate_torch import TorchEvaluator

    gpu = torch.device("cuda")
    problem = random_dag(np.random.default_rng(seed), 40, 5, p=0.12, with_distances=seed % 2)
    logits, noise, plan = draw(problem, batch=64, seed=seed, tau=0.7)
    on_cpu = sample(logits, plan, noise, 0.7, logit_mask=logit_mask)
    gpu_logits = torch.nn.Parameter(logits.detach().to(gpu))
    on_gpu = sample(
        gpu_logits,
        plan_levels(problem, gpu, logits.dtype),
        noise.to(gpu),
        0.7,
        logit_mask=logit_mask,
    )
    assert torch.equal(on_gpu.stages.cpu(), on_cpu.stages)
    assert evaluate(problem, on_gpu.stages.cpu().numpy()).feasible.all()
    (cpu_grad,) = torch.autograd.grad(fast_loss(on_cpu, problem, 3.0).total.sum(), logits)
    gpu_loss = fast_loss(on_gpu, problem, 3.0, device=gpu).total.sum()
    (gpu_grad,) = torch.autograd.grad(gpu_loss, gpu_logits)
    torch.testing.assert_close(gpu_grad.cpu(), cpu_grad)
    twin = TorchEvaluator(problem, gpu, plan.order)(on_gpu.level_stages)
    exact = evaluate(problem, on_cpu.stages.numpy())
    np.testing.assert_array_equal(twin.cost.cpu().numpy(), exact.cost)


@needs_cuda
def test_gs_runs_on_cuda():
    problem = random_dag(np.random.default_rng(5), 60, 5, p=0.1, with_distances=True)
    result = solve(problem, "gs", time_limit=60, epochs=5, batch=32, device="cuda")
    assert result.status is Status.FEASIBLE and result.cost is not None
    assert result.message.endswith("on cuda:0") or result.message.endswith("on cuda")
    assert evaluate(problem, result.schedule).feasible.all()
