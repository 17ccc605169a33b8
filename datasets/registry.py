"""Dataset names -> instances: every name routes through the problem class that owns it
(:mod:`schedbench.classes`); this module also holds the paper's class's catalogue.

The paper's class (icml24):

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

L defaults to 10 everywhere (the paper's experiments). R follows the paper's text. The
other classes' names (``heurigym/<name>``, ``eds/<name>``, ...) are in their modules;
``python -m schedbench list datasets`` prints them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from schedbench import classes
from schedbench.datasets import epfl, rw, synthetic
from schedbench.datasets import mapped as mapped_module
from schedbench.datasets.files import read_graph
from schedbench.graph import Graph
from schedbench.problems.icml24 import CommMode, Problem, ProblemError

DEFAULT_STAGES = 10


@dataclass(frozen=True)
class DatasetInfo:
    """What a name of the paper's class stands for and the paper's settings for it."""

    name: str
    family: str  # rw | epfl | epfl_mapped | synthetic | file | aiger
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
    entries += [
        DatasetInfo("synthetic", "synthetic", 10),
        DatasetInfo("gml", "file", 10),
        DatasetInfo("edgelist", "file", 10),
        DatasetInfo("aiger", "aiger", 100),
    ]
    return {entry.name: entry for entry in entries}


_CATALOGUE: dict[str, DatasetInfo] | None = None
ABOUT = {
    "rw": "the paper's random workload",
    "epfl": "EPFL design, the paper's node model",
    "epfl_mapped": "EPFL design mapped by ABC (library=, liberty=)",
    "synthetic": "seeded DAG (nodes, density, depth, seed, shape)",
    "file": "a GML or edge-list file (path=)",
    "aiger": "an AIGER file (path=, mapped=)",
}
PARAMS: dict[str, dict[str, Any] | None] = {
    "rw": {},
    "epfl": {},
    "epfl_mapped": {"library": "asap7", "liberty": None},
    "synthetic": None,
    "file": None,
    "aiger": {"path": None, "mapped": False, "liberty": None, "library": "asap7"},
}


def names(family: str | None = None) -> list[str]:
    """Every name of the paper's class, optionally of one family; ``family=None`` and
    every other class's names: :func:`schedbench.classes.dataset_names`."""
    return [k for k, v in _catalog().items() if family is None or v.family == family]


def info(name: str) -> DatasetInfo:
    """The paper's-class entry for ``name``; an unknown name is a one-line error listing
    every class's collections."""
    catalogue = _catalog()
    if name not in catalogue:
        owner = classes.owner(name)  # an unknown name: the error lists the collections
        raise ProblemError(
            f"dataset {name!r} is a {owner.name} instance, not the paper's class; it has no "
            "L, R or paper sizes"
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
        return rw.load(name)
    if entry.family == "epfl":
        return epfl.load(name)
    if entry.family == "epfl_mapped":
        return mapped_module.load(name.removesuffix("_m"), **params)
    if entry.family == "synthetic":
        return synthetic.load(**params)
    if entry.family == "aiger":
        return _aiger(**params)
    if "path" not in params or not params["path"]:
        raise ProblemError(f"dataset {name!r} needs a file: give path=<file>")
    return read_graph(params.pop("path"), **params)


def paper_problem(
    name: str,
    *,
    stages: int | None = None,
    ratio: float | None = None,
    comm_mode: CommMode = "binary",
    **params: Any,
) -> Problem:
    """The paper's-class instance ``name`` (L and R default to the paper's values)."""
    entry = info(name)
    return Problem.of(
        graph_of(name, **params),
        stages=entry.stages if stages is None else stages,
        ratio=entry.ratio if ratio is None else ratio,
        comm_mode=comm_mode,
    )


def paper_datasets() -> list[classes.Dataset]:
    """The paper's class's catalogue as class datasets (schedbench.problems.icml24)."""
    return [
        classes.Dataset(name, partial(paper_problem, name), ABOUT[e.family], PARAMS[e.family])
        for name, e in _catalog().items()
    ]


def read_paper_file(path: Any, *, stages: int | None = None, ratio: float | None = None,
                    comm_mode: CommMode = "binary", **options: Any) -> Problem:  # fmt: skip
    """A GML, edge-list or AIGER file as an instance of the paper's class (L = 10; R = 10
    for a graph file, 100 for AIGER, as the paper's collections)."""
    aiger = str(path).lower().endswith(".aig")
    graph = _aiger(str(path), **options) if aiger else read_graph(path, **options)
    return Problem.of(
        graph,
        stages=DEFAULT_STAGES if stages is None else stages,
        ratio=(100 if aiger else 10) if ratio is None else ratio,
        comm_mode=comm_mode,
    )


def load(
    name: str,
    *,
    stages: int | None = None,
    ratio: float | None = None,
    comm_mode: CommMode | None = None,
    **params: Any,
) -> Any:
    """The validated instance ``name`` stands for, of whichever class owns it (``file``:
    any class's file, from ``path=``); L, R and the comm mode are the paper's class's
    settings, refused by the others."""
    settings = {"stages": stages, "ratio": ratio, "comm_mode": comm_mode}
    if name == "file":
        path = params.pop("path", None)
        if not path:
            raise ProblemError("dataset 'file' needs a file: give dataset.params.path=<file>")
        return classes.read_file(path, settings, **params)
    return classes.owner(name).load(name, settings, params)


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
