"""The modulo class as the harness sees it (:class:`~schedbench.classes.ProblemClass`):
its cost and terms, its datasets, file readers and solvers. The entry point is
``schedbench.problems.modulo:PROBLEM_CLASS``, which re-exports this module's."""

from __future__ import annotations

from schedbench.problems.loops import LENGTH_SCALE


def _catalogue() -> list:
    from schedbench.datasets.modulo import catalogue

    return catalogue()


def _read_graphml(path, resources: str | None = None) -> object:
    from schedbench.problems.modulo_formats import read_graphml_file

    return read_graphml_file(path, resources)


def _read_ssp(path, instance: str | None = None) -> object:
    from schedbench.problems.modulo_formats import read_ssp_file

    return read_ssp_file(path, instance)


def _problem_class() -> object:
    from schedbench.classes import ProblemClass

    return ProblemClass(
        name="modulo",
        title="modulo scheduling of a loop body (minimum II, then length)",
        cost=f"II * {LENGTH_SCALE:,} + schedule length (II first, then length)",
        unit="II*1e6+cycles",
        statement="docs/problems/modulo.md",
        terms={
            "ii": "the best schedule's initiation interval, in cycles",
            "length": "the best schedule's length max(t_i + lat_i), in cycles",
        },
        facts={
            "n": "schedule entries: operations + 1 (the II)",
            "m": "dependence edges",
            "operations": "operations of the loop body",
            "carried": "loop-carried edges (distance > 0)",
            "limited": "operations on a limited resource",
            "res_mii": "the resource-constrained minimum II",
            "rec_mii": "the recurrence-constrained minimum II (maximum cycle ratio)",
            "min_ii": "max(ResMII, RecMII)",
        },
        columns={
            "trivial_bound": "MinII * 1e6 + the longest path at MinII",
            "asap_cost": "the loop without overlap (one iteration's list schedule, II = its span)",
            "best_cost": "II * 1e6 + length of the best schedule",
            "bound": "a proved lower bound on the cost (II bound * 1e6 + length bound)",
        },
        catalogue=_catalogue,
        readers={".graphml": _read_graphml, ".mlir": _read_ssp},
        solvers={
            "modulo_cpsat": "schedbench.solvers.modulo.cpsat",
            "modulo_highs": "schedbench.solvers.modulo.milp",
            "modulo_ims": "schedbench.solvers.modulo.ims",
            "modulo_sdc": "schedbench.solvers.modulo.sdc",
            "modulo_gauss": "schedbench.solvers.modulo.gauss",
            "modulo_gs": "schedbench.solvers.modulo.gs",
        },
        schedule="start",
        picture="share",
        primary=(".graphml", ".mlir"),
    )


PROBLEM_CLASS = _problem_class()
