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

from dataclasses import replace
from typing import Any

from schedbench.solvers.base import Outcome, SolveContext
from schedbench.solvers.icml24.gs import train, version
from schedbench.solvers.icml24.gs.options import Options, chosen, signature

REVISION = 2  # 2: the numba local search and legalization (more steps per budget)
LIBRARY = "torch"
PIP = "torch"
CLASSES = ("icml24",)  # the problem classes it solves
__all__ = ["run", "version"]


# gs_plus's defaults: every improvement on (the options not named keep GS's)
DEFAULTS = replace(
    Options(),
    logit_mask=True,
    memory_loss="cost",
    smoothmax_temperature=0.01,
    temperature_schedule="exponential",
    temperature=1.0,
    temperature_final=0.1,
    init="topo_chunk",
    init_logit=8.0,
    local_search=True,
    batch=64,
    lr=0.1,
    optimizer="adam",
    cosine_t_max=1000,
    parameters="per_node",
)
EXPOSED = ("logit_mask", "memory_loss", "smoothmax_temperature", "temperature_schedule",
           "temperature", "temperature_final", "init", "init_logit", "local_search", "phase",
           "batch", "lr", "optimizer", "cosine_t_max", "epochs", "device", "dtype",
           "parameters")  # fmt: skip


def run(ctx: SolveContext, **options: Any) -> Outcome:
    """GS with every improvement on (module docstring); each option turns one off."""
    return train(ctx, chosen(DEFAULTS, EXPOSED, options))


run.__signature__ = signature(DEFAULTS, EXPOSED)  # type: ignore[attr-defined]
