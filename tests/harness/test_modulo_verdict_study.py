"""The modulo verdict's own tables: the claim "reaches MinII as often as the exact
solvers, and sooner" with its start-up and noise rules, and the protocol's seeded solvers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from schedbench.studies import modulo_verdict


def facts(loop: str, solver: str, family: str, seeds: dict[int, tuple]) -> list[dict]:
    """Rows of run_facts: per seed (II reached, time at MinII, time of the first schedule)."""
    return [{"loop": loop, "solver": solver, "family": family, "seed": seed, "min_ii": 4,
             "ii": ii, "t_min_ii": t_min, "t_first": t_first}
            for seed, (ii, t_min, t_first) in seeds.items()]  # fmt: skip


def test_sooner_is_start_up_when_exact_has_min_ii_before_the_first_differentiable_schedule():
    rows = [
        # l1: exact at MinII in 0.05 s, the differentiable's first schedule at 1.0 s
        *facts(
            "l1",
            "modulo_cpsat",
            "exact",
            {0: (4, 0.05, 0.05), 1: (4, 0.06, 0.06), 2: (4, 0.05, 0.05)},
        ),
        *facts("l1", "modulo_gauss", "differentiable", {s: (4, 1.1, 1.0) for s in range(3)}),
        # l2: exact needs 20-30 s (search), the differentiable 5-6 s: ahead, three seeds
        *facts("l2", "modulo_cpsat", "exact", {0: (4, 20, 0.1), 1: (4, 25, 0.1), 2: (4, 30, 0.1)}),
        *facts(
            "l2", "modulo_gauss", "differentiable", {0: (4, 5, 1), 1: (4, 6, 1), 2: (4, 5.5, 1)}
        ),
        # l3: one seed each, differentiable behind: a direction
        *facts("l3", "modulo_cpsat", "exact", {0: (4, 2.0, 0.1)}),
        *facts("l3", "modulo_gauss", "differentiable", {0: (4, 9.0, 1.0)}),
        # l4: the differentiable misses MinII
        *facts("l4", "modulo_cpsat", "exact", {0: (4, 0.1, 0.1)}),
        *facts("l4", "modulo_gauss", "differentiable", {0: (5, np.nan, 1.0)}),
    ]
    table = modulo_verdict.claim_table(pd.DataFrame(rows)).set_index("loop")
    assert table["differentiable sooner"].to_dict() == {
        "l1": "start-up",
        "l2": "ahead",
        "l3": "behind (direction)",
        "l4": "-",
    }
    line = modulo_verdict.claim_line(table.reset_index())
    assert "**not supported**: less often (3 against 4)" in line
    assert "(1 of the 3)" in line  # one comparison is start-up


def test_the_claim_is_not_testable_when_start_up_and_directions_decide_every_loop():
    rows = [
        *facts("l1", "modulo_cpsat", "exact", {0: (4, 0.05, 0.05)}),
        *facts("l1", "modulo_gauss", "differentiable", {0: (4, 1.1, 1.0)}),
        # l2: the differentiable ahead, but on one seed each: a direction, not a result
        *facts("l2", "modulo_cpsat", "exact", {0: (4, 30, 0.1)}),
        *facts("l2", "modulo_gauss", "differentiable", {0: (4, 5, 1.0)}),
    ]
    line = modulo_verdict.claim_line(modulo_verdict.claim_table(pd.DataFrame(rows)))
    assert "**not testable here**: as often; of the 2 loops both reach, 1 are decided" in line
    assert (
        "on the other 1, where the times measure search, the differentiable one is sooner on 0"
        in line
    )
    assert "(1 of them on fewer than 3 seeds: directions)" in line and "(1 of the 2)" in line


def test_a_result_on_one_loop_of_many_start_up_ones_is_no_verdict_on_time():
    """One loop where the differentiable is sooner on three seeds, two where start-up
    decides: the claim's time half is not testable here, whatever that one loop says."""
    rows = []
    for k in (1, 2):
        rows += facts(f"s{k}", "modulo_cpsat", "exact", {0: (4, 0.05, 0.05)})
        rows += facts(f"s{k}", "modulo_gauss", "differentiable", {0: (4, 1.1, 1.0)})
    rows += facts("l2", "modulo_cpsat", "exact", {s: (4, 20 + s, 0.1) for s in range(3)})
    rows += facts("l2", "modulo_gauss", "differentiable", {s: (4, 5 + s, 1) for s in range(3)})
    line = modulo_verdict.claim_line(modulo_verdict.claim_table(pd.DataFrame(rows)))
    assert "**not testable here**" in line and "the differentiable one is sooner on 1" in line


def test_the_claim_holds_when_the_differentiable_is_sooner_where_times_measure_search():
    rows = [
        *facts("l2", "modulo_cpsat", "exact", {s: (4, 20 + s, 0.1) for s in range(3)}),
        *facts("l2", "modulo_gauss", "differentiable", {s: (4, 5 + s, 1) for s in range(3)}),
    ]
    line = modulo_verdict.claim_line(modulo_verdict.claim_table(pd.DataFrame(rows)))
    assert "**holds**" in line


def test_the_protocols_seeded_solvers_come_from_part_2():
    solvers, planned = modulo_verdict.protocol_seeds()
    assert solvers == {"modulo_cpsat", "modulo_highs", "modulo_gauss", "modulo_gs",
                       "modulo_gauss_nograd", "modulo_gs_nograd"}  # fmt: skip
    assert planned == 6 * 88 * 2


def test_a_run_its_library_refused_does_not_count():
    """A size-limited licence refuses the model: the run holds only the opening
    heuristic's schedule, which is not the exact solver's find."""
    loop = "chstone/app/l1"
    refused = facts(loop, "gurobi", "exact", {0: (4, 0.01, 0.01)})
    refused[0]["status"] = "skipped"
    rows = [*refused, *facts(loop, "modulo_cpsat", "exact", {0: (5, np.nan, 0.1)}),
            *facts(loop, "modulo_gauss", "differentiable", {0: (4, 2.0, 1.0)})]  # fmt: skip
    frame = pd.DataFrame(rows).fillna({"status": "timeout"})
    table = modulo_verdict.claim_table(frame)
    assert table.loc[0, "exact"] == "modulo_cpsat" and not table.loc[0, "exact reaches MinII"]
    frame["optimal"] = frame["ii_proved"] = False
    apps = modulo_verdict.application_table(frame)
    assert "gurobi" not in set(apps["solver"])


def test_figures_and_family_verdicts_leave_out_refused_runs():
    """runs.csv keeps a refused run (who refused what); figures and verdicts do not count
    it, nor its points."""
    from schedbench.studies.hls_verdict import not_refused

    runs = pd.DataFrame({"run_key": ["a", "b"], "solver": ["gurobi", "modulo_cpsat"],
                         "status": ["skipped", "optimal"]})  # fmt: skip
    points = pd.DataFrame({"run_key": ["a", "a", "b"], "best_cost": [9.0, 8.0, 7.0]})
    kept, kept_points = not_refused(runs, points)
    assert list(kept["solver"]) == ["modulo_cpsat"]
    assert list(kept_points["best_cost"]) == [7.0]
