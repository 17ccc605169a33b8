"""Short dataset names -> graphs and problems, with each family's paper defaults.

=================  ======================================================  ======
name               what                                                    R
=================  ======================================================  ======
rw1 .. rw12        the paper's random workloads (reference GML files)      10
adder, bar, ...    the 20 EPFL designs, paper node model                   100
adder_m, ...       the same, technology-mapped by ABC                      100
synthetic          seeded DAG: RW-like, or deep with unit weights (params)  10
gml, edgelist      a user file (path, attribute names, default weights)     10
aiger              a user AIGER file (path; mapped=true maps it with ABC)   100
=================  ======================================================  ======

L defaults to 10 everywhere (the paper's experiments). R follows the paper's text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from schedbench.datasets import epfl, rw, synthetic
from schedbench.datasets import mapped as mapped_module
from schedbench.datasets.files import read_graph
from schedbench.graph import Graph
from schedbench.problem import CommMode, Problem, ProblemError

DEFAULT_STAGES = 10


@dataclass(frozen=True)
class DatasetInfo:
    """What a name stands for and the paper's settings for it."""

    name: str
    family: str  # rw | epfl | epfl_mapped | synthetic | file
    ratio: float
    stages: int = DEFAULT_STAGES
    paper_nodes: int | None = None
    paper_depth: int | None = None


def _catalogue() -> dict[str, DatasetInfo]:
    entries = [
        DatasetInfo(k, "rw", 10, paper_nodes=v[1], paper_depth=v[2]) for k, v in rw.DESIGNS.items()
    ]
    for design in epfl.names():
        stated = epfl.PAPER.get(design, (None, None))
        stated_m = epfl.PAPER_MAPPED.get(design, (None, None))
        entries.append(
            DatasetInfo(design, "epfl", 100, paper_nodes=stated[0], paper_depth=stated[1])
        )
        entries.append(
            DatasetInfo(
                f"{design}_m", "epfl_mapped", 100, paper_nodes=stated_m[0], paper_depth=stated_m[1]
            )
        )
    from schedbench.datasets import heurigym

    entries += [DatasetInfo(f"{heurigym.PREFIX}{n}", "heurigym", 1) for n in heurigym.NAMES]
    from schedbench.datasets import eds

    entries += [DatasetInfo(f"{eds.PREFIX}{n}", "eds", 1) for n in eds.NAMES]
    entries += [
        DatasetInfo(name, "typed_synthetic", 1) for name in ("rcs_synthetic", "tcs_synthetic")
    ]
    entries += [
        DatasetInfo("synthetic", "synthetic", 10),
        DatasetInfo("gml", "file", 10),
        DatasetInfo("edgelist", "file", 10),
        DatasetInfo("aiger", "aiger", 100),
    ]
    return {entry.name: entry for entry in entries}


_CATALOGUE: dict[str, DatasetInfo] | None = None


def names(family: str | None = None) -> list[str]:
    """Every registered name, optionally of one family."""
    return [k for k, v in _catalog().items() if family is None or v.family == family]


def info(name: str) -> DatasetInfo:
    """The registry entry for ``name``; an unknown name is a one-line error listing choices."""
    catalogue = _catalog()
    if name not in catalogue:
        raise ProblemError(
            f"unknown dataset {name!r}; choose one of rw1..rw12, an EPFL design such as "
            "adder (or adder_m mapped), synthetic, gml, edgelist, aiger, or heurigym/<name>"
        )
    return catalogue[name]


def _catalog() -> dict[str, DatasetInfo]:
    global _CATALOGUE
    if _CATALOGUE is None:
        _CATALOGUE = _catalogue()
    return _CATALOGUE


def graph_of(name: str, **params: Any) -> Graph:
    """Build (or fetch from the cache) the graph that ``name`` and ``params`` stand for."""
    entry = info(name)
    if entry.family == "rw":
        _no_params(name, params)
        return rw.load(name)
    if entry.family == "epfl":
        _no_params(name, params)
        return epfl.load(name)
    if entry.family == "epfl_mapped":
        library, liberty = params.pop("library", "asap7"), params.pop("liberty", None)
        _no_params(name, params)
        return mapped_module.load(name.removesuffix("_m"), library=library, liberty=liberty)
    if entry.family == "synthetic":
        return synthetic.load(**params)
    if entry.family == "aiger":
        return _aiger(**params)
    if "path" not in params or not params["path"]:
        raise ProblemError(f"dataset {name!r} needs a file: give path=<file>")
    return read_graph(params.pop("path"), **params)


def load(
    name: str,
    *,
    stages: int | None = None,
    ratio: float | None = None,
    comm_mode: CommMode = "binary",
    **params: Any,
) -> Problem:
    """A validated :class:`Problem` for ``name``; L and R default to the paper's values.
    A name of another problem class (``heurigym/<name>``: RCS; ``eds/<name>`` with
    ``factor``: TCS) gives that class's instance."""
    entry = info(name)
    if entry.family == "heurigym":
        from schedbench.datasets import heurigym

        if params:
            raise ProblemError(f"dataset {name!r} takes no parameters, got {sorted(params)}")
        return heurigym.load(name)
    if entry.family == "typed_synthetic":
        from schedbench.datasets import typed_synthetic

        make = typed_synthetic.rcs if name == "rcs_synthetic" else typed_synthetic.tcs
        try:
            return make(**params)
        except TypeError as err:
            raise ProblemError(f"dataset {name!r}: {err}") from None
    if entry.family == "eds":
        from schedbench.datasets import eds

        factor = params.pop("factor", 1.0)
        if params:
            raise ProblemError(f"dataset {name!r} takes only factor=, got {sorted(params)}")
        return eds.load(name, factor)
    return Problem.of(
        graph_of(name, **params),
        stages=entry.stages if stages is None else stages,
        ratio=entry.ratio if ratio is None else ratio,
        comm_mode=comm_mode,
    )


def _aiger(
    path: str | None = None,
    mapped: bool = False,
    liberty: str | None = None,
    library: str = "asap7",
) -> Graph:
    if not path:
        raise ProblemError("dataset 'aiger' needs a file: give path=<file.aig>")
    if mapped or liberty:
        return mapped_module.load_file(path, library=library, liberty=liberty)
    return epfl.load_file(path)


def _no_params(name: str, params: dict[str, Any]) -> None:
    if params:
        raise ProblemError(f"dataset {name!r} takes no parameters, got {sorted(params)}")
