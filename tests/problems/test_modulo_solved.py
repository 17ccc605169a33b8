"""Modulo scheduling: bounds against solved schedules on HatScheT's and CIRCT's loops,
CP-SAT against brute force and CIRCT's optima, the statement's worked example, and one
harness run."""

from __future__ import annotations

import csv
import json
import math
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from modulo_loops import (
    REPO,
    brute_force,
    build,
    chstone,
    chstone200,
    circt_instances,
    ims,
    naive_feasible,
    needs_circt,
    needs_hatschet,
    random_spec,
    small_chstone,
)

from schedbench.problems.modulo import LENGTH_SCALE, ModuloProblem
from schedbench.solvers.modulo import compact
from schedbench.solvers.registry import solve

# ---------------------------------------------------------------- 4. bounds and solvers


def _bounds_hold(p: ModuloProblem, schedule: np.ndarray) -> None:
    report = p.report(schedule)
    assert report.feasible, (p.name, report.why)
    assert report.cost >= p.trivial_lower_bound, p.name
    ii = int(schedule[-1])
    assert ii >= p.min_ii and p.evaluate(schedule).length[0] >= p.length_bound(ii)
    # compaction: same residues, still feasible, never longer, within the horizon
    again = compact(p, schedule[:-1], ii)
    assert again is not None
    packed = p.join(again, ii)
    assert p.evaluate(packed).feasible[0], p.check(packed)
    assert (again % ii == schedule[:-1] % ii).all()
    assert p.evaluate(packed).length[0] <= p.evaluate(schedule).length[0]
    assert again.max() <= p.horizon(ii), p.name
    assert (again >= p.earliest(ii)).all()
    assert (again <= schedule[:-1]).all()  # the least solution starts nothing later


@needs_hatschet
def test_bounds_hold_on_small_chstone_loops():
    names = small_chstone()
    assert len(names) == 20
    loops = chstone()
    for name in names:
        p = loops[name]
        schedule = ims(p)
        _bounds_hold(p, schedule)
        _bounds_hold(p, p.reference_schedule)


@needs_circt
def test_bounds_hold_on_circt_instances():
    for instance in circt_instances():
        p = instance.problem
        _bounds_hold(p, ims(p))
        _bounds_hold(p, p.reference_schedule)
        _bounds_hold(p, instance.schedule)


@needs_hatschet
@pytest.mark.parametrize("collection", ["chstone", "chstone200"])
def test_every_chstone_reference_schedule_is_feasible(collection):
    loops = chstone() if collection == "chstone" else chstone200()
    assert len(loops) == (263 if collection == "chstone" else 262)
    for name, p in loops.items():
        schedule = p.reference_schedule
        assert p.evaluate(schedule).feasible[0], (name, p.check(schedule))
        assert schedule[-1] >= p.min_ii and (schedule[:-1] >= 0).all()
        assert p.evaluate(schedule).cost[0] >= p.trivial_lower_bound, name


@needs_circt
@pytest.mark.parametrize(
    ("name", "cost"),
    [
        # II 3 = MinII. The recurrence %0 -> %2 -> op3 -> %0 has latency 3 = II, so op3
        # starts exactly 2 after %0 and %2 exactly 1 after; %1 (ready by %2) must start
        # <= t(%0) and take the third slot, t(%0) + 1 mod 3, so t(%1) <= t(%0) - 2 and
        # t(%0) >= 2: last ends at >= t(%0) + 4 = 6, which the file's schedule reaches.
        ("canis14_fig2", 3_000_006),
        # II 3 has no schedule (%2, %3, %4 all start 1 after %1 with zero slack, 3 on
        # a limit-2 resource); at II 4 the chain 0,1,2,3 + op5 4 + last 5 ends at 6.
        ("minII_infeasible", 4_000_006),
        # 4 reads in 4 different slots from t = 2 end by 6; then two adds: last ends at 9
        ("four_read_pipeline", 4_000_009),
        # %4, op5, op6 chain on a limit-1 resource (latency 3): 3, 7 (not 6 = 3 mod 3), 11
        # (not 9, 10): last at 14 ends at 15
        ("minII_feasible", 3_000_015),
        ("self_arc", 3_000_005),  # = the trivial bound
        ("cyclic", 2_000_004),  # = the trivial bound
    ],
)
def test_cpsat_proves_circts_optima(name, cost):
    from schedbench.datasets.modulo import load_circt

    p = load_circt(name)
    result = solve(p, "modulo_cpsat", time_limit=20, threads=1)
    assert result.status == "optimal" and result.cost == cost, result.message
    assert p.evaluate(result.schedule).feasible[0] and result.bound == cost
    assert p.trivial_lower_bound <= cost <= p.evaluate(ims(p)).cost[0]


# p feeds x and y, both feed p back one iteration later; x and y share a limit-1 port.
# ResMII 2, RecMII (1 + 1) / 1 = 2, but at II 2 both x and y must start exactly 1 after p
# (t_x >= t_p + 1 and t_p + 2 >= t_x + 1): one slot, one port. At II 3: p 0, x 1, y 2.
TIGHT = {
    "operations": [("p", "one", None), ("x", "one", "port"), ("y", "one", "port")],
    "edges": [("p", "x", 0, 0), ("x", "p", 0, 1), ("p", "y", 0, 0), ("y", "p", 0, 1)],
    "types": {"one": 1},
    "resources": {"port": (1, 1)},
}


def test_a_tight_recurrence_lifts_the_ii_above_min_ii():
    p = build(TIGHT, "tight")
    assert (p.res_mii, p.rec_mii, p.min_ii) == (2, 2, 2)
    assert p.trivial_lower_bound == 2_000_002
    assert len(brute_force(p, 2, p.horizon(2) + 2)) == 0
    assert p.report([0, 1, 2, 3]).feasible and p.evaluate([0, 1, 2, 3]).cost[0] == 3_000_003
    result = solve(p, "modulo_cpsat", time_limit=20, threads=1)
    assert result.status == "optimal" and result.cost == 3_000_003
    assert "II 2 proved infeasible" in result.message
    assert result.bound == 3_000_003
    assert ims(p)[-1] == 3


@pytest.mark.parametrize("seed", [None, 1, 11, 26, 34, 46, 49])
def test_cpsat_matches_brute_force_on_tiny_loops(seed):
    """Exhaustive search over starts 0..horizon(II) + II (beyond the box CP-SAT uses):
    the first II with a schedule and its shortest length are CP-SAT's optimum; every
    schedule found compacts into the horizon. The random loops are ones where the MRT
    lengthens the optimum beyond the trivial bound."""
    spec = TIGHT if seed is None else random_spec(1000 + seed, n=4)
    p = build(spec)
    result = solve(p, "modulo_cpsat", time_limit=20, threads=1)
    assert result.status == "optimal" and p.evaluate(result.schedule).feasible[0]
    assert result.cost >= p.trivial_lower_bound
    for ii in range(p.min_ii, int(result.schedule[-1]) + 1):
        box = p.horizon(ii) + ii
        assert box <= 24  # keeps the search small
        found = brute_force(p, ii, box)
        assert all(naive_feasible(spec, row) for row in found[:: max(1, len(found) // 50)])
        for row in found[:: max(1, len(found) // 200)]:
            assert compact(p, row[:-1], ii).max() <= p.horizon(ii)
        if ii < result.schedule[-1]:
            assert len(found) == 0, (seed, ii)
        else:
            lengths = (found[:, :-1] + p.latency).max(axis=1)
            assert ii * LENGTH_SCALE + lengths.min() == result.cost, seed


# ---------------------------------------------------------------- 5. the worked example


DOC = REPO / "docs" / "problems" / "modulo.md"


def test_the_statements_worked_example():
    text = DOC.read_text()
    code = re.search(r"## Worked example.*?```python\n(.*?)```", text, re.S).group(1)
    scope: dict = {}
    exec(compile(code, str(DOC), "exec"), scope)  # the doc's own assertions run here
    p = scope["loop"]
    # the numbers again, independently of the doc's asserts
    assert (p.res_mii, p.rec_mii, p.min_ii) == (3, 2, 3)
    assert p.trivial_lower_bound == 3_000_007 and p.length_bound(3) == 7
    schedule = [0, 2, 2, 5, 7, 3]
    result = p.evaluate(schedule)
    assert result.feasible[0] and result.length[0] == 8 and result.cost[0] == 3_000_008
    # the MRT table of the doc, rebuilt from the schedule
    cells = {int(t) % 3: f"{p.operations[i]} (t={t})" for i, t in enumerate(schedule[:-1])
             if p.resource[i] >= 0}  # fmt: skip
    assert f"| mem | {cells[0]} | {cells[1]} | {cells[2]} |" in text
    assert p.check([0, 2, 2, 5, 6, 3]) in text
    assert p.format_schedule(schedule).strip() in text  # the file example is this schedule
    # optimal: CP-SAT and the exhaustive search agree on 3000008
    assert solve(p, "modulo_cpsat", time_limit=20, threads=1).cost == 3_000_008
    found = brute_force(p, 3, 9)
    assert ((found[:, :-1] + p.latency).max(axis=1)).min() == 8
    assert len(brute_force(p, 2, 9)) == 0  # below ResMII


# ---------------------------------------------------------------- 6. the harness


@needs_circt
def test_a_modulo_run_through_the_harness(tmp_path):
    results = tmp_path / "results"
    done = subprocess.run(
        [sys.executable, "-m", "schedbench.harness", "solver=modulo_cpsat",
         "dataset=modulo/circt/canis14_fig2", "budget=smoke", "threads=1",
         f"results.dir={results}", f"hydra.run.dir={tmp_path / 'hydra'}"],
        capture_output=True, text=True, timeout=180, env=os.environ.copy(), cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "modulo/circt/canis14_fig2/modulo_cpsat/seed0: optimal, best cost 3000006" in (
        done.stdout
    )
    (record_file,) = (results / "runs").glob(
        "modulo--circt--canis14_fig2/modulo_cpsat/*/record.json"
    )
    record = json.loads(record_file.read_text())
    # the file's own schedule: II 3, last op at t = 5 with latency 1 -> length 6
    assert record["status"] == "optimal" and record["best_cost"] == 3_000_006
    assert record["terms"] == {"ii": 3, "length": 6} and record["class"] == "modulo"
    assert record["facts"]["min_ii"] == 3 and record["bound"] == 3_000_006
    with open(record_file.with_name("schedule.csv"), newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["node", "start"] and ["II", "3"] in rows
    from schedbench.datasets.modulo import load_circt

    p = load_circt("canis14_fig2")
    start = {label: int(v) for label, v in rows[1:]}
    schedule = [start[label] for label in p.labels]
    assert p.evaluate(schedule).feasible[0] and p.evaluate(schedule).cost[0] == 3_000_006
    assert math.isclose(record["trivial_bound"], p.trivial_lower_bound)
