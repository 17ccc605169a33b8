"""Datasets behind one registry: ``load("rw1")``, ``load("adder_m")``, ``load("gml", path=...)``.

Installed as ``schedbench.datasets`` (never as a top-level ``datasets``, which would
shadow Hugging Face's package). See :mod:`schedbench.datasets.registry`.
"""

from schedbench.datasets.registry import DatasetInfo, graph_of, info, load, names
from schedbench.graph import Graph

__all__ = ["DatasetInfo", "Graph", "graph_of", "info", "load", "names"]
