"""Run-to-run spread: k runs of compact CP-SAT alone and of the hybrid, same seed, same budget.

    python bench/spread.py [--designs rw1 rw4] [--runs 3] [--budget 60] [--out runs.jsonl]
    python bench/spread.py --problems .gpu --parallel 8 --pin    # a many-core machine

CP-SAT with several workers is not deterministic in wall-clock time, so one run of each
cannot say whether the hybrid is "no worse than its exact back-end alone at every sampling
point". This runs each solver ``--runs`` times and prints, per design and sampling point,
the median and range of each, as the excess (%) over the best cost any run reached, and
per hybrid variant the points where its median is worse than CP-SAT alone's, and where it
is worse by an exact one-sided rank-sum test (p < 0.05; with 5 runs each the smallest
possible p is 1/252). ``--out F`` keeps each run's JSON line, ``--report F`` re-reports.

The control: how often does CP-SAT look worse than itself by the same counts? The solver
key ``cpsat_again`` is compact CP-SAT under another name (run it interleaved beside the
others), and ``--report F... --placebo`` splits the saved CP-SAT-alone runs of each design
into two alternating halves and compares them as if one were a variant (an A/A test).
``--parallel P --pin`` runs P jobs at once, each pinned to its own ``--threads`` cores
(taskset), so a machine with 2P cores measures P two-core runs side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

SOLVERS = {
    "cpsat_compact": ("cpsat", {"formulation": "compact"}),
    "hybrid": ("hybrid", {"mode": "concurrent"}),
    "hybrid_until_end": ("hybrid", {"mode": "concurrent", "until": "end"}),
    "hybrid_eager": ("hybrid", {"mode": "concurrent", "priority": "until_exact"}),
    "hybrid_no_patience": ("hybrid", {"mode": "concurrent", "patience": 0.0}),
    "hybrid_first_exact": ("hybrid", {"mode": "concurrent", "until": "first_exact"}),
    "hybrid_overtaken": ("hybrid", {"mode": "concurrent", "until": "overtaken"}),
    "cpsat_again": ("cpsat", {"formulation": "compact"}),  # the A/A control
}
PLACEBO = "cpsat_again"


def one(design: str, key: str, budget: float, threads: int, folder: str | None) -> dict:
    sys.path.insert(0, os.path.dirname(__file__))
    from gs_speed import load_problem

    from schedbench.solvers.registry import solve

    problem, _ = load_problem(design, folder)
    solver, options = SOLVERS[key]
    result = solve(problem, solver, time_limit=budget, threads=threads, **options)
    points = range(5, int(budget) + 1, 5)
    best = [min((c for t, c in result.incumbents if t <= p), default=None) for p in points]
    first = result.incumbents[0][0] if result.incumbents else None
    return {
        "design": design,
        "solver": key,
        "points": list(points),
        "best": best,
        "first_incumbent_s": first,
        "message": result.message,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--designs", nargs="+", default=["rw1", "rw3", "rw4", "rw5", "rw6"])
    parser.add_argument("--solvers", nargs="+", default=["cpsat_compact", "hybrid"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--budget", type=float, default=60.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--parallel", type=int, default=1)
    parser.add_argument("--pin", action="store_true", help="taskset each job to its own cores")
    parser.add_argument("--problems", metavar="DIR", help="designs from gs_speed.py --export")
    parser.add_argument("--out", help="append each run's JSON line to this file")
    parser.add_argument(
        "--report", nargs="+", metavar="FILE", help="only report the runs saved by --out"
    )
    parser.add_argument(
        "--placebo", action="store_true",
        help=f"with --report: every second CP-SAT-alone run of a design becomes {PLACEBO}",
    )  # fmt: skip
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.report:
        rows = []
        for name in args.report:
            with open(name) as saved:
                rows += [json.loads(line) for line in saved if line.strip()]
        report(split_alone(rows) if args.placebo else rows)
        return
    if args.one:
        row = one(*args.one, args.budget, args.threads, args.problems)
        print(json.dumps(row), flush=True)
        return
    jobs = [
        (d, s) for _ in range(args.runs) for d in args.designs for s in args.solvers
    ]  # fmt: skip
    running: list[tuple[subprocess.Popen, int]] = []
    free = list(range(args.parallel))
    rows = []

    def harvest(block: bool) -> None:
        for proc, slot in list(running):
            if block or proc.poll() is not None:
                out, _ = proc.communicate()
                running.remove((proc, slot))
                free.append(slot)
                lines = out.strip().splitlines()
                if proc.returncode == 0 and lines:
                    rows.append(json.loads(lines[-1]))
                    if args.out:
                        with open(args.out, "a") as sink:
                            sink.write(lines[-1] + "\n")
                    print(lines[-1], flush=True)
                block = False

    for design, key in jobs:
        while not free:
            harvest(block=False)
            time.sleep(0.5)
        slot = free.pop(0)
        command = [sys.executable, __file__, "--one", design, key]
        command += ["--budget", str(args.budget), "--threads", str(args.threads)]
        command += ["--problems", args.problems] if args.problems else []
        if args.pin:
            cores = ",".join(str(slot * args.threads + k) for k in range(args.threads))
            command = ["taskset", "-c", cores, *command]
        running.append((subprocess.Popen(command, stdout=subprocess.PIPE, text=True), slot))
    while running:
        harvest(block=True)
    report(rows)


def split_alone(rows: list[dict]) -> list[dict]:
    """Every second CP-SAT-alone run of each design (in the order run) relabelled as the
    placebo: two samples of one solver, for the A/A control."""
    seen: dict[str, int] = {}
    split = []
    for row in rows:
        if row["solver"] == "cpsat_compact":
            seen[row["design"]] = seen.get(row["design"], 0) + 1
            if seen[row["design"]] % 2 == 0:
                row = {**row, "solver": PLACEBO}
        split.append(row)
    return split


def report(rows: list[dict]) -> None:
    import pandas as pd

    long = pd.DataFrame(
        [
            {"design": r["design"], "solver": r["solver"], "run": i, "t": t, "cost": c}
            for i, r in enumerate(rows)
            for t, c in zip(r["points"], r["best"], strict=True)
        ]
    )
    long["cost"] = long["cost"].astype(float)
    best = long.groupby("design")["cost"].transform("min")
    long["excess"] = (100 * (long["cost"] / best - 1)).fillna(np.inf)  # no schedule yet
    table = long.groupby(["design", "t", "solver"])["excess"].agg(
        median="median", low="min", high="max", runs="count"
    )
    wide = table.unstack("solver")
    print((wide.round(4)).to_string())
    medians = table["median"].unstack("solver").fillna(np.inf)
    samples = long.groupby(["design", "t", "solver"])["excess"].apply(list).unstack("solver")
    variants = [c for c in medians.columns if c.startswith("hybrid") or c == PLACEBO]
    for key in variants if "cpsat_compact" in medians.columns else []:
        both = samples[[key, "cpsat_compact"]].map(lambda runs: isinstance(runs, list))
        both = both.all(axis=1)  # the points of the designs where both were run
        worse = (medians[key] > medians["cpsat_compact"] + 1e-9)[both]
        better = (medians[key] < medians["cpsat_compact"] - 1e-9)[both]
        p = [
            rank_sum_p(h, c)
            for h, c in zip(samples[key][both], samples["cpsat_compact"][both], strict=True)
        ]  # fmt: skip
        significant = sum(q < 0.05 for q in p)
        print(
            f"\n{key}: median worse than CP-SAT alone's at {int(worse.sum())}/{len(worse)} "
            f"points, better at {int(better.sum())}; worse with one-sided rank-sum p < 0.05 "
            f"at {significant} (smallest p {min(p):.3f})"
        )


def rank_sum_p(mine: list[float], theirs: list[float]) -> float:
    """One-sided Wilcoxon rank-sum p-value that ``mine`` is larger (worse) than ``theirs``:
    the share of all relabellings of the pooled runs whose rank sum for ``mine`` is at
    least the observed one (mid-ranks for ties). Exact (enumerated) up to 200,000
    relabellings; beyond (pooled batches), 100,000 random ones with a fixed seed."""
    from itertools import combinations
    from math import comb

    pooled = np.array([*mine, *theirs], dtype=float)
    order = pooled.argsort(kind="stable")
    ranks = np.empty(len(pooled))
    ranks[order] = np.arange(1, len(pooled) + 1)
    for value in np.unique(pooled):  # mid-ranks for ties (inf included)
        tied = pooled == value
        ranks[tied] = ranks[tied].mean()
    observed = ranks[: len(mine)].sum()
    if comb(len(pooled), len(mine)) > 200_000:
        shuffled = np.random.default_rng(0).permuted(np.tile(ranks, (100_000, 1)), axis=1)
        return float(np.mean(shuffled[:, : len(mine)].sum(axis=1) >= observed - 1e-9))
    sums = [ranks[list(pick)].sum() for pick in combinations(range(len(pooled)), len(mine))]
    return float(np.mean(np.array(sums) >= observed - 1e-9))


if __name__ == "__main__":
    main()
