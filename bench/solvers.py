"""Every available back-end on RW1, RW7 and adder for a fixed budget, both formulations.

    python bench/solvers.py --budget 60 --threads 2 [--designs rw1 rw7 adder] [--out FILE]

Prints one row per (design, solver, formulation) as it finishes (build time,
first-incumbent time, cost at the budget, the solver's bound), then the table with the
best known bound of the harness tables (every run's bound, the trivial bound and the LP
relaxation of the compact model) and gap = (cost - bound) / cost, also written as CSV.
Each run goes through the harness runner (its own process, killed at budget + 10 s):
CBC, for one, does not honour its time limit while it preprocesses a large model.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import pandas as pd

from schedbench.datasets import load
from schedbench.harness.runner import RunSpec, execute
from schedbench.harness.tables import build_tables, store_lp_bound
from schedbench.solvers.icml24.lower_bounds import lp_relaxation_bound
from schedbench.solvers.registry import BASELINES, EXACT


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=60.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--designs", nargs="+", default=["rw1", "rw7", "adder"])
    parser.add_argument("--solvers", nargs="+", default=[*EXACT, *BASELINES])
    parser.add_argument("--out", type=Path, default=Path("results/bench_solvers.csv"))
    args = parser.parse_args()
    rows = []
    scratch = Path(tempfile.mkdtemp(prefix="schedbench-bench-"))
    for design in args.designs:
        problem = load(design)
        lp = lp_relaxation_bound(problem, time_limit=args.budget)
        if lp is not None:
            store_lp_bound(scratch, problem.digest, lp)
        for solver in args.solvers:
            for formulation in ("paper", "compact") if solver in EXACT else (None,):
                options = {"formulation": formulation} if formulation else {}
                key = f"{solver}_{formulation}" if formulation else solver
                started = time.perf_counter()
                record = execute(
                    RunSpec(
                        dataset=design,
                        solver_key=key,
                        solver=solver,
                        problem=problem,
                        budget=args.budget,
                        interval=1.0,
                        threads=args.threads,
                        options=options,
                        results_dir=scratch,
                    )
                )
                curve = [
                    json.loads(line)
                    for line in (scratch / record["folder"] / "incumbents.jsonl")
                    .read_text()
                    .splitlines()
                ]
                cost = record["best_cost"]
                rows.append(
                    {
                        "design": design,
                        "solver": solver,
                        "formulation": formulation or "-",
                        "status": record["status"],
                        "build_s": _round(record["build_time"]),
                        "first_s": _round(curve[0]["t"]) if curve else None,
                        "cost": cost,
                        "solver_bound": record["bound"],
                        "wall_s": round(time.perf_counter() - started, 1),
                        "note": (record["message"] or "").splitlines()[0][:60]
                        if record["message"]
                        else "",
                    }
                )
                print(
                    pd.DataFrame(rows[-1:]).to_string(index=False, header=len(rows) == 1),
                    flush=True,
                )
    frame = pd.DataFrame(rows)
    runs, _ = build_tables(scratch)
    bound = runs.groupby("dataset")["best_known_bound"].max()
    frame["best_known_bound"] = frame["design"].map(bound)
    frame["gap_%"] = (100 * (frame["cost"] - frame["best_known_bound"]) / frame["cost"]).round(3)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(args.out, index=False)
    print()
    print(frame.to_string(index=False))


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


if __name__ == "__main__":
    main()
