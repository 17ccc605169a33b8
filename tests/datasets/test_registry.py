"""The dataset registry: names, defaults and clear errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from schedbench.datasets import info, load, names
from schedbench.problems.icml24 import ProblemError


def test_names_cover_every_family():
    all_names = names()
    assert {f"rw{i}" for i in range(1, 13)} <= set(all_names)
    assert {"adder", "adder_m", "synthetic", "gml", "edgelist"} <= set(all_names)
    assert len(names("epfl")) == 20 and len(names("epfl_mapped")) == 20


def test_paper_ratios():
    assert info("rw1").ratio == 10 and info("voter").ratio == 100
    assert info("voter_m").ratio == 100 and info("rw1").stages == 10


def test_unknown_name():
    with pytest.raises(ProblemError, match=r"unknown dataset 'rw13'; did you mean 'rw3'\? the "
                       "collections are rw1..rw12"):  # fmt: skip
        load("rw13")


def test_stray_parameters():
    with pytest.raises(ProblemError, match=r"takes no parameters"):
        load("rw1", nodes=3)


def test_hugging_face_datasets_is_not_shadowed(tmp_path):
    """Importing schedbench must leave the top-level name ``datasets`` to other packages."""
    code = (
        "import importlib.util, schedbench.datasets as ours; "
        "spec = importlib.util.find_spec('datasets'); "
        "print(spec.origin if spec else None, ours.__name__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out[1] == "schedbench.datasets"
    assert out[0] == "None" or not Path(out[0]).is_relative_to(Path(ours_root()))


def ours_root() -> str:
    return str(Path(__file__).resolve().parents[2])
