"""The file formats of modulo scheduling: HatScheT's GraphML loops with their resource
models, and CIRCT's SSP text (``ssp.instance ... of "ModuloProblem"`` or
``"CyclicProblem"``), read into :class:`~.modulo.ModuloProblem` and written back with a
schedule (``II<..>``, ``t<..>``) a CIRCT user can take.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from schedbench.node_arrays import ProblemError
from schedbench.problems.modulo import ModuloProblem

# ---------------------------------------------------------------- HatScheT GraphML


def resource_model_of(path: Path) -> Path:
    """``graphN_RM.xml`` beside ``graphN.graphml`` or ``graphN.200MHz.graphml``."""
    return path.with_name(f"{path.name.split('.')[0]}_RM.xml")


def read_hatschet(
    path: str | Path, resources: str | Path | None = None, name: str | None = None
) -> ModuloProblem:
    """A HatScheT loop: GraphML nodes (``id``, ``uses_resource``) and edges (``delay``,
    ``distance``), and the resource model (``resources``, default ``graphN_RM.xml``
    beside the graph): per resource its latency, blocking time and limit (-1: unlimited).
    Each node's resource is also its operator type (HatScheT's model)."""
    path = Path(path)
    if not path.is_file():
        raise ProblemError(f"loop file {str(path)!r} does not exist; check the path")
    model = Path(resources) if resources is not None else resource_model_of(path)
    if not model.is_file():
        raise ProblemError(
            f"{path.name} needs its resource model {model.name} beside it (HatScheT's "
            "graphN_RM.xml), or give +dataset.params.resources=<file>"
        )
    try:
        graph = _strip(ET.parse(path).getroot()).find("graph")
        rm = _strip(ET.parse(model).getroot())
    except ET.ParseError as err:
        raise ProblemError(f"{path.name} or {model.name} is not valid XML ({err})") from None
    if graph is None:
        raise ProblemError(f"{path.name} has no <graph>; is it HatScheT's GraphML?")
    latency: dict[str, int] = {}
    limits: dict[str, tuple[int, int]] = {}
    for res in rm.iter("Resource"):
        label = res.get("name", "")
        try:
            latency[label] = int(res.get("latency", ""))
            limits[label] = (int(res.get("limit", "")), int(res.get("blockingTime", "")))
        except ValueError:
            raise ProblemError(
                f"{model.name}: resource {label!r} needs whole-number latency, blockingTime "
                "and limit attributes"
            ) from None
    operations = []
    for node in graph.iter("node"):
        data = _data(node)
        if "uses_resource" not in data:
            raise ProblemError(f"{path.name}: node {node.get('id')!r} has no uses_resource")
        res = data["uses_resource"]
        if res not in latency:
            raise ProblemError(
                f"{path.name}: node {node.get('id')!r} uses resource {res!r}, which "
                f"{model.name} does not describe; add it there"
            )
        operations.append((str(node.get("id")), res, res))
    edges = []
    for edge in graph.iter("edge"):
        data = _data(edge)
        try:
            delay, distance = int(data.get("delay", 0)), int(data.get("distance", 0))
        except ValueError:
            raise ProblemError(
                f"{path.name}: edge {edge.get('id')!r} needs whole-number delay and distance"
            ) from None
        edges.append((str(edge.get("source")), str(edge.get("target")), delay, distance))
    return ModuloProblem.from_lists(name or path.name.removesuffix(".graphml"), operations, edges,
                                    latency, limits)  # fmt: skip


def _strip(root: ET.Element) -> ET.Element:
    """The tree without XML namespaces (GraphML's default one)."""
    for element in root.iter():
        element.tag = element.tag.rpartition("}")[2]
    return root


def _data(element: ET.Element) -> dict[str, str]:
    return {d.get("key", ""): (d.text or "").strip() for d in element.findall("data")}


# ---------------------------------------------------------------- CIRCT SSP

_INSTANCE = re.compile(r'ssp\.instance\s+@([\w$.-]+)\s+of\s+"(\w+)"\s*(\[[^\]]*\])?\s*\{')
_OPERATOR = re.compile(r"operator_type\s+@([\w$.-]+)\s*(\[[^\]]*\])?")
_RESOURCE = re.compile(r"resource_type\s+@([\w$.-]+)\s*(\[[^\]]*\])?")
_OPERATION = re.compile(
    r"^(?:(%[\w$.-]+)\s*=\s*)?operation\s*<\s*@([\w$.-]+)\s*>\s*"
    r"(?:uses\s*\[([^\]]*)\])?\s*(?:@([\w$.-]+))?\s*\(([^)]*)\)\s*(\[[^\]]*\])?"
)
_OPERAND = re.compile(r"([%@][\w$.-]+)\s*(?:\[\s*dist\s*<\s*(\d+)\s*>\s*\])?")
KINDS = ("ModuloProblem", "CyclicProblem")


@dataclass(frozen=True)
class SSPInstance:
    """One instance of an SSP file: the loop, the problem kind, and the schedule the file
    carries (the schedule vector, or None when it has no complete II and t<..>)."""

    problem: ModuloProblem
    kind: str
    schedule: np.ndarray | None


def _properties(text: str | None) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r"(\w+)\s*<\s*(-?\d+)\s*>", text or "")}


def _blocks(body: str) -> dict[str, str]:
    """The ``library``, ``resource`` and ``graph`` blocks of an instance's body."""
    out = {}
    for match in re.finditer(r"\b(library|resource|graph)\s*\{", body):
        depth, i = 1, match.end()
        while depth and i < len(body):
            depth += {"{": 1, "}": -1}.get(body[i], 0)
            i += 1
        out[match.group(1)] = body[match.end() : i - 1]
    return out


def read_ssp(path: str | Path) -> list[SSPInstance]:
    """Every ``ModuloProblem`` and ``CyclicProblem`` instance of an SSP file (comments
    skipped); an operator type's own ``limit<k>`` (older SSP) is a resource of its own."""
    path = Path(path)
    if not path.is_file():
        raise ProblemError(f"SSP file {str(path)!r} does not exist; check the path")
    text = "\n".join(line.split("//", 1)[0] for line in path.read_text().splitlines())
    found = []
    for match in _INSTANCE.finditer(text):
        name, kind = match.group(1), match.group(2)
        if kind not in KINDS:
            raise ProblemError(
                f"{path.name}: instance {name!r} is a {kind}; the modulo class reads "
                f"{' and '.join(KINDS)}"
            )
        depth, i = 1, match.end()
        while depth and i < len(text):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        found.append(_instance(path, name, kind, _properties(match.group(3)),
                               _blocks(text[match.end() : i - 1])))  # fmt: skip
    if not found:
        raise ProblemError(f"{path.name} holds no ssp.instance of {' or '.join(KINDS)}")
    return found


def _instance(path: Path, name: str, kind: str, props: dict, blocks: dict) -> SSPInstance:
    where = f"{path.name}: instance {name!r}"
    types: dict[str, int] = {}
    implicit: dict[str, int] = {}
    for op_type, spec in _OPERATOR.findall(blocks.get("library", "")):
        p = _properties(spec)
        if "latency" not in p:
            raise ProblemError(f"{where}: operator type {op_type!r} has no latency<..>")
        types[op_type] = p["latency"]
        if "limit" in p:
            implicit[op_type] = p["limit"]
    resources: dict[str, tuple[int, int]] = {
        r: (_properties(spec).get("limit", -1), 1)
        for r, spec in _RESOURCE.findall(blocks.get("resource", ""))
    }
    operations, edges, starts = [], [], []
    results: dict[str, str] = {}
    lines = [s.strip() for s in blocks.get("graph", "").splitlines() if s.strip()]
    pending = []
    for i, line in enumerate(lines):
        m = _OPERATION.match(line)
        if m is None:
            raise ProblemError(f"{where}: cannot read the graph line {line!r}")
        result, op_type, uses, symbol, operands, spec = m.groups()
        label = symbol or result or f"#{i}"
        if result:
            results[result] = label
        used = [u.strip().lstrip("@") for u in (uses or "").split(",") if u.strip()]
        if len(used) > 1:
            raise ProblemError(f"{where}: operation {label!r} uses {len(used)} resources; one")
        res = used[0] if used else None
        if res is None and op_type in implicit:
            res = f"{op_type}.limit"
            resources[res] = (implicit[op_type], 1)
        operations.append((label, op_type, res))
        starts.append(_properties(spec).get("t"))
        pending.append((label, operands))
    for label, operands in pending:
        for ref, dist in _OPERAND.findall(operands):
            source = results.get(ref) if ref.startswith("%") else ref[1:]
            if source is None:
                raise ProblemError(f"{where}: operation {label!r} reads {ref}, never defined")
            edges.append((source, label, 0, int(dist or 0)))
    problem = ModuloProblem.from_lists(name, operations, edges, types, resources)
    schedule = None
    if "II" in props and all(t is not None for t in starts):
        schedule = problem.join(np.asarray(starts, np.int64), props["II"])
    return SSPInstance(problem, kind, schedule)


def write_ssp(problem: ModuloProblem, schedule: np.ndarray | None = None,
              kind: str | None = None) -> str:  # fmt: skip
    """The loop as one SSP instance, with ``II<..>`` and every ``t<..>`` of ``schedule``:
    operator types with their latencies, limited resources with their limits, each
    operation with its result (``%i``), its symbol, and its dependences (``%j`` within
    the iteration, ``@name [dist<d>]`` across iterations). SSP has no edge delays and
    blocks a resource for one cycle: a loop that needs either is refused."""
    if (problem.delay != 0).any():
        raise ProblemError(f"loop {problem.name!r} has edge delays, which SSP cannot express")
    blocked = problem.blocking[problem.limited]
    if (blocked != 1).any():
        raise ProblemError(
            f"loop {problem.name!r} blocks a limited resource for {int(blocked.max())} cycles; "
            "SSP's ModuloProblem blocks for one"
        )
    kind = kind or ("ModuloProblem" if problem.limited.size else "CyclicProblem")
    start, ii = (None, None) if schedule is None else problem.split(schedule)
    order = list(range(problem.n_ops))  # as given: an operand defined later is read by symbol
    position = {v: k for k, v in enumerate(order)}
    type_symbols = _unique([_symbol(t, k) for k, t in enumerate(problem.types)])
    res_symbols = _unique([_symbol(r, k) for k, r in enumerate(problem.resources)])
    limited = set(problem.limited.tolist())
    zero = problem.distance == 0
    referenced = set(problem.src[~zero].tolist()) | {
        int(u)
        for u, v in zip(problem.src[zero], problem.dst[zero], strict=True)
        if position[int(u)] > position[int(v)]
    }  # read across iterations: by symbol
    symbols: dict[int, str] = {}
    results: dict[int, str] = {}
    for v in order:  # a label read back unchanged: its symbol, or its result name
        label = problem.operations[v]
        if not label.startswith(("%", "#")) or v in referenced:
            symbol = _symbol(label, v)
            while symbol in symbols.values():
                symbol += "_"
            symbols[v] = symbol
        result = label if label.startswith("%") else f"%v{position[v]}"
        while result in results.values():
            result += "_"
        results[v] = result
    header = f" [II<{int(ii[0])}>]" if ii is not None else ""
    out = [f'ssp.instance @{_symbol(problem.name, 0)} of "{kind}"{header} {{', "  library {"]
    for k in range(len(problem.types)):
        lat = int(problem.latency[np.flatnonzero(problem.op_type == k)[0]])
        out.append(f"    operator_type @{type_symbols[k]} [latency<{lat}>]")
    out += ["  }", "  resource {"]
    for r in range(len(problem.resources)):
        if problem.limit[r] > 0:
            out.append(f"    resource_type @{res_symbols[r]} [limit<{int(problem.limit[r])}>]")
    out += ["  }", "  graph {"]
    for v in order:
        operands = []
        for e in np.flatnonzero(problem.dst == v).tolist():
            u, d = int(problem.src[e]), int(problem.distance[e])
            if d == 0 and position[u] < position[v]:
                operands.append(results[u])
            else:
                operands.append(f"@{symbols[u]}" + (f" [dist<{d}>]" if d else ""))
        uses = f" uses[@{res_symbols[int(problem.resource[v])]}]" if v in limited else ""
        op_type = type_symbols[int(problem.op_type[v])]
        t = f" [t<{int(start[0][v])}>]" if start is not None else ""
        name = f" @{symbols[v]}" if v in symbols else ""
        out.append(f"    {results[v]} = operation<@{op_type}>{uses}{name}"
                   f"({', '.join(operands)}){t}")  # fmt: skip
    out += ["  }", "}", ""]
    return "\n".join(out)


def _symbol(label: str, index: int) -> str:
    """An SSP symbol for ``label`` (characters SSP does not take become ``_``)."""
    text = re.sub(r"[^\w$.]", "_", str(label).lstrip("@%#"))
    return text if text and not text[0].isdigit() else f"op{text or index}"


def _unique(symbols: list[str]) -> list[str]:
    """``symbols`` with a repeated one suffixed by ``_`` until it is new."""
    out: list[str] = []
    for symbol in symbols:
        while symbol in out:
            symbol += "_"
        out.append(symbol)
    return out


# ---------------------------------------------------------------- the class's file routes


def read_graphml_file(path: Path, resources: str | None = None) -> ModuloProblem:
    """``dataset=file`` for ``.graphml``: HatScheT's loop, its resource model beside it."""
    return read_hatschet(path, resources)


def read_ssp_file(path: Path, instance: str | None = None) -> ModuloProblem:
    """``dataset=file`` for ``.mlir``: the file's one instance, or ``instance``."""
    found = {i.problem.name: i.problem for i in read_ssp(path)}
    if instance is None and len(found) > 1:
        raise ProblemError(
            f"{path.name} holds {len(found)} instances ({', '.join(found)}); pick one with "
            "+dataset.params.instance=<name>"
        )
    if instance is not None and instance not in found:
        raise ProblemError(f"{path.name} has no instance {instance!r}; it has {', '.join(found)}")
    return found[instance] if instance is not None else next(iter(found.values()))


# ---------------------------------------------------------------- schedule files


def format_schedule(problem: ModuloProblem, schedule: object) -> str:
    """``node,start`` lines, then ``II,<ii>``."""
    s = np.asarray(schedule).reshape(-1)
    return "node,start\n" + "".join(
        f"{label},{int(v)}\n" for label, v in zip(problem.labels, s, strict=True)
    )


def parse_schedule(problem: ModuloProblem, text: str) -> np.ndarray:
    """A schedule vector from ``node,start`` CSV rows (a header, any order, the ``II`` row
    included, quoted or not); a missing or repeated row is a one-line error."""
    import csv

    position = {label: i for i, label in enumerate(problem.labels)}
    out = np.zeros(problem.n, np.int64)
    seen = np.zeros(problem.n, bool)
    for number, row in enumerate(csv.reader(text.splitlines()), 1):
        if not row or row == ["node", "start"]:
            continue
        value = row[-1].strip() if len(row) == 2 else ""
        if row[0] not in position or not value.lstrip("-").isdigit():
            raise ProblemError(
                f"schedule line {number} ({','.join(row)!r}) is not '<operation>,<start>'"
            )
        if seen[position[row[0]]]:
            raise ProblemError(f"the schedule gives {row[0]!r} twice (line {number})")
        out[position[row[0]]] = int(value)
        seen[position[row[0]]] = True
    if not seen.all():
        missing = problem.labels[int(np.argmin(seen))]
        raise ProblemError(f"the schedule has no entry for {missing!r}")
    return out
