"""GauS's protocol table: the gradient, the start and the families, each with the noise
rule, from medians and ranges over seeds; an exact solver without a schedule loses."""

from __future__ import annotations

import math

import pandas as pd

from schedbench.studies import gaus_protocol


def runs() -> pd.DataFrame:
    rows = []
    for seed, (informed, cold, control) in enumerate([(100, 104, 110), (101, 103, 111),
                                                      (102, 105, 112)]):  # fmt: skip
        rows += [("hls_gauss_scale", seed, informed), ("hls_gauss_scale_cold", seed, cold),
                 ("hls_gauss_scale_nograd", seed, control)]  # fmt: skip
    rows += [("rcs_cpsat", 0, math.nan), ("rcs_highs", 0, math.nan), ("rcs_list", 0, 102)]
    frame = pd.DataFrame(rows, columns=["solver", "seed", "best_cost"])
    return frame.assign(dataset="rcs_synthetic_w4_n100000_s0")


def test_the_three_questions_follow_the_noise_rule():
    table = gaus_protocol.protocol_table(runs()).set_index("question")
    assert table.loc["does the gradient pay", "answer"] == "ahead"  # 100-102 vs 110-112
    assert table.loc["informed against cold start", "answer"] == "ahead"  # 100-102 vs 103-105
    exact = table.loc["differentiable against exact"]
    # an exact baseline with one run (a sweep not yet finished): a win over it is a direction
    assert exact["answer"] == "ahead (direction)" and exact["right"] in ("rcs_cpsat", "rcs_highs")
    listed = table.loc["differentiable against the list scheduler"]
    assert listed["right"] == "rcs_list" and listed["answer"] == "within noise"  # 102 in 100-102
    text = gaus_protocol.markdown(table.reset_index())
    assert "no schedule (1 run)" in text and "101 [100, 102] (3 runs)" in text


def test_a_handed_over_schedule_is_not_the_exact_solvers_own():
    """An exact back-end reports its warm start at once: the table counts the runs that
    found something better (or proved optimal), and lists every solver; a heuristic is
    handed nothing, so each of its schedules is its own."""
    frame = runs()
    frame["first_cost"] = frame["best_cost"]  # nobody improved on the first schedule ...
    frame.loc[frame["solver"] == "hls_gauss_scale", "first_cost"] = 120  # ... but GauS
    frame.loc[frame["solver"] == "rcs_cpsat", ["best_cost", "first_cost"]] = 102  # warm start
    frame["status"] = "timeout"
    table = gaus_protocol.protocol_table(frame).set_index("question")
    exact = table.loc["differentiable against exact"]
    assert exact["right"] == "rcs_cpsat" and exact["right_own"] == 0 and exact["left_own"] == 3
    text = gaus_protocol.markdown(table.reset_index())
    assert "rcs_cpsat 102 [102, 102] (1 run, 0 with a schedule of its own)" in text
    listing = gaus_protocol.solver_markdown(
        gaus_protocol.with_own(gaus_protocol.solver_medians(frame), frame)
    )
    assert "| rcs_synthetic_w4_n100000_s0 | rcs_highs | no schedule | 1 | 0/1 |" in listing
    # the list scheduler is handed nothing: its first schedule is its own
    assert "| rcs_synthetic_w4_n100000_s0 | rcs_list | 102 [102, 102] | 1 | 1/1 |" in listing


def test_tcs_asks_the_list_started_solver_and_compares_with_tcs_list():
    """On TCS the informed start is ``hls_gauss_scale_list`` (its control the ``_nograd``
    twin), and the list scheduler is tcs_list, never the differentiable ``*_list`` config."""
    rows = []
    informed = "hls_gauss_scale_list"
    for seed in range(3):
        rows += [(informed, seed, 30 - seed), (informed + "_nograd", seed, 40),
                 ("hls_gauss_scale_cold", seed, 35), ("tcs_list", seed, 31),
                 ("tcs_cpsat", seed, 45)]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["solver", "seed", "best_cost"])
    table = gaus_protocol.protocol_table(frame.assign(dataset="tcs")).set_index("question")
    gradient = table.loc["does the gradient pay"]
    assert (gradient["left"], gradient["right"]) == (informed, informed + "_nograd")
    assert gradient["answer"] == "ahead"
    assert table.loc["differentiable against the list scheduler", "right"] == "tcs_list"
    assert table.loc["informed against cold start", "answer"] == "ahead"


def test_a_committed_solver_table_stands_in_for_runs_a_fresh_checkout_lacks(tmp_path):
    """A build writes solvers.csv; a later build from it (``--base``) answers the same
    questions, and a solver with runs here replaces its committed row whole."""
    frame = runs()
    first = tmp_path / "first"
    medians = gaus_protocol.with_own(gaus_protocol.solver_medians(frame), frame)
    first.mkdir()
    columns = ["dataset", "solver", "family", "median", "low", "high", "runs", "schedules", "own"]
    medians[columns].to_csv(first / gaus_protocol.SOLVERS_FILE, index=False)
    base = pd.read_csv(first / gaus_protocol.SOLVERS_FILE)
    again = gaus_protocol.questions(gaus_protocol.merged(medians.iloc[0:0], base))
    assert again["answer"].tolist() == gaus_protocol.protocol_table(frame)["answer"].tolist()

    later = frame[frame["solver"] == "rcs_list"].assign(seed=[0], best_cost=[90])
    later = pd.concat([later, later.assign(seed=1), later.assign(seed=2)], ignore_index=True)
    fresh = gaus_protocol.with_own(gaus_protocol.solver_medians(later), later)
    table = gaus_protocol.questions(gaus_protocol.merged(fresh, base)).set_index("question")
    listed = table.loc["differentiable against the list scheduler"]
    assert (listed["right_median"], listed["right_runs"], listed["answer"]) == (90, 3, "behind")
    assert table.loc["does the gradient pay", "answer"] == "ahead"  # from the committed rows
