"""Mapped variants: ABC maps to the built-in genlib or a Liberty file."""

from __future__ import annotations

import pytest

from schedbench.datasets import load, mapped
from schedbench.problem import ProblemError

pytestmark = pytest.mark.skipif(
    not any(__import__("shutil").which(b) for b in ("berkeley-abc", "abc")),
    reason="ABC is not installed (apt-get install berkeley-abc)",
)

# Measured with the built-in cells.genlib (the paper used ASAP7; see the README).
GENLIB_SIZES = {
    "adder_m": (1409, 131),
    "bar_m": (2972, 12),
    "i2c_m": (1421, 14),
    "max_m": (3808, 141),
}


@pytest.mark.parametrize("name", list(GENLIB_SIZES))
def test_mapped_sizes(name):
    problem = load(name)
    assert (problem.n, problem.depth) == GENLIB_SIZES[name]
    ports = sum(label.startswith("port:") for label in problem.labels)
    outputs = sum(label.startswith("out:") for label in problem.labels)
    cells = sum(label.startswith("cell:") for label in problem.labels)
    assert cells == problem.n - 2 * ports - outputs > 0


def test_mapping_is_shallower_than_the_aig():
    assert load("adder_m").depth < load("adder").depth


def test_liberty_file(tmp_path):
    lib = tmp_path / "tiny.lib"
    lib.write_text(TINY_LIBERTY)
    graph = mapped.load("adder", liberty=lib)
    problem = graph.problem(stages=10, ratio=100)
    assert problem.n > 256 * 2 + 129


def test_liberty_rejected_by_abc(tmp_path):
    lib = tmp_path / "broken.lib"
    lib.write_text("library (broken) { cell (X) { this is not liberty")
    with pytest.raises(ProblemError, match=r"ABC could not map adder_m with broken\.lib"):
        mapped.load("adder", liberty=lib)


def test_missing_library(tmp_path):
    with pytest.raises(ProblemError, match="does not exist"):
        mapped.load("adder", liberty=tmp_path / "nope.lib")


def test_abc_missing_names_the_package(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("SCHEDBENCH_ABC", raising=False)
    with pytest.raises(ProblemError, match="install the Debian package berkeley-abc"):
        mapped.abc_binary()


def _cell(name: str, area: int, function: str, inputs: str) -> str:
    arcs = "".join(
        f'timing () {{ related_pin : "{pin}"; cell_rise (scalar) {{ values ("1"); }} '
        'cell_fall (scalar) { values ("1"); } rise_transition (scalar) { values ("1"); } '
        'fall_transition (scalar) { values ("1"); } } '
        for pin in inputs
    )
    pins = "".join(f"pin ({pin}) {{ direction : input; capacitance : 1; }} " for pin in inputs)
    return (
        f"cell ({name}) {{ area : {area}; {pins}"
        f'pin (Y) {{ direction : output; function : "{function}"; {arcs}}} }}\n'
    )


TINY_LIBERTY = (
    'library (tiny) { time_unit : "1ns"; capacitive_load_unit (1, pf);\n'
    + _cell("INVX1", 1, "!A", "A")
    + _cell("BUFX1", 2, "A", "A")
    + _cell("NAND2X1", 2, "!(A&B)", "AB")
    + _cell("NOR2X1", 2, "!(A|B)", "AB")
    + _cell("AND2X1", 3, "(A&B)", "AB")
    + _cell("XOR2X1", 4, "(A^B)", "AB")
    + "}\n"
)
