"""The loops of the modulo class: HatScheT's ChStone loops and CIRCT's SSP test instances.

``modulo/chstone/<app>/graphN`` is ``benchmarks/ChStone/<app>/graphN.graphml`` (with
``graphN_RM.xml``) of HatScheT at a pinned commit, read from
``SCHEDBENCH_HATSCHET_DIR/<commit>/...`` (default ``$XDG_CACHE_HOME/schedbench/hatschet``)
and downloaded there on first use; ``modulo/chstone200/<app>/graphN`` is the same loop's
``graphN.200MHz.graphml`` (chaining edges for a 200 MHz clock, same resource model).
HatScheT ships no ``dfsin/graph1.200MHz.graphml``: that one name is absent from the
200 MHz collection (262 loops). ``modulo/circt/<name>`` is an instance of CIRCT's
``test/Scheduling/{modulo,cyclic}-problems.mlir`` (``SCHEDBENCH_CIRCT_DIR``).
"""

from __future__ import annotations

from pathlib import Path

from schedbench.datasets.graph import fetch, user_cache
from schedbench.node_arrays import ProblemError
from schedbench.problems.modulo import ModuloProblem
from schedbench.problems.modulo_formats import read_hatschet, read_ssp

REPOSITORY = "SpeedyBK/hatschet"
COMMIT = "8e3a5919744b042d3578c011dfd0c92ea522193d"
URL = "https://raw.githubusercontent.com/{repo}/{commit}/benchmarks/ChStone/{path}"
CHSTONE = {
    "adpcm": 30, "aes": 22, "blowfish": 1, "dfdiv": 2, "dfsin": 3, "gsm": 15, "jpeg": 113,
    "mips": 1, "motion": 51, "sha": 25,
}  # fmt: skip  # loops per application: graph1 .. graphN
MISSING_200MHZ = ("dfsin/graph1",)  # not in HatScheT's repository
PREFIX, PREFIX_200 = "modulo/chstone/", "modulo/chstone200/"
CIRCT_REPOSITORY = "llvm/circt"
CIRCT_FILES = {  # file -> commit it was taken at (../shared/data/SOURCES.md)
    "modulo-problems.mlir": "13ea1fd4",
    "cyclic-problems.mlir": "497c6ab5",
}
CIRCT = {
    "canis14_fig2": "modulo-problems.mlir", "minII_feasible": "modulo-problems.mlir",
    "minII_infeasible": "modulo-problems.mlir", "four_read_pipeline": "modulo-problems.mlir",
    "cyclic": "cyclic-problems.mlir", "mobility": "cyclic-problems.mlir",
    "interleaved_cycles": "cyclic-problems.mlir", "self_arc": "cyclic-problems.mlir",
}  # fmt: skip


def loops(collection: str = "chstone") -> list[str]:
    """Every ``<app>/graphN`` of the collection (``chstone`` or ``chstone200``)."""
    names = [f"{app}/graph{k}" for app, count in CHSTONE.items() for k in range(1, count + 1)]
    return [x for x in names if collection == "chstone" or x not in MISSING_200MHZ]


def data_root() -> Path:
    """``SCHEDBENCH_HATSCHET_DIR`` or ``$XDG_CACHE_HOME/schedbench/hatschet``."""
    return user_cache("SCHEDBENCH_HATSCHET_DIR", "hatschet")


def _fetch(path: str) -> Path:
    return fetch(
        URL.format(repo=REPOSITORY, commit=COMMIT, path=path),
        data_root() / COMMIT / "benchmarks" / "ChStone" / path,
        "set SCHEDBENCH_HATSCHET_DIR to a folder holding <commit>/benchmarks/ChStone/...",
    )


def load_chstone(loop: str, clock: str = "") -> ModuloProblem:
    """The ChStone loop ``<app>/graphN`` (``clock="200MHz"``: its 200 MHz variant)."""
    if clock not in ("", "200MHz"):
        raise ProblemError(f"HatScheT's ChStone loops come at clock '' or '200MHz', not {clock!r}")
    collection = "chstone200" if clock else "chstone"
    if clock and loop in MISSING_200MHZ:
        raise ProblemError(
            f"HatScheT ships no 200 MHz variant of {loop} (graph1.200MHz.graphml is absent "
            "from its repository); use modulo/chstone/" + loop
        )
    if loop not in loops(collection):
        raise ProblemError(
            f"unknown ChStone loop {loop!r} in {collection}; loops are <app>/graph<k> with "
            f"app in {', '.join(CHSTONE)} (python -m schedbench list datasets --class modulo)"
        )
    suffix = f".{clock}" if clock else ""
    graph = _fetch(f"{loop}{suffix}.graphml")
    model = _fetch(f"{loop}_RM.xml")
    prefix = PREFIX_200 if clock else PREFIX
    return read_hatschet(graph, model, name=f"{prefix}{loop}")


def circt_root() -> Path:
    """``SCHEDBENCH_CIRCT_DIR`` or ``$XDG_CACHE_HOME/schedbench/circt``."""
    return user_cache("SCHEDBENCH_CIRCT_DIR", "circt")


def load_circt(name: str) -> ModuloProblem:
    """CIRCT's SSP test instance ``name``."""
    if name not in CIRCT:
        raise ProblemError(f"unknown CIRCT instance {name!r}; choose one of {', '.join(CIRCT)}")
    file = CIRCT[name]
    url = (f"https://raw.githubusercontent.com/{CIRCT_REPOSITORY}/{CIRCT_FILES[file]}/"
           f"test/Scheduling/{file}")  # fmt: skip
    path = fetch(url, circt_root() / "test" / "Scheduling" / file,
                 "set SCHEDBENCH_CIRCT_DIR to a folder holding test/Scheduling/*.mlir")  # fmt: skip
    return next(i.problem for i in read_ssp(path) if i.problem.name == name)


def catalogue() -> list:
    """The class's datasets: every ChStone loop, its 200 MHz variant, CIRCT's instances."""
    from functools import partial

    from schedbench.classes import Dataset

    chstone = [
        Dataset(f"{PREFIX}{loop}", partial(load_chstone, loop), "HatScheT's ChStone loop")
        for loop in loops("chstone")
    ]
    fast = [
        Dataset(f"{PREFIX_200}{loop}", partial(load_chstone, loop, "200MHz"),
                "HatScheT's ChStone loop at 200 MHz (chaining edges)")
        for loop in loops("chstone200")
    ]  # fmt: skip
    circt = [
        Dataset(f"modulo/circt/{name}", partial(load_circt, name),
                f"CIRCT's SSP test instance ({file})")
        for name, file in CIRCT.items()
    ]  # fmt: skip
    return [*chstone, *fast, *circt]
