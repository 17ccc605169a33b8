"""The modulo class's files: HatScheT's ChStone loops (GraphML + resource model) read
against an independent parse of the XML, the dataset names, the ``dataset=file`` route,
CIRCT's SSP files, and SSP written back and read again (data read from ../shared through
the conftest's variables, never the network)."""

from __future__ import annotations

import os
import shutil
import xml.etree.ElementTree as ET
from collections import Counter
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from schedbench import classes
from schedbench.datasets import modulo as data
from schedbench.node_arrays import ProblemError
from schedbench.problems.modulo import ModuloProblem
from schedbench.problems.modulo_formats import read_hatschet, read_ssp, write_ssp
from schedbench.solvers.modulo import iterative_modulo

CIRCT_DIR = Path(os.environ["SCHEDBENCH_CIRCT_DIR"]) / "test" / "Scheduling"
CHSTONE_DIR = Path(os.environ["SCHEDBENCH_HATSCHET_DIR"]) / data.COMMIT / "benchmarks" / "ChStone"
needs_circt = pytest.mark.skipif(
    not (CIRCT_DIR / "modulo-problems.mlir").is_file(), reason="CIRCT's SSP files are missing"
)
needs_hatschet = pytest.mark.skipif(
    not CHSTONE_DIR.is_dir(), reason="HatScheT's ChStone loops are missing"
)
SSP_FILES = ("modulo-problems.mlir", "cyclic-problems.mlir", "modulo-problem-errors.mlir")
CIRCT_NAMES = {
    "modulo-problems.mlir": ["canis14_fig2", "minII_feasible", "minII_infeasible",
                             "four_read_pipeline"],
    "cyclic-problems.mlir": ["cyclic", "mobility", "interleaved_cycles", "self_arc"],
    "modulo-problem-errors.mlir": ["oversubscribed"],
}  # fmt: skip


def modulo_class():
    return classes.get("modulo")


def one_line(err: pytest.ExceptionInfo) -> str:
    text = str(err.value)
    assert "\n" not in text and text
    return text


def ims(problem: ModuloProblem) -> np.ndarray:
    """Iterative modulo scheduling from MinII upward."""
    for ii in range(problem.min_ii, int(problem.reference_schedule[-1]) + 1):
        start = iterative_modulo(problem, ii, problem.tails(ii).astype(float))
        if start is not None:
            return problem.join(start, ii)
    return problem.reference_schedule


# ---------------------------------------------------------------- HatScheT


@cache
def xml_loop(graph: Path, model: Path) -> tuple[dict, list]:
    """An independent reading: {node: (latency, limit, blocking)} and the edge list."""
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    rm = {
        r.get("name"): (int(r.get("latency")), int(r.get("limit")), int(r.get("blockingTime")))
        for r in ET.parse(model).getroot().iter("Resource")
    }
    root = ET.parse(graph).getroot()
    nodes = {}
    for node in root.iterfind(".//g:node", ns):
        (res,) = [d.text for d in node.iterfind("g:data", ns) if d.get("key") == "uses_resource"]
        nodes[node.get("id")] = rm[res]
    edges = []
    for edge in root.iterfind(".//g:edge", ns):
        values = {d.get("key"): d.text for d in edge.iterfind("g:data", ns)}
        edges.append((edge.get("source"), edge.get("target"), int(values["delay"]),
                      int(values["distance"])))  # fmt: skip
    return nodes, edges


def same_as_xml(p: ModuloProblem, graph: Path, model: Path) -> None:
    nodes, edges = xml_loop(graph, model)
    assert list(p.operations) == list(nodes)
    for i, label in enumerate(p.operations):
        latency, limit, blocking = nodes[label]
        assert p.latency[i] == latency and p.blocking[i] == blocking, (graph, label)
        assert p.limit[p.resource[i]] == limit
    got = Counter(zip((p.operations[s] for s in p.src), (p.operations[d] for d in p.dst),
                      p.delay.tolist(), p.distance.tolist(), strict=True))  # fmt: skip
    assert got == Counter(edges), graph


@needs_hatschet
def test_every_chstone_loop_loads_as_its_files_say():
    assert sum(data.CHSTONE.values()) == 263 == len(data.loops("chstone"))
    on_disk = sorted(
        f"{g.parent.name}/{g.name.removesuffix('.graphml')}"
        for g in CHSTONE_DIR.glob("*/graph*.graphml")
        if "MHz" not in g.name
    )
    assert on_disk == sorted(data.loops("chstone"))
    for loop in data.loops("chstone"):
        p = data.load_chstone(loop)
        assert p.name == f"modulo/chstone/{loop}"
        same_as_xml(p, CHSTONE_DIR / f"{loop}.graphml", CHSTONE_DIR / f"{loop}_RM.xml")


@needs_hatschet
def test_every_200mhz_variant_loads_and_dfsin_graph1_is_refused():
    loops = data.loops("chstone200")
    assert len(loops) == 262 and "dfsin/graph1" not in loops
    assert data.MISSING_200MHZ == ("dfsin/graph1",)
    assert not (CHSTONE_DIR / "dfsin" / "graph1.200MHz.graphml").exists()
    on_disk = sorted(
        f"{g.parent.name}/{g.name.removesuffix('.200MHz.graphml')}"
        for g in CHSTONE_DIR.glob("*/graph*.200MHz.graphml")
    )
    assert on_disk == sorted(loops)
    for loop in loops:
        p = data.load_chstone(loop, "200MHz")
        assert p.name == f"modulo/chstone200/{loop}"
        same_as_xml(p, CHSTONE_DIR / f"{loop}.200MHz.graphml", CHSTONE_DIR / f"{loop}_RM.xml")
        base = data.load_chstone(loop)  # the same operations, with chaining edges added
        assert p.operations == base.operations and p.m >= base.m
        assert p.min_ii >= base.min_ii
    with pytest.raises(ProblemError, match="no 200 MHz variant of dfsin/graph1") as err:
        data.load_chstone("dfsin/graph1", "200MHz")
    assert "modulo/chstone/dfsin/graph1" in one_line(err)
    assert data.load_chstone("dfsin/graph1").n_ops > 0  # the base loop exists


@needs_hatschet
def test_an_unknown_clock_is_refused_without_a_download(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError(f"tried to download {args[0]}")

    monkeypatch.setattr(data, "fetch", no_network)
    with pytest.raises(ProblemError, match="100MHz"):
        data.load_chstone("sha/graph3", "100MHz")


def test_unknown_names_are_one_line():
    with pytest.raises(ProblemError, match="unknown ChStone loop 'sha/graph99'") as err:
        data.load_chstone("sha/graph99")
    one_line(err)
    with pytest.raises(ProblemError, match=r"unknown CIRCT instance 'nope'.*canis14_fig2") as err:
        data.load_circt("nope")
    one_line(err)


@needs_hatschet
@needs_circt
def test_the_registry_names():
    from schedbench.datasets.registry import load

    names = [entry.name for entry in modulo_class().catalogue()]
    assert len(names) == 263 + 262 + 8 == len(set(names))
    assert sum(n.startswith("modulo/chstone/") for n in names) == 263
    assert sum(n.startswith("modulo/chstone200/") for n in names) == 262
    assert sorted(n.removeprefix("modulo/circt/") for n in names if "/circt/" in n) == sorted(
        CIRCT_NAMES["modulo-problems.mlir"] + CIRCT_NAMES["cyclic-problems.mlir"]
    )
    assert load("modulo/chstone/sha/graph3").digest == data.load_chstone("sha/graph3").digest
    fast = load("modulo/chstone200/sha/graph3")
    assert fast.digest == data.load_chstone("sha/graph3", "200MHz").digest
    assert load("modulo/circt/canis14_fig2").operations == ("%0", "%1", "%2", "op3", "last")
    with pytest.raises(ProblemError, match="modulo/chstone200/dfsin/graph1") as err:
        load("modulo/chstone200/dfsin/graph1")
    one_line(err)


@needs_hatschet
def test_a_graphml_file_with_its_resource_model_beside_it(tmp_path):
    source = CHSTONE_DIR / "sha"
    for name in ("graph3.graphml", "graph3.200MHz.graphml"):
        shutil.copy(source / name, tmp_path)
    read = modulo_class().read
    with pytest.raises(ProblemError, match=r"graph3_RM\.xml") as err:
        read(tmp_path / "graph3.graphml", {}, {})
    assert "graph3.graphml" in one_line(err)
    with pytest.raises(ProblemError, match=r"graph3_RM\.xml"):
        read(tmp_path / "graph3.200MHz.graphml", {}, {})
    shutil.copy(source / "graph3_RM.xml", tmp_path)
    p = read(tmp_path / "graph3.graphml", {}, {})
    assert p.name == "graph3" and p.digest == data.load_chstone("sha/graph3").digest
    fast = read(tmp_path / "graph3.200MHz.graphml", {}, {})
    assert fast.digest == data.load_chstone("sha/graph3", "200MHz").digest
    # a resource model elsewhere, by parameter
    elsewhere = tmp_path / "models" / "sha3.xml"
    elsewhere.parent.mkdir()
    (tmp_path / "graph3_RM.xml").rename(elsewhere)
    moved = read(tmp_path / "graph3.graphml", {}, {"resources": str(elsewhere)})
    assert moved.digest == p.digest


@needs_hatschet
@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("graph", "graph>", "graf>"), "has no <graph>"),
        (("graph", "</graphml>", ""), "is not valid XML"),
        (("model", 'latency="2"', 'latency="two"'), "needs whole-number latency"),
        (("model", 'name="mem_read"', 'name="mem_reed"'), "uses resource 'mem_read'"),
        (("graph", '<data key="distance">1</data>', '<data key="distance">x</data>'),
         "needs whole-number delay and distance"),
        (("graph", '<data key="uses_resource">mem_write</data>', ""), "has no uses_resource"),
    ],
)  # fmt: skip
def test_broken_hatschet_files_are_one_line(tmp_path, edit, message):
    which, old, new = edit
    graph, model = tmp_path / "graph3.graphml", tmp_path / "graph3_RM.xml"
    shutil.copy(CHSTONE_DIR / "sha" / "graph3.graphml", graph)
    shutil.copy(CHSTONE_DIR / "sha" / "graph3_RM.xml", model)
    target = graph if which == "graph" else model
    text = target.read_text()
    assert old in text
    target.write_text(text.replace(old, new, 1 if old != "graph>" else -1))
    with pytest.raises(ProblemError, match=message) as err:
        read_hatschet(graph)
    one_line(err)


def test_a_missing_graphml_file_is_one_line(tmp_path):
    with pytest.raises(ProblemError, match="does not exist") as err:
        read_hatschet(tmp_path / "graph1.graphml")
    one_line(err)


# ---------------------------------------------------------------- SSP reading


@needs_circt
def test_every_circt_file_reads():
    kinds = {}
    for file, names in CIRCT_NAMES.items():
        found = read_ssp(CIRCT_DIR / file)
        assert [i.problem.name for i in found] == names
        for instance in found:
            assert instance.schedule is not None and len(instance.schedule) == instance.problem.n
            kinds[instance.problem.name] = instance.kind
    assert {k for n, k in kinds.items() if n in CIRCT_NAMES["cyclic-problems.mlir"]} == {
        "CyclicProblem"
    }
    assert kinds["canis14_fig2"] == kinds["oversubscribed"] == "ModuloProblem"
    # canis14_fig2 as written: latencies 1, L1_rsrc of limit 1 on %0, %1, op3, op3 -> %0
    # one iteration later, and the file's schedule II 3, t = 2 0 3 4 5
    canis = read_ssp(CIRCT_DIR / "modulo-problems.mlir")[0]
    p = canis.problem
    assert p.latency.tolist() == [1] * 5 and p.resources == ("L1_rsrc",)
    assert p.limit.tolist() == [1] and p.resource.tolist() == [0, 0, -1, 0, -1]
    assert sorted(zip(p.src.tolist(), p.dst.tolist(), p.distance.tolist(), strict=True)) == [
        (0, 2, 0), (1, 2, 0), (2, 3, 0), (3, 0, 1), (3, 4, 0)
    ]  # fmt: skip
    assert canis.schedule.tolist() == [2, 0, 3, 4, 5, 3]


@needs_circt
def test_an_ssp_file_through_the_file_route():
    read = modulo_class().read
    path = CIRCT_DIR / "modulo-problems.mlir"
    with pytest.raises(ProblemError, match="holds 4 instances") as err:
        read(path, {}, {})
    text = one_line(err)
    assert all(name in text for name in CIRCT_NAMES["modulo-problems.mlir"])
    assert "instance=" in text
    assert read(path, {}, {"instance": "minII_infeasible"}).name == "minII_infeasible"
    with pytest.raises(ProblemError, match=r"no instance 'nope'.*four_read_pipeline") as err:
        read(path, {}, {"instance": "nope"})
    one_line(err)
    assert read(CIRCT_DIR / "modulo-problem-errors.mlir", {}, {}).name == "oversubscribed"
    assert read(path, {}, {"instance": "canis14_fig2"}).digest == (
        data.load_circt("canis14_fig2").digest
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('ssp.instance @c of "ChainingProblem" {\n library {\n }\n graph {\n }\n}\n',
         "'c' is a ChainingProblem"),
        ("// nothing here\n", "holds no ssp.instance"),
        ('ssp.instance @u of "CyclicProblem" {\n library {\n operator_type @a [latency<1>]\n'
         ' }\n graph {\n operation<@a>(%9)\n }\n}\n', "reads %9, never defined"),
        ('ssp.instance @l of "CyclicProblem" {\n library {\n operator_type @a\n }\n'
         ' graph {\n }\n}\n', "operator type 'a' has no latency"),
        ('ssp.instance @z of "CyclicProblem" {\n library {\n operator_type @a [latency<1>]\n'
         ' }\n graph {\n %0 = operation<@a> @x(@y)\n %1 = operation<@a> @y(%0)\n }\n}\n',
         "total distance 0"),
    ],
)  # fmt: skip
def test_broken_ssp_files_are_one_line(tmp_path, text, message):
    path = tmp_path / "bad.mlir"
    path.write_text(text)
    with pytest.raises(ProblemError, match=message) as err:
        read_ssp(path)
    one_line(err)


def test_an_operator_types_own_limit_is_a_resource(tmp_path):
    """Older SSP: ``limit<k>`` on the operator type, no ``uses``: a resource of its own."""
    path = tmp_path / "old.mlir"
    path.write_text(
        'ssp.instance @old of "ModuloProblem" [II<2>] {\n  library {\n'
        "    operator_type @mem [latency<1>, limit<1>]\n    operator_type @add [latency<1>]\n"
        "  }\n  graph {\n    %0 = operation<@mem>() [t<0>]\n"
        "    %1 = operation<@mem>() [t<1>]\n    %2 = operation<@add>(%0, %1) [t<2>]\n"
        "  }\n}\n"
    )
    (instance,) = read_ssp(path)
    p = instance.problem
    assert p.resources == ("mem.limit",) and p.limit.tolist() == [1] and p.res_mii == 2
    assert p.report(instance.schedule).feasible
    assert "oversubscribed" in p.report([0, 2, 3, 2]).why


# ---------------------------------------------------------------- SSP round trip


def round_trip(tmp_path: Path, p: ModuloProblem, schedule, kind=None):
    path = tmp_path / f"{p.name.replace('/', '_')}.mlir"
    path.write_text(write_ssp(p, schedule, kind))
    (instance,) = read_ssp(path)
    return instance


def same_loop_but_labels(p: ModuloProblem, q: ModuloProblem) -> None:
    """The same loop, operations in the same order, whatever their labels."""
    assert q.n_ops == p.n_ops and q.latency.tolist() == p.latency.tolist()
    edges = lambda x: sorted(zip(x.src.tolist(), x.dst.tolist(), x.delay.tolist(),  # noqa: E731
                                 x.distance.tolist(), strict=True))  # fmt: skip
    assert edges(q) == edges(p)
    limits = lambda x: [int(x.limit[r]) if r >= 0 and x.blocking[i] else -1  # noqa: E731
                        for i, r in enumerate(x.resource.tolist())]  # fmt: skip
    assert limits(q) == limits(p)
    assert (q.res_mii, q.rec_mii, q.trivial_lower_bound) == (
        p.res_mii, p.rec_mii, p.trivial_lower_bound
    )  # fmt: skip


@needs_circt
@pytest.mark.parametrize("name", [n for names in CIRCT_NAMES.values() for n in names])
def test_ssp_round_trip_of_circt_instances(tmp_path, name):
    file = next(f for f, names in CIRCT_NAMES.items() if name in names)
    original = next(i for i in read_ssp(CIRCT_DIR / file) if i.problem.name == name)
    p = original.problem
    for schedule in (ims(p), original.schedule):
        back = round_trip(tmp_path, p, schedule, original.kind)
        q = back.problem
        assert back.kind == original.kind and q.name == name
        same_loop_but_labels(p, q)
        assert back.schedule.tolist() == list(schedule)  # same II and starts, same order
        assert q.report(back.schedule).feasible == p.report(schedule).feasible
        assert q.report(back.schedule).cost == p.report(schedule).cost
        if name != "oversubscribed":
            assert q.operations == p.operations and q.digest == p.digest
            assert q.report(back.schedule).feasible
    bare = round_trip(tmp_path, p, None)  # without a schedule: no II, no t<..>
    assert bare.schedule is None and bare.kind == original.kind
    assert "[II<" not in write_ssp(p) and "[t<" not in write_ssp(p)


@needs_circt
def test_a_cpsat_schedule_round_trips(tmp_path):
    from schedbench.solvers.registry import solve

    p = data.load_circt("minII_infeasible")
    result = solve(p, "modulo_cpsat", time_limit=20, threads=1)
    back = round_trip(tmp_path, p, result.schedule, "ModuloProblem")
    assert back.problem.digest == p.digest
    assert back.schedule.tolist() == result.schedule.tolist() and back.schedule[-1] == 4
    assert back.problem.evaluate(back.schedule).cost[0] == result.cost == 4_000_006


def test_ssp_round_trip_of_a_hand_made_loop(tmp_path):
    """Labels SSP has to rename, an unlimited resource (dropped: it constrains nothing),
    two limited ones, a %-label read across iterations, and a self-loop."""
    p = ModuloProblem.from_lists(
        "hand made/1",
        [("ld x", "load", "mem"), ("wire", "nop", "free"), ("2mul", "mul", "dsp"),
         ("%acc", "add", "alu"), ("st", "store", "mem")],
        [("ld x", "2mul", 0, 0), ("2mul", "%acc", 0, 0), ("%acc", "%acc", 0, 1),
         ("%acc", "st", 0, 0), ("%acc", "2mul", 0, 2), ("st", "ld x", 0, 1),
         ("wire", "st", 0, 0)],
        {"load": 2, "add": 1, "mul": 3, "nop": 0, "store": 1},
        {"mem": (1, 1), "alu": (1, 1), "dsp": (2, 1), "free": (-1, 1)},
    )  # fmt: skip
    schedule = ims(p)
    assert p.report(schedule).feasible
    back = round_trip(tmp_path, p, schedule)
    q = back.problem
    assert back.kind == "ModuloProblem" and back.schedule.tolist() == schedule.tolist()
    same_loop_but_labels(p, q)
    assert q.report(back.schedule).feasible and q.min_ii == p.min_ii
    assert q.resources == ("mem", "dsp", "alu")  # "free" is unlimited: not written
    assert q.operations == ("ld_x", "wire", "op2mul", "acc", "st")  # renamed for SSP
    cyclic = ModuloProblem.from_lists(
        "c", [("a", "x", None), ("b", "x", "u")], [("a", "b", 0, 0), ("b", "a", 0, 1)],
        {"x": 2}, {"u": (-1, 1)},
    )  # fmt: skip
    assert round_trip(tmp_path, cyclic, cyclic.join([0, 2], 4)).kind == "CyclicProblem"


@needs_hatschet
def test_ssp_refuses_what_it_cannot_express():
    p = data.load_chstone("sha/graph3")
    assert (p.delay > 0).any()
    with pytest.raises(ProblemError, match="has edge delays, which SSP cannot express") as err:
        write_ssp(p, p.reference_schedule)
    assert "modulo/chstone/sha/graph3" in one_line(err)
    blocking = ModuloProblem.from_lists("b2", [("a", "x", "r")], [], {"x": 1}, {"r": (1, 2)})
    with pytest.raises(ProblemError, match="blocks a limited resource for 2 cycles") as err:
        write_ssp(blocking)
    one_line(err)


def test_a_zero_blocking_resource_survives_the_round_trip(tmp_path):
    p = ModuloProblem.from_lists(
        "z", [("a", "m", "r"), ("b", "m", "r")], [("a", "b", 0, 0)], {"m": 1}, {"r": (1, 0)}
    )
    schedule = p.join([0, 1], 1)
    assert p.report(schedule).feasible
    back = round_trip(tmp_path, p, schedule)
    assert back.problem.report(back.schedule).feasible and back.problem.min_ii == 1


def test_operator_types_keep_distinct_symbols(tmp_path):
    p = ModuloProblem.from_lists(
        "t", [("a", "m-1", None), ("b", "m_1", None)], [("a", "b", 0, 0)],
        {"m-1": 1, "m_1": 3}, {},
    )  # fmt: skip
    back = round_trip(tmp_path, p, p.join([0, 1], 1))
    assert back.problem.latency.tolist() == [1, 3]
    assert back.problem.report(back.schedule).feasible


def test_the_round_trip_keeps_the_operation_order(tmp_path):
    p = ModuloProblem.from_lists(
        "order", [("b", "x", None), ("a", "x", None)], [("a", "b", 0, 0)], {"x": 1}, {}
    )
    back = round_trip(tmp_path, p, p.join([1, 0], 1))
    assert back.problem.operations == ("b", "a") and back.problem.digest == p.digest
    assert back.schedule.tolist() == [1, 0, 1]
