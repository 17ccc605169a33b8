"""Modulo scheduling: the class's checks, ResMII/RecMII/MinII by hand and on CIRCT's
instances, the evaluator against a naive checker, bounds against solved schedules on
HatScheT's and CIRCT's loops, the statement's worked example, and one harness run (data
read from ../shared through the conftest's variables, never the network)."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest
from modulo_loops import (
    CIRCT_DIR,
    CIRCT_FILES,
    build,
    circt_instances,
    loop,
    naive_feasible,
    naive_length,
    naive_rec_mii,
    needs_circt,
    random_spec,
)

from schedbench.node_arrays import ProblemError
from schedbench.problems.modulo import LENGTH_SCALE, ModuloProblem
from schedbench.problems.modulo_formats import read_ssp

# ---------------------------------------------------------------- 1. validation

OPS = [("a", "alu", "r"), ("b", "alu", "r"), ("c", "mul", None)]
EDGES = [("a", "b", 0, 0), ("b", "c", 1, 0)]
TYPES = {"alu": 1, "mul": 3}
RES = {"r": (1, 1)}


@pytest.mark.parametrize(
    ("kwargs", "message", "culprits"),
    [
        ({"edges": [("a", "b", 0, 0), ("b", "c", 0, 0), ("c", "a", 2, 0)]},
         "has total distance 0", []),  # which operations: the next test
        ({"operations": [("a", "alu", "r"), ("b", "alu", "port"), ("c", "mul", None)]},
         "which is not described", ["'b'", "'port'"]),
        ({"resources": {"r": (0, 1)}}, "has limit 0", ["'r'", "'a'"]),
        ({"operations": [("a", "alu", "r"), ("b", "div", "r"), ("c", "mul", None)]},
         "operator type 'div'", ["'b'"]),
        ({"types": {"alu": 1, "mul": -2}}, "latency of operator type 'mul' is -2", []),
        ({"edges": [("a", "b", -1, 0)]}, "has delay -1", ["a -> b"]),
        ({"edges": [("a", "b", 0, 0), ("b", "c", 0, -1)]}, "has distance -1", ["b -> c"]),
        ({"operations": [("a", "alu", "r"), ("b", "alu", "r"), ("a", "mul", None)]},
         "listed twice", ["'a'"]),
        ({"operations": [("a", "alu", "r"), ("II", "alu", "r"), ("c", "mul", None)],
          "edges": []}, "named 'II'", []),
        ({"edges": [("a", "z", 0, 0)]}, "names 'z', which is not an operation", []),
        ({"operations": [], "edges": []}, "has no operations", []),
        ({"resources": {"r": (-2, 1)}}, r"resource 'r' is \(-2, 1\)", []),
        ({"types": {"alu": 1.5, "mul": 3}}, "latency of operator type 'alu' is 1.5", []),
        ({"edges": [("a", "b", 0.5, 0)]}, "has delay 0.5", []),
        ({"edges": [("a", "a", 0, 0)]}, "the cycle a -> a has total distance 0", []),
    ],
)  # fmt: skip
def test_bad_loops_are_one_line(kwargs, message, culprits):
    args = {"operations": OPS, "edges": EDGES, "types": TYPES, "resources": RES} | kwargs
    with pytest.raises(ProblemError, match=message) as err:
        ModuloProblem.from_lists("bad", **args)
    text = str(err.value)
    assert "\n" not in text and text.startswith("loop 'bad'")
    for culprit in culprits:
        assert culprit in text


def test_a_zero_distance_cycle_names_only_its_operations():
    """d feeds the cycle a -> b -> c -> a but is not on it: the message lists a, b, c
    (starting anywhere on the cycle) and not d."""
    ops = [("d", "alu", None), ("a", "alu", "r"), ("b", "alu", "r"), ("c", "mul", None)]
    edges = [("d", "a", 0, 0), ("a", "b", 0, 0), ("b", "c", 0, 0), ("c", "a", 0, 0),
             ("c", "d", 0, 1)]  # fmt: skip
    with pytest.raises(ProblemError) as err:
        loop(ops, edges, TYPES, RES)
    cycle = re.search(r"the cycle (.*) has total distance 0", str(err.value)).group(1)
    names = cycle.split(" -> ")
    assert names[0] == names[-1] and sorted(names[:-1]) == ["a", "b", "c"]
    assert " -> ".join(["a", "b", "c"]) in " -> ".join(names[:-1] * 2)  # in the cycle's order


def test_a_cycle_with_a_positive_distance_is_accepted_and_unused_resources_are_ignored():
    p = loop(OPS, [*EDGES, ("c", "a", 0, 1)], TYPES, RES | {"idle": (0, 1)})
    assert p.resources == ("r",) and p.n == 4 and p.labels == ("a", "b", "c", "II")


def test_a_negative_blocking_time_is_refused():
    with pytest.raises(ProblemError, match="'r'"):
        loop(OPS, EDGES, TYPES, {"r": (1, -1)})


@pytest.mark.parametrize(
    ("types", "resources"), [({"alu": 1, "mul": 3}, {"r": 2}), ({"alu": None, "mul": 3}, RES)]
)
def test_malformed_tables_are_one_line(types, resources):
    with pytest.raises(ProblemError):
        loop(OPS, EDGES, types, resources)


# ---------------------------------------------------------------- 2. ResMII, RecMII, MinII


@pytest.mark.parametrize(
    ("operations", "edges", "types", "resources", "res_mii", "rec_mii"),
    [
        # a -> b (lat_a 3, delay 1), b -> a distance 2, lat_b 2: cycle weight 3+1+2 = 6,
        # distance 2: RecMII ceil(6/2) = 3; no limited resource: ResMII 1.
        ([("a", "x", None), ("b", "y", None)], [("a", "b", 1, 0), ("b", "a", 0, 2)],
         {"x": 3, "y": 2}, {}, 1, 3),
        # the same with lat_b 3: weight 7 over distance 2, ceil(3.5) = 4.
        ([("a", "x", None), ("b", "y", None)], [("a", "b", 1, 0), ("b", "a", 0, 2)],
         {"x": 3, "y": 3}, {}, 1, 4),
        # 5 operations blocking 1 on a limit-2 resource: ceil(5/2) = 3; no cycle.
        ([(f"o{i}", "x", "r") for i in range(5)], [], {"x": 1}, {"r": (2, 1)}, 3, 1),
        # 3 operations blocking 2 on a limit-1 resource: 6 busy cycles, ResMII 6.
        ([(f"o{i}", "x", "r") for i in range(3)], [], {"x": 1}, {"r": (1, 2)}, 6, 1),
        # the same on a limit-2 resource: ceil(6/2) = 3.
        ([(f"o{i}", "x", "r") for i in range(3)], [], {"x": 1}, {"r": (2, 2)}, 3, 1),
        # blocking 0 and unlimited resources take no slot: ResMII 1.
        ([("a", "x", "z"), ("b", "x", "z"), ("c", "x", "u")], [], {"x": 1},
         {"z": (1, 0), "u": (-1, 4)}, 1, 1),
        # a self-loop of latency 5, delay 1, distance 2: ceil(6/2) = 3.
        ([("a", "x", None)], [("a", "a", 1, 2)], {"x": 5}, {}, 1, 3),
        # two cycles sharing b: a->b->a weight 3+2 = 5 over distance 1 (5) and b->c->b
        # weight 2+9 = 11 over distance 2 (ceil 5.5 = 6): the larger ratio, RecMII 6.
        ([("a", "x", None), ("b", "y", None), ("c", "z", None)],
         [("a", "b", 0, 0), ("b", "a", 0, 1), ("b", "c", 0, 0), ("c", "b", 0, 2)],
         {"x": 3, "y": 2, "z": 9}, {}, 1, 6),
        # a recurrence (ceil(4/1) = 4) against 3 blocking-1 ops on a limit-1 resource (3).
        ([("a", "x", "r"), ("b", "x", "r"), ("c", "x", "r")],
         [("a", "b", 1, 0), ("b", "a", 1, 1)], {"x": 1}, {"r": (1, 1)}, 3, 4),
        # distance 3 around a weight-10 cycle: ceil(10/3) = 4; blocking 3 on limit 1: 6.
        ([("a", "x", "r"), ("b", "y", "r")], [("a", "b", 0, 0), ("b", "a", 2, 3)],
         {"x": 5, "y": 3}, {"r": (1, 3)}, 6, 4),
    ],
)  # fmt: skip
def test_mii_by_hand(operations, edges, types, resources, res_mii, rec_mii):
    p = loop(operations, edges, types, resources)
    assert (p.res_mii, p.rec_mii, p.min_ii) == (res_mii, rec_mii, max(res_mii, rec_mii))
    assert p.earliest(p.rec_mii) is not None
    if p.rec_mii > 1:  # RecMII is the smallest II the recurrences allow
        assert p.earliest(p.rec_mii - 1) is None
        with pytest.raises(ValueError, match="below RecMII"):
            p.length_bound(p.rec_mii - 1)


@pytest.mark.parametrize("seed", range(12))
def test_rec_mii_is_the_ceiling_of_the_maximum_cycle_ratio(seed):
    spec = random_spec(seed, n=6)
    assert build(spec).rec_mii == naive_rec_mii(spec)


def _circt_expectations() -> list[tuple[str, int, int]]:
    """(instance, the II in its [II<..>], the II of the SIMPLEX-SAME line before it)."""
    out = []
    for file in CIRCT_FILES:
        text = (CIRCT_DIR / file).read_text()
        pattern = (r"//\s*SIMPLEX-SAME:\s*\[II<(\d+)>\]\s*\n(?:\s*//[^\n]*\n)*"
                   r"ssp\.instance\s+@(\w+)\s+of\s+\"\w+\"\s*\[II<(\d+)>\]")  # fmt: skip
        out += [(name, int(own), int(simplex)) for simplex, name, own in re.findall(pattern, text)]
    return out


@needs_circt
def test_min_ii_never_exceeds_circts_iis():
    expected = _circt_expectations()
    instances = {i.problem.name: i for i in circt_instances()}
    assert sorted(name for name, _, _ in expected) == sorted(instances)  # all 8 parsed
    for name, own, simplex in expected:
        p = instances[name].problem
        assert p.min_ii <= own and p.min_ii <= simplex, name
        assert instances[name].schedule[-1] == own


@needs_circt
@pytest.mark.parametrize(
    ("name", "res_mii", "rec_mii"),
    [
        # 3 L1_rsrc operations (%0, %1, op3) on limit 1: ResMII 3; the cycle
        # %0 -> %2 -> op3 -> %0 (dist 1) has latency 1+1+1 = 3: RecMII 3.
        ("canis14_fig2", 3, 3),
        # 3 L2_rsrc operations on limit 2: ceil(3/2) = 2; the cycle %1 -> %2 -> op5 -> %1
        # (dist 1) has latency 3: RecMII 3, MinII 3, though II 3 has no schedule (4 does).
        ("minII_infeasible", 2, 3),
        # 4 reads on limit 1: ResMII 4; no cycle.
        ("four_read_pipeline", 4, 1),
        # op1 -> op1 (latency 3, dist 1): RecMII 3; no resource.
        ("self_arc", 1, 3),
        # %2 -> %3 -> %5 -> op6 -> %2 and %5 -> op6 -> %7 -> op9 -> %5 have latency 4
        # over distance 2 (2), but %2 -> %3 -> %4 -> %7 -> op9 -> %5 -> op6 -> %2 has
        # 1+1+10+1+1+1+1 = 16 over 2+2 = 4: RecMII 4, CIRCT's II.
        ("interleaved_cycles", 1, 4),
    ],
)
def test_min_ii_of_circt_instances_by_hand(name, res_mii, rec_mii):
    from schedbench.datasets.modulo import load_circt

    p = load_circt(name)
    assert (p.res_mii, p.rec_mii, p.min_ii) == (res_mii, rec_mii, max(res_mii, rec_mii))


# ---------------------------------------------------------------- 3. evaluation


@needs_circt
def test_circts_own_schedules_verify():
    for instance in circt_instances():
        p, schedule = instance.problem, instance.schedule
        assert schedule is not None, p.name
        report = p.report(schedule)
        assert report.feasible and report.why == "", (p.name, report.why)
        assert report.cost == schedule[-1] * LENGTH_SCALE + (schedule[:-1] + p.latency).max()


@needs_circt
def test_the_oversubscribed_schedule_is_refused():
    (instance,) = read_ssp(CIRCT_DIR / "modulo-problem-errors.mlir")
    p = instance.problem
    assert p.name == "oversubscribed" and instance.schedule.tolist() == [1, 3, 5, 2]
    report = p.report(instance.schedule)
    assert not report.feasible and "\n" not in report.why
    # t = 1, 3, 5 are all 1 mod 2: three operations in slot 1 of a limit-2 resource
    assert report.why == (
        "resource 'limited_rsrc' is oversubscribed: 3 operations are busy in slot 1 of II 2; "
        "its limit is 2"
    )
    assert p.report([1, 3, 4, 2]).feasible  # one of them moved to slot 0


def chain_with_port(blocking: int = 1) -> ModuloProblem:
    """a (2 cycles) -> b (1 cycle) -> a at distance 1, c free; a and c share a
    limit-1 port blocking for ``blocking`` cycles, b has a delay-1 edge to c."""
    return loop(
        [("a", "two", "port"), ("b", "one", None), ("c", "one", "port")],
        [("a", "b", 0, 0), ("b", "a", 0, 1), ("b", "c", 1, 0)],
        {"two": 2, "one": 1},
        {"port": (1, blocking)},
    )


@pytest.mark.parametrize(
    ("schedule", "why"),
    [
        ([0, 2, 4, 3], ""),  # a@0 b@2 c@4: b->a 3 <= 0+3, b->c 2+1+1 <= 4; slots 0, 1
        ([0, 1, 4, 3], "edge 'a' -> 'b' (delay 0, distance 0) is broken at II 3: 'a' starts "
                       "at 0 with latency 2, 'b' starts at 1"),
        ([0, 2, 3, 3], "edge 'b' -> 'c' (delay 1, distance 0) is broken at II 3"),
        ([0, 3, 5, 3], "edge 'b' -> 'a' (delay 0, distance 1) is broken at II 3: 'b' starts "
                       "at 3 with latency 1, 'a' starts at 0"),
        ([0, 2, 6, 3], "resource 'port' is oversubscribed: 2 operations are busy in slot 0 "
                       "of II 3; its limit is 1"),  # 0 = 6 mod 3
        ([-1, 2, 4, 3], "operation 'a' starts at -1 < 0"),
        ([0, 2, 4, 0], "the initiation interval is 0; it must be a whole number in 1..1,000,0"),
        ([0, 2, 4, -2], "the initiation interval is -2"),
        ([0, 2, LENGTH_SCALE, 3], f"the schedule length {LENGTH_SCALE + 1} is not below"),
    ],
)  # fmt: skip
def test_broken_rules_are_named(schedule, why):
    p = chain_with_port()
    report = p.report(schedule)
    assert report.feasible == (why == "")
    assert report.why.startswith(why) and "\n" not in report.why
    if why:
        assert p.check(schedule) == report.why


def test_check_of_a_feasible_schedule_is_empty():
    assert chain_with_port().check([0, 2, 4, 3]) == ""


def test_the_recurrence_is_checked_at_the_schedules_ii():
    p = chain_with_port()  # a -> b -> a: 2 + 1 = 3 cycles over distance 1: RecMII 3
    assert p.rec_mii == 3 and p.report([0, 2, 4, 3]).feasible
    assert "'b' -> 'a'" in p.check([0, 2, 4, 2])  # the same starts at II 2: 2 + 1 > 0 + 2
    assert "slot 0 of II 4" in p.check([0, 2, 4, 4])  # at II 4, c (t=4) meets a in slot 0
    assert p.report([0, 2, 5, 4]).feasible  # c at 5: slot 1


@pytest.mark.parametrize(
    ("blocking", "schedule", "feasible"),
    [
        # every schedule meets the edges (t_b >= t_a + 2, t_a + II >= t_b + 1,
        # t_c >= t_b + 2); only the port's slots differ
        (2, [0, 2, 4, 4], False),  # a busy 0,1; c busy 4,5 = slots 0,1 of II 4
        (2, [0, 2, 6, 4], True),  # c busy 6,7 = slots 2,3
        (2, [0, 2, 5, 4], False),  # c busy 5,6 = slots 1,2; a holds 1
        (2, [2, 4, 8, 4], True),  # a busy 2,3; c busy 8,9 = slots 0,1
        (2, [3, 5, 7, 4], False),  # a busy 3,4 = slots 3,0 (wraps); c busy 7,8 = 3,0
        (2, [3, 5, 9, 4], True),  # a busy 3,4 = slots 3,0; c busy 9,10 = 1,2
        (2, [2, 4, 6, 3], False),  # II 3: a busy 2,3 = slots 2,0 (wraps); c 6,7 = 0,1
        (2, [1, 3, 5, 3], False),  # II 3: a 1,2; c 5,6 = slots 2,0 (wraps): clash on 2
        (3, [0, 2, 5, 4], False),  # a busy 0,1,2; c busy 5,6,7 = slots 1,2,3
        (3, [0, 2, 7, 6], False),  # II 6: a 0,1,2; c 7,8,9 = slots 1,2,3
        (3, [0, 2, 9, 6], True),  # II 6: a 0,1,2; c 9,10,11 = slots 3,4,5
        (3, [4, 6, 8, 6], False),  # II 6: a 4,5,6 = slots 4,5,0 (wraps); c 8,9,10 = 2,3,4
        (3, [4, 6, 13, 6], True),  # II 6: a 4,5,6 = slots 4,5,0 (wraps); c 13,14,15 = 1,2,3
    ],
)
def test_blocking_times_wrap_around_the_ii(blocking, schedule, feasible):
    """Slots computed by hand, and by the naive checker too (so that a wrong comment
    cannot hide a wrong expectation)."""
    spec = {
        "operations": [("a", "two", "port"), ("b", "one", None), ("c", "one", "port")],
        "edges": [("a", "b", 0, 0), ("b", "a", 0, 1), ("b", "c", 1, 0)],
        "types": {"two": 2, "one": 1},
        "resources": {"port": (1, blocking)},
    }
    assert naive_feasible(spec, schedule) == feasible
    p = chain_with_port(blocking)
    assert p.res_mii == 2 * blocking  # a and c hold the port 2 * blocking cycles
    assert p.evaluate(schedule).feasible[0] == feasible
    if not feasible:
        assert p.check(schedule).startswith("resource 'port' is oversubscribed")


@pytest.mark.parametrize(
    ("schedule", "slot_of_clash"),
    [
        # a blocks 2 cycles from 2 at II 3: slots 2 and 0; c at 3 holds slot 0 too
        ([2, 4, 6, 3], 0),
        # a blocks 2 from 1 at II 3: slots 1, 2; c at 7 = slot 1
        ([1, 3, 7, 3], 1),
    ],
)
def test_a_wrapped_blocking_time_names_its_slot(schedule, slot_of_clash):
    p = chain_with_port(blocking=2)
    assert p.check(schedule) == (
        f"resource 'port' is oversubscribed: 2 operations are busy in slot {slot_of_clash} of "
        "II 3; its limit is 1"
    )


def test_a_blocking_time_longer_than_ii_hits_its_own_slot_twice():
    # one operation blocking 3 cycles at II 2 holds slot t mod 2 twice: limit 1 breaks,
    # limit 2 holds; ResMII says the same (3 / 1 = 3 > 2, 3 / 2 -> 2)
    one = loop([("a", "x", "r")], [], {"x": 1}, {"r": (1, 3)})
    two = loop([("a", "x", "r")], [], {"x": 1}, {"r": (2, 3)})
    assert one.res_mii == 3 and two.res_mii == 2
    assert not one.evaluate([0, 2]).feasible[0] and one.evaluate([0, 3]).feasible[0]
    assert two.evaluate([0, 2]).feasible[0]
    assert "2 operations are busy in slot 0 of II 2" in one.check([0, 2])


@pytest.mark.parametrize("seed", range(10))
def test_batch_evaluation_matches_a_naive_checker_and_report(seed):
    spec = random_spec(100 + seed)
    p = build(spec)
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(300):
        ii = int(rng.integers(max(1, p.min_ii - 1), p.min_ii + 4))
        base = p.earliest(ii) if p.earliest(ii) is not None else np.zeros(p.n_ops, np.int64)
        rows.append(p.join(base + rng.integers(-1, 4, p.n_ops), ii))
    rows.append(p.reference_schedule)
    batch = np.asarray(rows)
    result = p.evaluate(batch)
    expected = [naive_feasible(spec, row) for row in batch]
    assert result.feasible.tolist() == expected
    assert 0 < sum(expected) < len(expected)  # both kinds are exercised
    assert result.ii.tolist() == batch[:, -1].tolist()
    assert result.length.tolist() == [naive_length(spec, row) for row in batch]
    assert result.cost.tolist() == (batch[:, -1] * LENGTH_SCALE + result.length).tolist()
    assert result.terms == {"ii": result.ii, "length": result.length}
    for row, ok, cost in zip(batch[:40], result.feasible, result.cost, strict=False):
        report = p.report(row)
        assert (report.feasible, report.cost) == (bool(ok), float(cost))
        assert (report.why == "") == bool(ok)


def test_the_cost_is_lexicographic():
    p = chain_with_port()  # RecMII 3
    short_at_4 = [0, 2, 5, 4]  # length 6 at II 4 (c at 5: slot 1)
    long_at_3 = [0, 2, 40, 3]  # length 41 at II 3: c at 40 = slot 1
    result = p.evaluate([short_at_4, long_at_3])
    assert result.feasible.all() and result.length.tolist() == [6, 41]
    assert result.cost.tolist() == [4_000_006, 3_000_041]
    assert result.best() == 1  # the smaller II wins however long
    assert p.evaluate([0, 2, 4, 3]).cost[0] < p.evaluate(long_at_3).cost[0]  # then length
    worst = p.evaluate([0, 2, LENGTH_SCALE - 2, 3])
    assert worst.feasible[0] and worst.cost[0] < 4 * LENGTH_SCALE  # 999,999 is the longest
    assert p.evaluate([[0, 1, 4, 3], [0, 2, 6, 3]]).best() is None  # nothing feasible


def test_schedule_vectors_are_checked():
    p = chain_with_port()
    with pytest.raises(ProblemError, match=r"has 3 entries; this loop needs 4 \(3 start"):
        p.evaluate([0, 2, 4])
    with pytest.raises(ProblemError, match="whole numbers"):
        p.evaluate([0.0, 2.5, 4.0, 3.0])
    assert p.evaluate([0.0, 2.0, 4.0, 3.0]).feasible[0]


def test_schedule_text_round_trips():
    p = chain_with_port()
    text = p.format_schedule([0, 2, 4, 3])
    assert text == "node,start\na,0\nb,2\nc,4\nII,3\n"
    assert p.parse_schedule(text).tolist() == [0, 2, 4, 3]
    assert p.parse_schedule("node,start\nII,3\nc,4\n\na,0\nb,2\n").tolist() == [0, 2, 4, 3]
    with pytest.raises(ProblemError, match="no entry for 'II'"):
        p.parse_schedule("node,start\na,0\nb,2\nc,4\n")
    with pytest.raises(ProblemError, match=r"line 2 \('a:0'\) is not '<operation>,<start>'"):
        p.parse_schedule("node,start\na:0\n")
    with pytest.raises(ProblemError, match=r"line 1 \('z,1'\)"):
        p.parse_schedule("z,1\n")


def test_a_negative_start_in_a_schedule_file_is_read_as_given():
    p = chain_with_port()
    start = p.parse_schedule("node,start\na,0\nb,-1\nc,4\nII,3\n")
    assert start.tolist() == [0, -1, 4, 3]  # then the evaluator names it: starts at -1 < 0


def test_a_huge_ii_gets_a_verdict_not_a_memory_error():
    code = (
        "import resource; resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))\n"
        "from schedbench.problems.modulo import ModuloProblem\n"
        "p = ModuloProblem.from_lists('x', [('a', 'm', 'r'), ('b', 'm', 'r')],"
        " [('a', 'b', 0, 0)], {'m': 1}, {'r': (1, 1)})\n"
        "print(bool(p.evaluate([0, 1, 10**8]).feasible[0]), p.check([0, 1, 10**11]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr[-300:]
    assert done.stdout.strip() == (
        "True the initiation interval is 100000000000; it must be a whole number in "
        "1..1,000,000,000"
    )
