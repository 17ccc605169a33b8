"""The paper's class (icml24) as a plugin: its datasets, files, solvers and words.

The instance type is :class:`schedbench.problem.Problem` and its evaluator
:mod:`schedbench.evaluate`; this module only tells the harness what the class has
(:class:`schedbench.classes.ProblemClass`, registered as an entry point).
"""

from __future__ import annotations

from schedbench.classes import ProblemClass


def _catalogue() -> list:
    from schedbench.datasets.registry import paper_datasets

    return paper_datasets()


def _read(path: object, **options: object) -> object:
    from schedbench.datasets.registry import read_paper_file

    return read_paper_file(path, **options)


PROBLEM_CLASS = ProblemClass(
    name="icml24",
    title="stage assignment minimizing R * peak memory + communication (the ICML 2024 paper)",
    cost="R * peak + comm: R times the largest stage's memory plus the stage boundaries "
    "crossed by counted edges",
    unit="R*peak+comm",
    statement="docs/problems/icml24.md",
    terms={
        "peak": "the best schedule's peak stage memory (largest per-stage sum of w)",
        "comm": "the best schedule's communication (stage boundaries crossed by edges with c > 0)",
    },
    facts={
        "n": "nodes",
        "m": "edges",
        "depth": "nodes on a longest path",
        "stages": "L, the number of stages",
        "ratio": "R, the price of peak memory in communication units",
        "total_weight": "sum of the node weights",
        "trivial_bound": "R * max(ceil(sum w / L), max w) + the distance bound on comm",
        "asap_cost": "the cost of the ASAP schedule (the common reference)",
    },
    columns={
        "best_cost": "R * peak + comm of the best schedule",
        "bound": "a proved lower bound on R * peak + comm",
    },
    settings=("stages", "ratio", "comm_mode"),
    catalogue=_catalogue,
    readers={s: _read for s in (".gml", ".edges", ".edgelist", ".txt", ".el", ".aig")},
    solvers={
        name: f"schedbench.solvers.{module}"
        for name, module in {
            "cpsat": "cpsat",
            "highs": "highs",
            "gurobi": "gurobi",
            "cplex": "cplex",
            "cbc": "cbc",
            "asap": "asap",
            "topo_chunk": "topo_chunk",
            "list": "list_scheduling",
            "fds": "fds",
            "gs": "gs",
            "gs_plus": "gs_plus",
            "gauss": "gauss",
            "local_search": "local_search",
        }.items()
    },
)
