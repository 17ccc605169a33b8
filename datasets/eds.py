"""The ExPRESS graphs with the optimal time-constrained ILP results of the EDS repository.

``eds/<graph>`` with ``factor`` 1.0, 1.5 or 2.0 is the latency-constrained
minimum-resources instance (:class:`~schedbench.problems.tcs.TCSProblem`) the EDS
repository's ``TC_ILP/<graph>_<factor>.lp`` states, read from its DOT graph in
``Benchmarks/`` at a pinned commit (``SCHEDBENCH_EDS_DIR/<commit>/...``, default
``$XDG_CACHE_HOME/schedbench/eds``, downloaded on first use). The semantics, read from the
LP files (docs/problems/tcs.md): MUL, mul and DIV run on a multiplier with delay 2, every
other operation on an ALU with delay 1; each kind costs 1 and counts at least 1 unit; the
latency bound is the critical path times the factor, rounded down. Their CPLEX optima are
in ``TC_ILP/Sol_summary.txt`` (:func:`optimum`).
"""

from __future__ import annotations

import re
from pathlib import Path

from schedbench.datasets.graph import fetch, user_cache
from schedbench.graph import ProblemError
from schedbench.problems.common import param_number
from schedbench.problems.dot import read_dot_graph
from schedbench.problems.tcs import TCSProblem

REPOSITORY = "chhzh123/Entropy-directed-scheduling"
COMMIT = "293b1e7bfd6a438ae5887426313a9a9e1c60c3ed"
URL = "https://raw.githubusercontent.com/{repo}/{commit}/{path}"
NAMES = (
    "arf", "collapse_pyr_dfg__113", "cosine1", "cosine2", "ewf", "feedback_points_dfg__7",
    "fir1", "fir2", "h2v2_smooth_downsample_dfg__6", "hal", "horner_bezier_surf_dfg__12",
    "idctcol_dfg__3", "interpolate_aux_dfg__12", "invert_matrix_general_dfg__3",
    "jpeg_fdct_islow_dfg__6", "jpeg_idct_ifast_dfg__5", "matmul_dfg__3",
    "motion_vectors_dfg__7", "smooth_color_z_triangle_dfg__31", "write_bmp_header_dfg__7",
)  # fmt: skip
FACTORS = (1.0, 1.5, 2.0)
PREFIX = "eds/"
MULTIPLIER_TYPES = ("MUL", "mul", "DIV")
DELAY = {"MUL": 2, "ALU": 1}


def data_root() -> Path:
    """``SCHEDBENCH_EDS_DIR`` or ``$XDG_CACHE_HOME/schedbench/eds``."""
    return user_cache("SCHEDBENCH_EDS_DIR", "eds")


def _fetch(path: str) -> Path:
    return fetch(
        URL.format(repo=REPOSITORY, commit=COMMIT, path=path),
        data_root() / COMMIT / path,
        "set SCHEDBENCH_EDS_DIR to a folder holding <commit>/Benchmarks and <commit>/TC_ILP",
    )


def _name(name: str) -> str:
    name = name.removeprefix(PREFIX)
    if name not in NAMES:
        raise ProblemError(f"unknown EDS graph {name!r}; choose one of {', '.join(NAMES)}")
    return name


def load(name: str, factor: float = 1.0) -> TCSProblem:
    """The TCS instance of EDS graph ``name`` at latency ``factor`` x the critical path
    (EDS published optima at ``FACTORS``; any factor >= 1 is a valid instance)."""
    name = _name(name)
    factor = param_number(factor, "factor")  # the bound's own check names the critical path
    graph = read_dot_graph(_fetch(f"Benchmarks/{name}.dot")).renamed(
        f"{name}_{factor:.1f}" if factor in FACTORS else f"{name}_{factor:g}"
    )
    kind = {t: "MUL" if t in MULTIPLIER_TYPES else "ALU" for t in graph.types}
    try:
        return TCSProblem.on(
            graph,
            delay={t: DELAY[k] for t, k in kind.items()},
            kind=kind,
            cost={"MUL": 1, "ALU": 1},
            min_units={"MUL": 1, "ALU": 1},
            latency_factor=float(factor),
        )
    except ProblemError as err:  # a factor below 1: name the key to change
        raise ProblemError(f"dataset.params.factor={factor:g}: {err}") from None


def optimum(name: str, factor: float) -> tuple[int, int]:
    """EDS's CPLEX optimum (#MUL, #ALU) of ``name`` at ``factor``."""
    name = _name(name)
    text = _fetch("TC_ILP/Sol_summary.txt").read_text()
    pattern = rf"^{re.escape(name)}_{float(factor):.1f}\.lp\s*\n\(\s*([\d.]+)\s+([\d.]+)\s*\)"
    found = re.search(pattern, text, flags=re.MULTILINE)
    if found is None:
        raise ProblemError(f"Sol_summary.txt has no entry for {name}_{factor:.1f}")
    return round(float(found.group(1))), round(float(found.group(2)))
