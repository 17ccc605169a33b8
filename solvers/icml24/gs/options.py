"""GS's options, written once.

:class:`Options` holds every setting of GS's training loop with the reference code's
defaults. The ``gs`` back-end exposes the paper's options (:data:`PAPER`), ``gs_plus`` all
of them under its own defaults; each back-end's ``run`` signature is generated here
(:func:`signature`), so the registry's option check and the run key (which hashes the
resolved defaults) read the same values the training loop uses.
"""

from __future__ import annotations

import dataclasses
import inspect
from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class Options:
    """GS's settings (module docstring of :mod:`schedbench.solvers.icml24.gs` for the paper's)."""

    batch: int = 250
    temperature: float = 50.0
    temperature_final: float | None = None
    temperature_schedule: Literal["constant", "exponential"] = "constant"
    lr: float = 1.0
    optimizer: Literal["adam", "adamw"] = "adamw"
    cosine_t_max: int = 50
    epochs: int | None = None
    memory_loss: Literal["entropy", "smoothmax", "cost"] = "entropy"
    smoothmax_temperature: float = 0.05
    source_bias: float = 10.0
    device: str = "auto"
    dtype: Literal["float32", "float64", "bfloat16"] = "float32"
    seed: int | None = None
    parameters: Literal["per_row", "per_node"] = "per_row"
    noise: Literal["fast", "torch"] = "fast"
    # gs_plus's switches (off in the paper's GS)
    logit_mask: bool = False  # logit-space masking instead of the masked double softmax
    init: Literal["paper", "topo_chunk", "window"] = "paper"  # logits centred on a schedule
    init_logit: float = 3.0
    local_search: bool = False  # the shared local search every ``phase`` seconds
    phase: float | None = None


PAPER = ("batch", "temperature", "temperature_final", "temperature_schedule", "lr",
         "optimizer", "cosine_t_max", "epochs", "memory_loss", "smoothmax_temperature",
         "source_bias", "device", "dtype", "seed", "parameters", "noise")  # fmt: skip


def signature(defaults: Options, names: tuple[str, ...]) -> inspect.Signature:
    """``run(ctx, <name>=<default>, ...)`` for the options a back-end exposes."""
    hints = {f.name: f.type for f in dataclasses.fields(Options)}
    keyword = inspect.Parameter.POSITIONAL_OR_KEYWORD
    return inspect.Signature(
        [inspect.Parameter("ctx", keyword, annotation="SolveContext")]
        + [
            inspect.Parameter(
                name, keyword, default=getattr(defaults, name), annotation=hints[name]
            )
            for name in names
        ],
        return_annotation="Outcome",
    )


def chosen(defaults: Options, names: tuple[str, ...], given: dict[str, Any]) -> Options:
    """``defaults`` with ``given`` on top; an option the back-end does not expose is a
    TypeError, as for a plain function."""
    unknown = sorted(set(given) - set(names))
    if unknown:
        raise TypeError(f"unexpected option(s) {unknown}; this back-end takes {list(names)}")
    return dataclasses.replace(defaults, **given)
