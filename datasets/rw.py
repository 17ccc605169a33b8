"""RW1-RW12: the paper's random workloads, the reference repository's GML files.

Downloaded on first use from the repository's raw-file URL at a pinned commit into
``<root>/<commit>/graphgml/<file>.gml`` and reused after; ``SCHEDBENCH_DATA_DIR`` sets
the root (tests point it at a read-only copy so nothing touches the network).
"""

from __future__ import annotations

from pathlib import Path

from schedbench.datasets.files import read_graph
from schedbench.datasets.graph import cache_key, cached, fetch, user_cache
from schedbench.graph import Graph

REPOSITORY = "Yu-Maryland/Differentiable_Scheduler_ICML24"
COMMIT = "f1a1204c68ba58622b5d25ab5d8a5df0aff1b5ef"
URL = "https://raw.githubusercontent.com/{repo}/{commit}/graphgml/{file}.gml"

# name -> (file stem, paper's stated |V|, paper's stated depth), from Table 1.
DESIGNS: dict[str, tuple[str, int, int]] = {
    "rw1": ("rand_graph_1000_1", 949, 15),
    "rw2": ("rand_graph_1000_2", 941, 16),
    "rw3": ("rand_graph_1000_3", 929, 16),
    "rw4": ("rand_graph_sparse_1000_1", 810, 9),
    "rw5": ("rand_graph_sparse_1000_2", 819, 8),
    "rw6": ("rand_graph_sparse_1000_3", 829, 8),
    "rw7": ("rand_graph_sparse_5000_1", 4087, 10),
    "rw8": ("rand_graph_sparse_5000_2", 4063, 9),
    "rw9": ("rand_graph_sparse_5000_3", 4086, 8),
    "rw10": ("rand_graph_sparse_10000_1", 8058, 9),
    "rw11": ("rand_graph_sparse_10000_2", 8192, 11),
    "rw12": ("rand_graph_sparse_10000_3", 8193, 9),
}


def data_root() -> Path:
    """``SCHEDBENCH_DATA_DIR`` or ``$XDG_CACHE_HOME/schedbench/icml24``."""
    return user_cache("SCHEDBENCH_DATA_DIR", "icml24")


def gml_path(file: str, *, timeout: float = 60.0) -> Path:
    """Local path of a reference GML file, downloading it once if it is missing."""
    return fetch(
        URL.format(repo=REPOSITORY, commit=COMMIT, file=file),
        data_root() / COMMIT / "graphgml" / f"{file}.gml",
        "set SCHEDBENCH_DATA_DIR to a folder holding <commit>/graphgml/<file>.gml",
        timeout=timeout,
    )


def load(name: str) -> Graph:
    """Graph of RW design ``name`` (``rw1``..``rw12``), named as in the paper."""
    file = DESIGNS[name][0]

    def build() -> Graph:
        return read_graph(gml_path(file), use_cache=False).renamed(name)

    return cached(cache_key("rw", commit=COMMIT, file=file, name=name), build)
