"""Shared fixtures: datasets come from ../shared (never the network), graphs cache in a tmp dir."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
os.environ.setdefault("SCHEDBENCH_DATA_DIR", str(SHARED / "icml24"))
os.environ.setdefault("AIGVERSE_BENCHMARK_CACHE", str(SHARED / "epfl"))
os.environ.setdefault("SCHEDBENCH_ASAP7_DIR", str(SHARED / "asap7"))
os.environ.setdefault("SCHEDBENCH_HEURIGYM_DIR", str(SHARED / "heurigym"))
os.environ.setdefault("SCHEDBENCH_EDS_DIR", str(SHARED / "eds"))
os.environ.setdefault("SCHEDBENCH_HATSCHET_DIR", str(SHARED / "hatschet"))
os.environ.setdefault("SCHEDBENCH_CIRCT_DIR", str(SHARED / "circt"))


@pytest.fixture(autouse=True, scope="session")
def graph_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every test session starts with an empty graph cache of its own."""
    path = tmp_path_factory.mktemp("graph-cache")
    os.environ["SCHEDBENCH_CACHE_DIR"] = str(path)
    return path


@pytest.fixture(autouse=True, scope="session")
def compiled_kernels() -> None:
    """numba compiles the heuristics' kernels on first use: once, before any timed test."""
    from schedbench.solvers.icml24.kernels import warm_up

    warm_up()


@pytest.fixture(scope="session")
def epfl_adder() -> Path:
    """The EPFL adder's AIGER file, from aigverse's benchmark cache."""
    from schedbench.datasets.epfl import aiger_path

    return aiger_path("adder")
