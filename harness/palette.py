"""One colour and marker per solver, by family, for every figure and the report.

A family has one hue and its solvers shades of it (darkest first), so related solvers look
related and unrelated ones never share a colour; each solver also gets its own marker, so
lines that overlap stay distinguishable in print. A solver run on a GPU (``gs@cuda``)
takes its CPU twin's colour with a dotted line.
"""

from __future__ import annotations

from collections.abc import Iterable

from schedbench.harness.tables import GPU_SUFFIX

# family -> its solvers in shade order; anything else is "other"
FAMILIES: dict[str, list[str]] = {
    "differentiable": [
        "gs",
        "gs_adam",
        "gs_per_node",
        "gs_plus",
        "gauss",
        "hls_gs",
        "hls_gauss",
        "hls_gs_scale",  # the scale families' configuration: banded, half the time scoring
        "hls_gauss_scale",
        "hls_gauss_scale_cold",
        "hls_gauss_scale_list",  # GauS's informed start (the list schedule) in both classes
    ],
    "exact": [
        "cpsat",
        "cpsat_compact",
        "highs",
        "highs_compact",
        "gurobi",
        "gurobi_compact",
        "cplex",
        "cplex_compact",
        "cbc",
        "cbc_compact",
        "rcs_cpsat",  # other classes': never drawn beside the paper's (shades repeat)
        "rcs_highs",
        "tcs_cpsat",
        "tcs_highs",
    ],
    "heuristic": [
        "asap",
        "list",
        "topo_chunk",
        "fds",
        "local_search",
        "nested_cuts",
        "rcs_list",
        "tcs_list",
        "tcs_fds",
    ],
    "composed": ["hybrid", "relay"],
    # a differentiable solver without its gradient steps (the ablation's control)
    "ablation": [
        "hls_gs_nograd",
        "hls_gauss_nograd",
        "hls_gs_scale_nograd",
        "hls_gauss_scale_nograd",
        "hls_gauss_scale_cold_nograd",
        "hls_gauss_scale_list_nograd",
    ],
}
# per family, shades from dark to light (ColorBrewer sequential ramps)
SHADES: dict[str, list[str]] = {
    "differentiable": ["#08306b", "#2171b5", "#6baed6", "#6a51a3", "#9e9ac8"],
    "exact": [
        "#67000d",
        "#cb181d",
        "#7f2704",
        "#f16913",
        "#a50f15",
        "#fb6a4a",
        "#d94801",
        "#fd8d3c",
        "#ef3b2c",
        "#fdae6b",
    ],
    "heuristic": ["#00441b", "#238b45", "#74c476", "#006d2c", "#41ab5d"],
    "composed": ["#3f007d", "#807dba"],
    "ablation": ["#525252", "#969696"],
    # solvers of your own: teals, browns, greys, pinks, olives (tab20's, 20 apart)
    "other": [
        "#17becf",
        "#8c564b",
        "#7f7f7f",
        "#e377c2",
        "#bcbd22",
        "#9edae5",
        "#c49c94",
        "#c7c7c7",
        "#f7b6d2",
        "#dbdb8d",
        "#393b79",
        "#637939",
        "#8c6d31",
        "#843c39",
        "#7b4173",
        "#5254a3",
        "#8ca252",
        "#bd9e39",
        "#ad494a",
        "#a55194",
    ],
}
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "<", ">", "*"]
SVG_MARKERS = ["circle", "square", "triangle", "diamond"]


def family(solver: str) -> str:
    base = solver.removesuffix(GPU_SUFFIX)
    return next((f for f, members in FAMILIES.items() if base in members), "other")


def style(solvers: Iterable[str]) -> dict[str, dict[str, str]]:
    """Per solver: ``color`` (hex), ``marker`` (matplotlib) and ``linestyle``."""
    out: dict[str, dict[str, str]] = {}
    others: list[str] = []
    for solver in sorted(set(solvers)):
        base = solver.removesuffix(GPU_SUFFIX)
        kind = family(solver)
        if kind == "other":
            if base not in others:
                others.append(base)
            index = others.index(base)
        else:
            index = FAMILIES[kind].index(base)
        shades = SHADES[kind]
        out[solver] = {
            "color": shades[index % len(shades)],
            "marker": MARKERS[index % len(MARKERS)],
            "linestyle": ":" if solver.endswith(GPU_SUFFIX) else "-",
            "family": kind,
        }
    return out
