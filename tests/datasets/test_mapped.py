"""Mapped variants: ABC maps to ASAP7 (the default), the built-in genlib or a Liberty file."""

from __future__ import annotations

import pytest

from schedbench.datasets import load, mapped
from schedbench.problems.icml24 import Problem, ProblemError

pytestmark = pytest.mark.skipif(
    not any(__import__("shutil").which(b) for b in ("berkeley-abc", "abc")),
    reason="ABC is not installed (apt-get install berkeley-abc)",
)

# (|V|, depth) with the built-in cells.genlib and with ASAP7 (Table 1: adder 1830/89,
# bar 2265/10, i2c 1221/11, max 3493/97)
GENLIB_SIZES = {
    "adder_m": (1409, 131),
    "bar_m": (2972, 12),
    "i2c_m": (1421, 14),
    "max_m": (3808, 141),
}
ASAP7_SIZES = {
    "adder_m": (1534, 89),
    "bar_m": (2579, 10),
    "i2c_m": (1208, 12),
    "max_m": (3245, 96),
}


@pytest.mark.parametrize("name", list(GENLIB_SIZES))
def test_mapped_sizes(name):
    problem = load(name, library="genlib")
    assert (problem.n, problem.depth) == GENLIB_SIZES[name]
    asap7 = load(name)
    assert (asap7.n, asap7.depth) == ASAP7_SIZES[name]
    problem = asap7
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
    problem = Problem.of(graph, stages=10, ratio=100)
    assert problem.n > 256 * 2 + 129


def test_liberty_rejected_by_abc(tmp_path):
    lib = tmp_path / "broken.lib"
    lib.write_text("library (broken) { cell (X) { this is not liberty")
    with pytest.raises(ProblemError, match=r"ABC could not map adder_m with broken\.lib"):
        mapped.load("adder", liberty=lib)


# a 2-input XOR as three AND gates (ASCII AIGER): one ASAP7 XOR2 cell; a full adder's sum
# (XOR3) and carry (MAJ): ASAP7 has a MAJ cell and maps the sum to XOR2 cells
XOR_AAG = "aag 5 2 0 1 3\n2\n4\n11\n6 2 5\n8 3 4\n10 7 9\n"


def test_asap7_maps_a_small_aiger_file_to_the_expected_cells(tmp_path):
    file = tmp_path / "xor.aag"
    file.write_text(XOR_AAG)
    graph = mapped.load_file(file)  # the default library: ASAP7
    cells = [label for label in graph.labels if label.startswith("cell:")]
    assert len(cells) == 1
    assert graph.n == 1 + 2 * 2 + 1  # the cell, two nodes per input, one per output


def test_asap7_offline_is_one_line(tmp_path, monkeypatch):
    import urllib.error

    def offline(*_args, **_kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setenv("SCHEDBENCH_ASAP7_DIR", str(tmp_path / "asap7"))
    monkeypatch.setenv("SCHEDBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr("urllib.request.urlopen", offline)
    with pytest.raises(ProblemError) as err:
        load("i2c_m")
    message = str(err.value)
    assert "\n" not in message and message.startswith("could not download the ASAP7 cells")
    assert "library=genlib" in message


def test_unknown_library_names_the_choices():
    with pytest.raises(ProblemError, match="unknown cell library 'asap9': use one of asap7"):
        load("adder_m", library="asap9")


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
