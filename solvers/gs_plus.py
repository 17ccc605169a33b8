"""gs_plus: the paper's GS with the improvements a strong engineer would try, each a switch.

``logit_mask`` (masking in logit space: one softmax with -inf on infeasible stages instead
of the paper's masked double softmax), ``memory_loss`` (``cost``: the objective itself with
a log-sum-exp peak; ``smoothmax``; the paper's ``entropy``), ``temperature_schedule``
(exponential annealing from ``temperature`` to ``temperature_final`` over the budget),
``init`` (logits centred on a ``topo_chunk`` or ASAP/ALAP-midpoint ``window`` schedule, or
the paper's), and ``local_search`` (the shared exact local search on the best schedule every
``phase`` seconds, logits re-centred on its result); ``parameters`` is GS's layout
(per node by default here: the README gives the measurement behind that choice).
``bench/beyond.py --ablation`` turns each off in turn. The sampler, loss and training loop
are GS's (``solvers/gs``).
"""

from __future__ import annotations

from typing import Literal

from schedbench.solvers.base import Outcome, SolveContext
from schedbench.solvers.gs import train, version

REVISION = 2  # 2: the numba local search and legalization (more steps per budget)
LIBRARY = "torch"
PIP = "torch"
__all__ = ["run", "version"]


def run(
    ctx: SolveContext,
    logit_mask: bool = True,
    memory_loss: Literal["entropy", "smoothmax", "cost"] = "cost",
    smoothmax_temperature: float = 0.01,
    temperature_schedule: Literal["constant", "exponential"] = "exponential",
    temperature: float = 1.0,
    temperature_final: float = 0.1,
    init: Literal["paper", "topo_chunk", "window"] = "topo_chunk",
    init_logit: float = 8.0,
    local_search: bool = True,
    phase: float | None = None,
    batch: int = 64,
    lr: float = 0.1,
    optimizer: Literal["adam", "adamw"] = "adam",
    cosine_t_max: int = 1000,
    epochs: int | None = None,
    device: str = "auto",
    dtype: Literal["float32", "float64", "bfloat16"] = "float32",
    parameters: Literal["per_row", "per_node"] = "per_node",
) -> Outcome:
    return train(
        ctx,
        batch=batch,
        temperature=temperature,
        temperature_final=temperature_final,
        temperature_schedule=temperature_schedule,
        lr=lr,
        optimizer=optimizer,
        cosine_t_max=cosine_t_max,
        epochs=epochs,
        memory_loss=memory_loss,
        smoothmax_temperature=smoothmax_temperature,
        device=device,
        dtype=dtype,
        logit_mask=logit_mask,
        init=init,
        init_logit=init_logit,
        local_search=local_search,
        phase=phase,
        parameters=parameters,
    )
