"""Issue 7's benchmark: the beyond-paper solvers against topo_chunk and compact CP-SAT.

    python bench/beyond.py [--budget 60] [--designs rw1 ... adder_m] [--results DIR]
    python bench/beyond.py --ablation [--designs rw1 rw7 adder]

Every run goes through the harness runner (own process, hard limit) into ``--results``
(default ``results/beyond``), so an interrupted benchmark resumes where it stopped. The
bound of a design is the tables' best known bound, with the LP relaxation of the compact
model cached in the results folder. Printed:

1. the gap (%) at the budget per design and solver, the geometric mean of the gaps over
   the RW designs (gaps floored at 0.001 %), and whether each differentiable solver is
   strictly better than topo_chunk on each design;
2. at every sampling point, who is ahead: the best differentiable or hybrid solver, or
   compact CP-SAT, and by how much;
3. the sampling points where hybrid is worse than its exact back-end alone;
4. with ``--ablation``: gs_plus's cost after the budget with each switch off in turn.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from schedbench.datasets import load
from schedbench.harness.compose import COMPOSITIONS, members_from_options
from schedbench.harness.runner import RunSpec, execute
from schedbench.harness.tables import build_tables, read_lp_bounds, store_lp_bound
from schedbench.solvers.icml24.lower_bounds import lp_relaxation_bound

RW = [f"rw{k}" for k in range(1, 13)]
EPFL = ["adder", "bar", "i2c", "max", "square", "voter"]
DEFAULT = [*RW, *EPFL, *(f"{d}_m" for d in EPFL)]
# the configurations compared: conf/solver/<name>.yaml as Hydra composes it (defaults
# inheritance and the portfolio's patience included), GS pinned to the CPU
NAMES = ["topo_chunk", "local_search", "cpsat_compact", "gs_plus", "gs", "gs_per_node", "gauss",
         "hybrid", "relay"]  # fmt: skip
ON_CPU = {"gs_plus", "gs", "gs_per_node"}


def solver_conf(name: str, **extra: object) -> tuple[str, dict]:
    """(back-end, options) of ``conf/solver/<name>.yaml``, with ``extra`` options on top."""
    from hydra import compose, initialize_config_module
    from omegaconf import OmegaConf

    from schedbench.harness.config import register

    register()  # the schema the config's defaults list names
    with initialize_config_module("schedbench.conf", version_base="1.3"):
        cfg = compose("config", overrides=[f"solver={name}"])
    options = OmegaConf.to_container(cfg.solver.options, resolve=True)
    return str(cfg.solver.name), {**options, **extra}


def solvers_of(names: list[str]) -> dict[str, tuple[str, dict]]:
    return {n: solver_conf(n, **({"device": "cpu"} if n in ON_CPU else {})) for n in names}


DIFFERENTIABLE = ["gs_plus", "gauss"]
ABLATION = {
    "all on": {},
    "no logit_mask": {"logit_mask": False},
    "entropy loss": {"memory_loss": "entropy"},
    "constant temperature": {"temperature_schedule": "constant"},
    "paper init": {"init": "paper"},
    "no local_search": {"local_search": False},
}


def specs(design, problem, solvers, budget, threads, results, interval, force=False):
    """The runs of one design, one per solver, as the runner keys them."""
    runs = []
    for key, (backend, options) in solvers.items():
        composed = backend in COMPOSITIONS
        runs.append(
            RunSpec(
                dataset=design,
                solver_key=key,
                solver=backend,
                problem=problem,
                budget=budget,
                interval=interval,
                threads=threads,
                options=options,
                results_dir=results,
                force=force,
                composition=backend if composed else "single",
                members=members_from_options(backend, options) if composed else [],
                share=float(options.get("share", 0.5)),
            )
        )
    return runs


def run_all(designs, solvers, budget, threads, results, interval, force=False):
    for design in designs:
        problem = load(design)
        for spec in specs(design, problem, solvers, budget, threads, results, interval, force):
            record = execute(spec)
            key = spec.solver_key
            state = "skipped (done before)" if record.get("skipped") else record["status"]
            print(f"{design:>9} {key:<28} {state:<22} {record['best_cost']}", flush=True)


def cache_lp_bounds(problems, results: Path) -> None:
    """The LP relaxation of each design into the results folder's cache, which the tables'
    best known bound reads (an LP of a large design takes minutes; a report reruns often)."""
    cached = read_lp_bounds(results)
    for problem in problems.values():
        if problem.digest not in cached:
            store_lp_bound(results, problem.digest, lp_relaxation_bound(problem, 120) or 0)


def bounds_of(problems, runs) -> dict[str, float]:
    """Each design's best known bound (the tables' one), trivial where no run exists."""
    bounds = {}
    for design, problem in problems.items():
        proved = runs.loc[runs["dataset"] == design, "best_known_bound"].max()
        bounds[design] = max(float(problem.trivial_lower_bound), np.nan_to_num(proved, nan=0))
    return bounds


def report(designs, solvers, results: Path, budget: float, threads: int, interval: float) -> None:
    """Only the runs of the configurations compared count: a folder left by an earlier
    configuration of a solver (another option, budget or thread count) is ignored, not
    averaged in."""
    problems = {design: load(design) for design in designs}
    current = {
        spec.key
        for design, problem in problems.items()
        for spec in specs(design, problem, solvers, budget, threads, results, interval)
    }
    cache_lp_bounds(problems, results)
    runs, points = build_tables(results)
    # the best known bound counts every run of the folder, then the report keeps the
    # current configurations only
    bounds = bounds_of(problems, runs)
    runs = runs[runs["run_key"].isin(current)]
    points = points[points["run_key"].isin(current)]
    points = points.assign(
        gap=100 * (points["best_cost"] - points["dataset"].map(bounds)) / points["best_cost"]
    )
    # the gap at the budget is the last sampling point's: only incumbents found by then
    final = points[np.isclose(points["t"], budget)]
    table = final.pivot_table(index="dataset", columns="solver", values="gap").reindex(designs)
    print("\n1. gap (%) to the bound after", budget, "s\n")
    print(table.round(3).to_string())
    rw = [d for d in designs if d in RW]
    if rw:
        geo = np.exp(np.log(table.loc[rw].clip(lower=1e-3)).mean())
        print("\ngeometric mean of the RW gaps (%):\n" + geo.round(4).to_string())
    for solver in DIFFERENTIABLE:
        if solver in table and "topo_chunk" in table:
            better = (table[solver] < table["topo_chunk"]).reindex(designs)
            print(f"{solver} strictly better than topo_chunk on {better.sum()}/{len(better)}")
    grid = points.pivot_table(index=["dataset", "t"], columns="solver", values="gap")
    ours = [s for s in [*DIFFERENTIABLE, "hybrid", "relay"] if s in grid]
    if ours and "cpsat_compact" in grid:
        best = grid[ours].min(axis=1).fillna(np.inf)
        who = grid[ours].fillna(np.inf).idxmin(axis=1)
        exact = grid["cpsat_compact"].fillna(np.inf)  # no solution yet: behind
        ahead = pd.DataFrame(
            {
                "best_ours": who,
                "ours_gap": best.round(3),
                "cpsat_gap": grid["cpsat_compact"].round(3),
                "ahead": np.where(
                    best < exact - 1e-9, "ours", np.where(best > exact + 1e-9, "cpsat", "tie")
                ),
            }
        )
        print("\n2. who is ahead at each sampling point (gap %)\n")
        print(ahead.to_string())
        counts = ahead.groupby(level="dataset")["ahead"].value_counts().unstack(fill_value=0)
        last = ahead.groupby(level="dataset").tail(1).droplevel("t")
        summary = counts.reindex(columns=["ours", "tie", "cpsat"], fill_value=0).assign(
            at_budget=last["ahead"], ours_gap=last["ours_gap"], cpsat_gap=last["cpsat_gap"]
        )
        print("\n2b. sampling points won per design, and the state at the budget\n")
        print(summary.reindex([d for d in designs if d in summary.index]).to_string())
    if "hybrid" in grid and "cpsat_compact" in grid:
        hybrid = grid["hybrid"].fillna(np.inf)
        worse = grid[hybrid > grid["cpsat_compact"].fillna(np.inf) + 1e-9]
        worse = worse[["hybrid", "cpsat_compact"]]
        print(f"\n3. points where hybrid is worse than CP-SAT alone: {len(worse)}")
        if len(worse):
            print(worse.round(3).to_string())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=60.0)
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--designs", nargs="+")
    parser.add_argument("--solvers", nargs="+", default=NAMES)
    parser.add_argument("--results", type=Path, default=Path("results/beyond"))
    parser.add_argument("--ablation", action="store_true")
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--force", action="store_true", help="rerun runs that finished before")
    args = parser.parse_args()
    if args.ablation:
        designs = args.designs or ["rw1", "rw7", "adder"]
        variants = {
            f"gs_plus[{name}]": solver_conf("gs_plus", device="cpu", **options)
            for name, options in ABLATION.items()
        }
        results = args.results / "ablation"
        if not args.report_only:
            run_all(
                designs, variants, args.budget, args.threads, results, args.interval, args.force
            )
        runs, _ = build_tables(results)
        runs = runs[runs["dataset"].isin(designs) & (runs["budget"] == args.budget)]
        table = runs.pivot_table(index="solver", columns="dataset", values="best_cost")
        print("\n4. gs_plus ablation: cost after", args.budget, "s\n")
        print(table.reindex(list(variants)).to_string())
        return
    designs = args.designs or DEFAULT
    solvers = solvers_of(args.solvers)
    if not args.report_only:
        run_all(
            designs, solvers, args.budget, args.threads, args.results, args.interval, args.force
        )
    report(designs, solvers, args.results, args.budget, args.threads, args.interval)


if __name__ == "__main__":
    main()
