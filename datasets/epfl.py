"""EPFL combinational designs as scheduling graphs, through ``aigverse.benchmarks``.

Node model (docs/problems/icml24.md, Data; reproduces the paper's Table 1): one node per AND
gate, two per primary input (port -> input), one per primary output; AIG edges keep
their direction, complement attributes are dropped, the constant node has no node.
Depth = AIG depth + 3. All weights are 1. A gate whose two fanins are the same node
gives one edge. ``AIGVERSE_BENCHMARK_CACHE`` sets where aigverse keeps the files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from schedbench.datasets.graph import cache_key, cached
from schedbench.graph import Graph
from schedbench.problems.icml24 import ProblemError

# Table 1 of the paper: name -> (stated |V|, stated depth), original and mapped.
PAPER = {
    "adder": (1661, 258),
    "bar": (3734, 15),
    "i2c": (1793, 23),
    "max": (4019, 290),
    "square": (18742, 253),
    "voter": (15761, 73),
}
PAPER_MAPPED = {
    "adder": (1830, 89),
    "bar": (2265, 10),
    "i2c": (1221, 11),
    "max": (3493, 97),
    "square": (18389, 96),
    "voter": (20058, 39),
}
PAPER_DESIGNS = tuple(PAPER)


def names() -> tuple[str, ...]:
    """All 20 designs aigverse can fetch."""
    from aigverse.benchmarks import epfl_names

    return tuple(epfl_names())


def aiger_path(design: str) -> Path:
    """Local AIGER file of ``design`` (aigverse downloads it once into its cache)."""
    from aigverse.benchmarks import DEFAULT_REVISION, epfl_path

    try:
        return epfl_path(design, revision=DEFAULT_REVISION)
    except (OSError, ValueError) as err:
        raise ProblemError(
            f"{err}; set AIGVERSE_BENCHMARK_CACHE to a folder holding "
            f"<revision>/<category>/{design}.aig"
        ) from None


def revision() -> str:
    from aigverse.benchmarks import DEFAULT_REVISION

    return DEFAULT_REVISION


def load(design: str) -> Graph:
    """Graph of EPFL ``design`` in the paper's node model (cached)."""
    return cached(
        cache_key("epfl", design=design, revision=revision()),
        lambda: aig_graph(aiger_path(design), design),
    )


def load_file(path: str | Path) -> Graph:
    """A user's AIGER file (.aig binary or .aag ASCII) with the EPFL node model."""
    from schedbench.datasets.files import file_identity

    file = aiger_file(path)
    return cached(cache_key("aiger", **file_identity(file)), lambda: aig_graph(file, file.stem))


def aiger_file(path: str | Path) -> Path:
    file = Path(path).expanduser()
    if not file.is_file():
        raise ProblemError(f"AIGER file {str(file)!r} does not exist; check the path")
    if file.suffix.lower() not in (".aig", ".aag"):
        raise ProblemError(f"AIGER file {file.name!r} must end in .aig (binary) or .aag (ASCII)")
    return file


def check_aiger(path: Path) -> bool:
    """Reject what the AIGER reader would misread: a bad header, or a file that ends early.

    aigverse's reader prints its own diagnostics on a bad header, and reads a binary file
    cut short without complaint (the missing gates get constant fanins), so both are
    checked here first: the header, then every output/latch line and the 2*A delta-coded
    fanins of the binary format (or the I+L+O+A lines of the ASCII format). Returns True
    for the ASCII format (``aag``), which aigverse reads with another function.
    """
    data = path.read_bytes()
    newline = data.find(b"\n")
    header = data[: newline if newline >= 0 else 80].decode("latin-1").split()
    numbers = header[1:6]
    if len(header) < 6 or header[0] not in ("aig", "aag") or not all(x.isdigit() for x in numbers):
        raise ProblemError(
            f"AIGER file {path.name!r} has no AIGER header ('aig M I L O A'); is it AIGER?"
        )
    _, inputs, latches, outputs, ands = (int(x) for x in numbers)
    body = data[newline + 1 :]
    if header[0] == "aag":
        lines = body.count(b"\n") + (1 if body and not body.endswith(b"\n") else 0)
        complete = lines >= inputs + latches + outputs + ands
    else:
        complete = _binary_ands_complete(body, latches + outputs, ands)
    if not complete:
        raise ProblemError(
            f"AIGER file {path.name!r} ends before its {ands} AND gates; the file is truncated"
        )
    return header[0] == "aag"


def _binary_ands_complete(body: bytes, text_lines: int, ands: int) -> bool:
    """True when ``text_lines`` lines and then 2 * ``ands`` varints fit in ``body``."""
    at = 0
    for _ in range(text_lines):
        at = body.find(b"\n", at) + 1
        if at == 0:
            return False
    gates = body[at:]
    # a varint ends at a byte below 0x80: count those terminators (deleting them is fast)
    terminators = len(gates) - len(gates.translate(None, bytes(range(0x80))))
    return terminators >= 2 * ands


def aig_graph(path: Path, name: str) -> Graph:
    """Convert an AIGER file with the node model above."""
    from aigverse.io import read_aiger_into_aig, read_ascii_aiger_into_aig

    read = read_ascii_aiger_into_aig if check_aiger(path) else read_aiger_into_aig
    try:
        aig = read(str(path))
    except (RuntimeError, ValueError, OSError, UnicodeDecodeError) as err:
        raise ProblemError(
            f"could not read AIGER file {path.name!r} ({err}); is it a complete AIGER file?"
        ) from None
    return _convert(aig, name)


def _convert(aig: Any, name: str) -> Graph:
    pis = list(aig.pis())
    gates = list(aig.gates())
    pos = list(aig.pos())
    labels: list[str] = []
    node_of: dict[int, int] = {}  # AIG node -> graph node that drives its fanouts
    src: list[int] = []
    dst: list[int] = []
    for k, pi in enumerate(pis):
        pi_name = _pi_name(aig, pi, k)
        labels += [f"port:{pi_name}", pi_name]
        src.append(len(labels) - 2)
        dst.append(len(labels) - 1)
        node_of[pi] = len(labels) - 1
    for gate in gates:
        node_of[gate] = len(labels)
        labels.append(f"n{gate}")
    for gate in gates:
        fanins = {aig.get_node(s) for s in aig.fanins(gate)}
        for fanin in sorted(fanins):
            if not aig.is_constant(fanin):
                src.append(node_of[fanin])
                dst.append(node_of[gate])
    for k, po in enumerate(pos):
        labels.append(f"out:{_po_name(aig, k)}")
        driver = aig.get_node(po)
        if not aig.is_constant(driver):
            src.append(node_of[driver])
            dst.append(len(labels) - 1)
    return unit_graph(name, labels, src, dst)


def _pi_name(aig: Any, pi: int, k: int) -> str:
    signal = aig.make_signal(pi)
    return str(aig.get_name(signal)) if aig.has_name(signal) else f"pi{k}"


def _po_name(aig: Any, k: int) -> str:
    return str(aig.get_output_name(k)) if aig.has_output_name(k) else f"po{k}"


def unit_graph(name: str, labels: list[str], src: list[int], dst: list[int]) -> Graph:
    """Unit weights on every node and edge, zero distances; an edge an AIG node reads
    twice (both fanins from one node) is one edge of the summed weight."""
    if len(set(labels)) != len(labels):  # names can repeat in the symbol table
        labels = [f"{label}#{i}" for i, label in enumerate(labels)]
    return Graph.from_arrays(
        len(labels),
        np.asarray(src, np.int64),
        np.asarray(dst, np.int64),
        name=name,
        labels=labels,
        duplicates="merge",
    )
