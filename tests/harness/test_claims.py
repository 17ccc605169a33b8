"""The paper's claims, judged from hand-made tables: the noise rule, start-up, seeds,
commercial solvers, portfolios, GPUs and interrupted runs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from schedbench.studies.icml24 import beyond, claims, rules


def test_compare_needs_disjoint_ranges():
    assert claims.compare(np.array([1.0, 2, 3]), np.array([4.0, 5, 6])) == "ahead"
    assert claims.compare(np.array([4.0, 5, 6]), np.array([1.0, 2, 3])) == "behind"
    assert claims.compare(np.array([1.0, 5, 3]), np.array([4.0, 2, 6])) == claims.NOISE
    assert claims.compare(np.array([1.0]), np.array([2.0])) == "ahead (1 seed)"
    assert claims.compare(np.array([np.nan, 1, 1]), np.array([2.0, 2, 2])) == claims.NOISE


def _tables(rows: list[dict], default_budget: float = 60.0) -> claims.Tables:
    """Runs and points from (dataset, solver, seed, first, final, at10, startup, budget)
    rows; start-up is 0.05 s unless given (under 1 % of 10 % of a 60 s budget)."""
    runs, points = [], []
    for i, row in enumerate(rows):
        key = f"k{i}"
        final, first = row["final"], row.get("first", row["final"])
        budget = row.get("budget", default_budget)
        runs.append(
            {
                "dataset": row["dataset"],
                "solver": row["solver"],
                "seed": row["seed"],
                "budget": budget,
                "startup_time": row.get("startup", 0.05),
                "build_time": row.get("startup", 0.05),
                "first_incumbent_time": row.get("startup", 0.05) + 0.1,
                "run_key": key,
                "best_cost": final,
                "first_cost": first,
                "status": row.get("status", "timeout"),
                "gap": 0.0,
                "n": 100,
                "config": "{}",
                "threads": row.get("threads", 2),
                "message": "",
            }
        )
        for t, value in ((0.1 * budget, row.get("at10", final)), (budget, final)):
            points.append(
                {
                    "dataset": row["dataset"],
                    "solver": row["solver"],
                    "seed": row["seed"],
                    "run_key": key,
                    "t": t,
                    "best_cost": value,
                    "norm_paper": value / first,
                }
            )
    return claims.Tables(pd.DataFrame(runs), pd.DataFrame(points), pd.DataFrame())


def test_cpsat_denser_claim_follows_the_numbers():
    stalled = _tables(
        [{"dataset": d, "solver": "cpsat", "seed": 0, "final": np.nan} for d in claims.RW_LARGE]
    )
    assert claims.claim_cpsat_denser(stalled).verdict == claims.HOLDS
    improving = _tables(
        [
            {"dataset": d, "solver": "cpsat", "seed": 0, "first": 200.0, "final": 100.0}
            for d in claims.RW_LARGE
        ]
    )
    claim = claims.claim_cpsat_denser(improving)
    assert claim.verdict == claims.FAILS and "50.00 %" in claim.measured


def test_gs_convergence_claim_uses_the_early_point():
    early = [
        {"dataset": d, "solver": "gs", "seed": 0, "final": 100.0, "at10": 100.5}
        for d in claims.RW_SMALL
    ]
    assert claims.claim_fig3a(_tables(early)).verdict == claims.HOLDS
    late = [{**row, "at10": 150.0} for row in early]
    assert claims.claim_fig3a(_tables(late)).verdict == claims.FAILS


def test_time_claim_with_startup_above_one_percent_of_its_point_is_not_testable():
    # 10 % of 60 s is 6 s: a 0.1 s start-up is 1.7 % of it
    slow = [
        {"dataset": d, "solver": "gs", "seed": 0, "final": 100.0, "at10": 100.5, "startup": 0.1}
        for d in claims.RW_SMALL
    ]
    claim = claims.claim_fig3a(_tables(slow))
    assert claim.verdict == f"{claims.UNTESTABLE}; direction: {claims.HOLDS}"
    assert "start-up 0.1 s (1.7% of the point)" in claim.measured
    assert "a fair test needs a budget of at least 100 s" in claim.measured
    # the same start-up in a run ten times longer is 0.17 % of its point: judged there
    longer = [{**row, "budget": 600.0} for row in slow]
    claim = claims.claim_fig3a(_tables(slow + longer))
    assert claim.verdict == claims.HOLDS and "tested at 600 s budgets" in claim.measured


def test_fig4ef_names_every_compared_runs_startup():
    rows = [
        {"dataset": d, "solver": "gs", "seed": 0, "final": 100.0, "budget": 600.0}
        for d in ("square", "voter")
    ]
    rows += [
        {"dataset": d, "solver": "cpsat", "seed": 0, "final": np.nan, "startup": 20.0}
        for d in ("square", "voter")
    ]
    claim = claims.claim_fig4ef(_tables(rows))
    assert claim.verdict.startswith(claims.UNTESTABLE)
    assert "square cpsat: none (start-up 20.0 s)" in claim.measured
    fast = [{**row, "startup": 0.05} for row in rows]
    assert claims.claim_fig4ef(_tables(fast)).verdict == claims.HOLDS


def test_costs_within_the_tie_tolerance_are_equal():
    base = np.array([1_000_000.0, 1_000_000, 1_000_000])
    assert claims.compare(base, base + 50) == claims.TIED  # 5e-5 apart
    assert claims.compare(base, base + 200) == "ahead"  # 2e-4 apart
    assert claims.compare(base, base + 200, tolerance=1e-3) == claims.TIED
    assert claims.compare(base, np.array([np.nan] * 3)) == "ahead"  # no schedule never ties


def test_versus_claim_needs_medians_over_seeds():
    def rows(a_costs, b_costs):
        out = []
        for seed, (a, b) in enumerate(zip(a_costs, b_costs, strict=True)):
            out += [
                {"dataset": "rw1", "solver": "gauss", "seed": seed, "final": a},
                {"dataset": "rw1", "solver": "local_search", "seed": seed, "final": b},
            ]
        return _tables(out)

    ahead = claims.versus(rows([1, 2, 3], [4, 5, 6]), "x", "q", "gauss", ["local_search"])
    assert ahead.verdict == claims.HOLDS
    noise = claims.versus(rows([1, 5, 3], [4, 2, 6]), "x", "q", "gauss", ["local_search"])
    assert noise.verdict == claims.NOISE
    behind = claims.versus(rows([7, 8, 9], [4, 5, 6]), "x", "q", "gauss", ["local_search"])
    assert behind.verdict == claims.FAILS


def test_commercial_claims_are_untestable_when_skipped():
    skipped = _tables(
        [{"dataset": "rw7", "solver": "gurobi", "seed": 0, "final": np.nan, "status": "skipped"}]
    )
    assert claims.claim_commercial_denser(skipped).verdict == claims.UNTESTABLE
    assert claims.claim_degradation(skipped).verdict == claims.UNTESTABLE


def test_portfolio_claim_compares_with_the_best_member_on_its_share():
    def rows(hybrid, gauss_alone):
        out = []
        for seed in range(3):
            out += [
                {"dataset": "rw1", "solver": "hybrid", "seed": seed, "final": hybrid[seed]},
                {
                    "dataset": "rw1",
                    "solver": "gauss",
                    "seed": seed,
                    "final": gauss_alone[seed],
                    "threads": 1,
                },
                {
                    "dataset": "rw1",
                    "solver": "cpsat_compact",
                    "seed": seed,
                    "final": 1e9,
                    "threads": 1,
                },
                {"dataset": "rw1", "solver": "gauss", "seed": seed, "final": 1.0},  # 2 threads
                {"dataset": "rw1", "solver": "cpsat_compact", "seed": seed, "final": 1.0},
            ]
        return _tables(out)

    fine = claims.claim_portfolio_shares(rows([10, 11, 12], [11, 12, 13]))
    assert fine.verdict == claims.HOLDS and "gauss alone" in fine.measured
    worse = claims.claim_portfolio_shares(rows([20, 21, 22], [11, 12, 13]))
    assert worse.verdict == claims.FAILS


def test_one_seed_per_side_gives_a_direction_not_a_verdict():
    rows = [
        {"dataset": "rw1", "solver": "gauss", "seed": 0, "final": 1.0},
        {"dataset": "rw1", "solver": "local_search", "seed": 0, "final": 2.0},
    ]
    claim = claims.versus(_tables(rows), "x", "q", "gauss", ["local_search"])
    assert claim.verdict == rules.DIRECTION and "ahead (1 seed)" in claim.measured


def test_interrupted_runs_do_not_count():
    rows = [{"dataset": "rw1", "solver": "gauss", "seed": s, "final": 1.0} for s in range(3)] + [
        {
            "dataset": "rw1",
            "solver": "local_search",
            "seed": s,
            "final": np.nan,
            "status": "interrupted",
        }
        for s in range(3)
    ]
    claim = claims.versus(_tables(rows), "x", "q", "gauss", ["local_search"])
    assert claim.verdict == claims.NO_DATA


def test_long_budget_claim_checks_only_the_pairs_the_seeds_order():
    def tables(long_costs: dict[str, float]) -> claims.Tables:
        short = [
            {"dataset": "rw10", "solver": solver, "seed": seed, "final": base + seed}
            for solver, base in (("gauss", 10.0), ("local_search", 20.0), ("gs", 21.0))
            for seed in range(3)
        ]
        long = [
            {"dataset": "rw10", "solver": solver, "seed": 0, "final": cost}
            for solver, cost in long_costs.items()
        ]
        a, b = _tables(short), _tables(long, 600.0)
        return claims.Tables(
            pd.concat([a.runs, b.runs], ignore_index=True),
            pd.concat([a.points, b.points], ignore_index=True),
            pd.DataFrame(),
        )

    # local_search and gs overlap at 60 s: their order at 600 s does not count
    kept = claims.claim_long_budget(tables({"gauss": 5.0, "local_search": 9.0, "gs": 8.0}))
    assert (
        kept.verdict == claims.HOLDS and "2 of 2 pairs ordered over 3 seeds kept" in kept.measured
    )
    flipped = claims.claim_long_budget(tables({"gauss": 9.0, "local_search": 5.0, "gs": 8.0}))
    assert flipped.verdict == claims.FAILS
    assert "rw10: gauss < local_search" in flipped.measured
    assert claims.claim_long_budget(tables({})).verdict == claims.NO_DATA


def test_long_budget_claim_on_single_seeds_is_a_direction():
    rows = [
        {"dataset": "rw10", "solver": "gauss", "seed": 0, "final": 10.0},
        {"dataset": "rw10", "solver": "local_search", "seed": 0, "final": 20.0},
    ]
    a, b = _tables(rows), _tables(rows[:1], 600.0)
    b.runs["best_cost"] = 30.0  # gauss at 600 s; local_search has no 600 s run
    tables = claims.Tables(
        pd.concat([a.runs, b.runs], ignore_index=True),
        pd.concat([a.points, b.points], ignore_index=True),
        pd.DataFrame(),
    )
    claim = claims.claim_long_budget(tables)
    assert claim.verdict == claims.NO_DATA  # one solver at 600 s: no pair to check
    both = _tables(
        [
            {"dataset": "rw10", "solver": "gauss", "seed": 0, "final": 30.0},
            {"dataset": "rw10", "solver": "local_search", "seed": 0, "final": 5.0},
        ],
        600.0,
    )
    tables = claims.Tables(
        pd.concat([a.runs, both.runs], ignore_index=True),
        pd.concat([a.points, both.points], ignore_index=True),
        pd.DataFrame(),
    )
    claim = claims.claim_long_budget(tables)
    assert claim.verdict == rules.DIRECTION
    assert "gauss < local_search reversed (1 seed)" in claim.measured


def test_gs_claims_are_judged_on_cpu_and_gpu_side_by_side():
    cpu = [
        {"dataset": d, "solver": "gs", "seed": 0, "final": 100.0, "at10": 150.0}
        for d in claims.RW_SMALL
    ]
    gpu = [{**row, "at10": 100.5} for row in cpu]
    tables = _tables(cpu + gpu)
    tables = claims.Tables(
        tables.runs.assign(device=["cpu"] * len(cpu) + ["cuda"] * len(gpu)),
        tables.points,
        tables.epochs,
    )
    claim = next(c for c in (f(tables) for f in claims.CLAIMS) if c.key == "fig3a")
    assert claim.verdict == f"{claims.FAILS} on CPU; {claims.HOLDS} on GPU"
    assert claim.measured.startswith("CPU: ") and " || GPU: " in claim.measured
    cpu_only = claims.Tables(tables.runs.iloc[: len(cpu)], tables.points, tables.epochs)
    assert claims.CLAIMS[0](cpu_only).verdict == claims.FAILS  # no GPU runs: one verdict


def test_a_skipped_solver_is_quoted_with_its_own_message():
    rows = [
        {"dataset": "rw7", "solver": s, "seed": 0, "final": np.nan, "status": "skipped"}
        for s in ("cplex", "gurobi")
    ]
    tables = _tables(rows)
    tables.main = tables.main.assign(message=["CPLEX Error 1016", "Gurobi size-limited"])
    measured = claims.claim_commercial_denser(tables).measured
    assert "cplex skipped on 1 designs ('CPLEX Error 1016')" in measured
    assert "gurobi skipped on 1 designs ('Gurobi size-limited')" in measured


def test_committed_runs_of_a_changed_instance_are_dropped(capsys):
    from schedbench.datasets import load
    from schedbench.studies.icml24.verdict import current_instances

    digest = load("rw4").digest
    runs = pd.DataFrame(
        {
            "dataset": ["rw4", "rw4"],
            "stages": [10, 10],
            "ratio": [10.0, 10.0],
            "problem_digest": [digest, "an-older-instance"],
            "run_key": ["now", "then"],
        }
    )
    points = pd.DataFrame({"run_key": ["now", "then"], "t": [1.0, 1.0]})
    kept, kept_points, _ = current_instances((runs, points, pd.DataFrame()))
    assert kept["run_key"].tolist() == ["now"] and kept_points["run_key"].tolist() == ["now"]
    assert "dropped 1 runs of rw4: its instance changed since" in capsys.readouterr().out


def test_long_budget_claim_skips_designs_with_one_solver_at_the_long_budget():
    short = [
        {"dataset": d, "solver": s, "seed": seed, "final": base + seed}
        for d in ("rw10", "rw1")
        for s, base in (("gauss", 10.0), ("gs", 30.0))
        for seed in range(3)
    ]
    long = [
        {"dataset": "rw10", "solver": "gauss", "seed": 0, "final": 5.0, "budget": 600.0},
        {"dataset": "rw10", "solver": "gs", "seed": 0, "final": 8.0, "budget": 600.0},
        {"dataset": "rw1", "solver": "gs", "seed": 0, "final": 8.0, "budget": 600.0},
    ]
    claim = beyond.claim_long_budget(_tables(short + long))
    assert "rw10: ordered" in claim.measured and "rw1:" not in claim.measured
