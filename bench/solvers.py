"""Every available back-end on RW1, RW7 and adder for a fixed budget, both formulations.

    python bench/solvers.py --budget 60 --threads 2 [--designs rw1 rw7 adder] [--out FILE]

Prints one row per (design, solver, formulation): build time, first-incumbent time, cost
at the budget, bound (strongest of solver, LP relaxation of the compact model, trivial),
and gap = (cost - bound) / cost. The table is also written as CSV.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from schedbench.datasets import load
from schedbench.solvers.lower_bounds import lp_relaxation_bound
from schedbench.solvers.registry import BASELINES, EXACT, solve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=60.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--designs", nargs="+", default=["rw1", "rw7", "adder"])
    parser.add_argument("--solvers", nargs="+", default=[*EXACT, *BASELINES])
    parser.add_argument("--out", type=Path, default=Path("results/bench_solvers.csv"))
    args = parser.parse_args()
    rows = []
    for design in args.designs:
        problem = load(design)
        lp = lp_relaxation_bound(problem, time_limit=args.budget)
        for solver in args.solvers:
            for formulation in ("paper", "compact") if solver in EXACT else (None,):
                options = {"formulation": formulation} if formulation else {}
                started = time.perf_counter()
                result = solve(
                    problem, solver, time_limit=args.budget, threads=args.threads, **options
                )
                result.lp_bound = lp
                rows.append(
                    {
                        "design": design,
                        "solver": solver,
                        "formulation": formulation or "-",
                        "status": str(result.status),
                        "build_s": round(result.build_time, 2),
                        "first_s": None
                        if result.first_incumbent_time is None
                        else round(result.first_incumbent_time, 2),
                        "cost": result.cost,
                        "bound": result.best_bound,
                        "gap_%": None if result.gap is None else round(100 * result.gap, 3),
                        "wall_s": round(time.perf_counter() - started, 1),
                        "note": result.message.splitlines()[0][:60] if result.message else "",
                    }
                )
                print(
                    pd.DataFrame(rows[-1:]).to_string(index=False, header=len(rows) == 1),
                    flush=True,
                )
    frame = pd.DataFrame(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(args.out, index=False)
    print()
    print(frame.to_string(index=False))


if __name__ == "__main__":
    main()
