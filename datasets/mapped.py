"""Technology-mapped EPFL designs (``<design>_m``): ABC maps the AIG to standard cells.

ABC (Debian package ``berkeley-abc``) maps with ``strash; map`` onto a cell library:
``asap7`` (the default, the paper's: the ASAP7 combinational cells, :mod:`.asap7`),
``genlib`` (the built-in ``cells.genlib``: INV, BUF, NAND/NOR 2-3, AND2, OR2, XOR2,
XNOR2, AOI21/22, OAI21/22, MUX2, MAJ3), or a user Liberty or genlib file (``liberty``).
Of the scripts tried, ``strash; map`` onto ASAP7 comes closest to the paper's Table 1
(docs/datasets.md). The mapped BLIF is read back with the unmapped node model: one node
per cell, two per primary input, one per primary output, unit weights.
``SCHEDBENCH_ABC`` names another ABC executable.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from schedbench.datasets.epfl import aiger_path, revision, unit_graph
from schedbench.datasets.graph import cache_key, cached
from schedbench.graph import Graph
from schedbench.problems.icml24 import ProblemError

GENLIB = Path(__file__).with_name("cells.genlib")
LIBRARIES = ("asap7", "genlib")
ABC_SCRIPT = "strash; map"
ABC_TIMEOUT_S = 900


def abc_binary() -> str:
    """Path of the ABC executable, or a one-line error saying how to install it."""
    for candidate in (os.environ.get("SCHEDBENCH_ABC"), "berkeley-abc", "abc"):
        if candidate and (found := shutil.which(candidate)):
            return found
    raise ProblemError(
        "ABC is not installed: install the Debian package berkeley-abc "
        "(sudo apt-get install berkeley-abc) or set SCHEDBENCH_ABC to an abc executable"
    )


def load(design: str, library: str = "asap7", liberty: str | Path | None = None) -> Graph:
    """Graph of ``design`` mapped to ``library`` (asap7 or genlib), or to ``liberty``."""
    identity, path = _library(library, liberty)
    key = cache_key(
        "mapped", design=design, revision=revision(), library=identity, script=ABC_SCRIPT
    )
    return cached(key, lambda: map_aiger(aiger_path(design), f"{design}_m", path()))


def load_file(path: str | Path, library: str = "asap7", liberty: str | Path | None = None) -> Graph:
    """A user's AIGER file mapped by ABC to ``library`` or to ``liberty``."""
    from schedbench.datasets.epfl import aiger_file, check_aiger
    from schedbench.datasets.graph import file_identity

    file = aiger_file(path)
    identity, cells = _library(library, liberty)
    check_aiger(file)
    key = cache_key("mapped-file", **file_identity(file), library=identity, script=ABC_SCRIPT)
    return cached(key, lambda: map_aiger(file, f"{file.stem}_m", cells()))


def _library(library: str, liberty: str | Path | None) -> tuple[str, Callable[[], Path]]:
    """(what identifies the cells in a cache key, how to get their file): a user file
    by its content, ASAP7 by its pinned commit (its files are fetched only to map)."""
    if liberty:
        file = Path(liberty).expanduser()
        if not file.is_file():
            raise ProblemError(f"cell library {str(file)!r} does not exist; check the path")
        return hashlib.sha256(file.read_bytes()).hexdigest()[:16], lambda: file
    if library == "genlib":
        return hashlib.sha256(GENLIB.read_bytes()).hexdigest()[:16], lambda: GENLIB
    if library == "asap7":
        from schedbench.datasets import asap7

        return f"asap7-{asap7.COMMIT}-{len(asap7.FILES)}", asap7.liberty
    raise ProblemError(
        f"unknown cell library {library!r}: use one of {', '.join(LIBRARIES)}, or give "
        "liberty=<file.lib>"
    )


def map_aiger(aiger: Path, name: str, library: Path = GENLIB) -> Graph:
    """Run ABC on an AIGER file and read the mapped netlist back as a graph."""
    abc = abc_binary()
    read_library = "read_lib -w" if library.suffix.lower() == ".lib" else "read_library"
    with tempfile.TemporaryDirectory(prefix="schedbench-abc-") as tmp:
        blif = Path(tmp) / "mapped.blif"
        if aiger.suffix.lower() == ".aag":  # ABC's read_aiger takes the binary format only
            from aigverse.io import read_ascii_aiger_into_aig, write_aiger

            binary = Path(tmp) / f"{aiger.stem}.aig"
            write_aiger(read_ascii_aiger_into_aig(str(aiger)), str(binary))
            aiger = binary
        script = (
            f'{read_library} "{library.resolve()}"; read_aiger "{aiger.resolve()}"; '
            f'{ABC_SCRIPT}; write_blif "{blif}"'
        )
        try:
            run = subprocess.run(
                [abc, "-c", script],
                capture_output=True,
                text=True,
                timeout=ABC_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise ProblemError(f"ABC did not map {name} within {ABC_TIMEOUT_S} s") from None
        if run.returncode != 0 or not blif.is_file() or blif.stat().st_size == 0:
            raise ProblemError(
                f"ABC could not map {name} with {library.name}: "
                f"{_abc_complaint(run.stdout + run.stderr)}; check that {library.name} is a "
                "complete Liberty (.lib) or genlib file"
            )
        return read_mapped_blif(blif, name)


def _abc_complaint(log: str) -> str:
    """The first line of ABC's output that says what went wrong."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    for k, line in enumerate(lines):
        if line.lower().startswith("error"):
            return " ".join(lines[k : k + 2])
    for line in lines:
        lowered = line.lower()
        if any(word in lowered for word in ("error", "cannot", "failed", "not ", "warning")):
            return line
    return lines[-1] if lines else "no output (is the library valid?)"


def read_mapped_blif(path: Path, name: str) -> Graph:
    """Read ABC's mapped BLIF: ``.gate`` lines (output pin last) and trivial ``.names``."""
    text = path.read_text().replace("\\\n", " ")
    inputs: list[str] = []
    outputs: list[str] = []
    gates: list[tuple[str, list[str]]] = []  # (output net, input nets)
    alias: dict[str, str] = {}
    constants: set[str] = set()
    lines = [line.split("#", 1)[0].split() for line in text.splitlines()]
    i = 0
    while i < len(lines):
        fields = lines[i]
        i += 1
        if not fields:
            continue
        if fields[0] == ".inputs":
            inputs += fields[1:]
        elif fields[0] == ".outputs":
            outputs += fields[1:]
        elif fields[0] == ".gate":
            nets = [pin.split("=", 1)[1] for pin in fields[2:]]
            gates.append((nets[-1], nets[:-1]))
        elif fields[0] == ".names":
            nets = fields[1:]
            if len(nets) == 1:
                constants.add(nets[0])
            elif len(nets) == 2:
                alias[nets[1]] = nets[0]
            else:
                raise ProblemError(f"mapped netlist of {name} has an unmapped node {nets[-1]!r}")
    labels: list[str] = []
    src: list[int] = []
    dst: list[int] = []
    driver: dict[str, int] = {}
    for net in inputs:
        labels += [f"port:{net}", net]
        src.append(len(labels) - 2)
        dst.append(len(labels) - 1)
        driver[net] = len(labels) - 1
    for out, _ in gates:
        driver[out] = len(labels)
        labels.append(f"cell:{out}")

    def source(net: str) -> int | None:
        seen = 0
        while net in alias and seen < len(alias) + 1:
            net, seen = alias[net], seen + 1
        return None if net in constants else driver.get(net)

    for out, ins in gates:
        for fanin in sorted({s for s in map(source, ins) if s is not None}):
            src.append(fanin)
            dst.append(driver[out])
    for net in outputs:
        labels.append(f"out:{net}")
        drive = source(net)
        if drive is not None:
            src.append(drive)
            dst.append(len(labels) - 1)
    return unit_graph(name, labels, src, dst)
