"""Command line: check a schedule against an instance and the best-known registry.

    python -m schedbench verify --dataset rw1 --schedule my.csv [--stages L] [--ratio R]

Prints the schedule's cost and its gap to the registry's best bound and best cost.
Exit 0: feasible; 1: infeasible (the violations are named); 2: bad input (one line).
"""

from __future__ import annotations

import argparse
import sys

from schedbench.problem import ProblemError


def verify(args: argparse.Namespace) -> int:
    from schedbench.datasets import best_known, registry
    from schedbench.evaluate import check, relative_gap

    params = dict(_pair(p) for p in args.param)
    ratio = None if args.ratio is None else best_known.as_ratio(args.ratio)
    problem = registry.load(args.dataset, stages=args.stages, ratio=ratio, **params)
    schedule = _read(args.schedule, problem, best_known)
    report = check(problem, schedule)
    if hasattr(problem, "stages"):  # the paper's class: its settings and its two cost terms
        head = f"{args.dataset} (L={problem.stages}, R={problem.ratio:g}, n={problem.n:,})"
        terms = f" (peak {report.peak:,}, comm {report.comm:,})"
    else:
        head, terms = f"{args.dataset} ({problem.CLASS}, n={problem.n:,})", ""
    if not report.feasible:
        print(f"{head}: infeasible: {report.reason()}")
        return 1
    print(f"{head}: feasible, cost {report.cost:,.0f}{terms}")
    entry = best_known.lookup(problem)
    if entry is None:
        bound = float(problem.trivial_lower_bound)
        gap = relative_gap(report.cost, bound)
        print(
            f"not in the registry; gap {100 * gap:.2f} % to the trivial bound {bound:,.0f} "
            "((cost - bound) / cost)"
        )
        return 0
    gap = relative_gap(report.cost, entry.best_bound)
    above = (report.cost - entry.best_cost) / entry.best_cost if entry.best_cost else 0.0
    print(
        f"best known: cost {entry.best_cost:,.0f} ({entry.cost_solver}), bound "
        f"{entry.best_bound:,.0f} ({entry.bound_source}); yours: gap {100 * gap:.2f} % to the "
        f"bound ((cost - bound) / cost), {100 * above:+.2f} % against the best known cost"
    )
    return 0


def _read(path: str, problem: object, best_known: object) -> object:
    """A schedule file: CSV (``node,stage`` or one ``stage`` column), or a class's own
    text format where it has one (RCS: HeuriGym's ``node:cycle`` lines)."""
    from pathlib import Path

    file = Path(path)
    if hasattr(problem, "parse_schedule") and file.is_file():
        first = next((line for line in file.read_text().splitlines() if line.strip()), "")
        if ":" in first and "," not in first:
            return problem.parse_schedule(file.read_text())
    return best_known.read_schedule(path, problem)


def _pair(text: str) -> tuple[str, object]:
    import yaml

    key, sep, value = text.partition("=")
    if not sep or not key:
        raise ProblemError(f"--param {text!r} is not key=value; e.g. --param seed=3")
    return key, yaml.safe_load(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m schedbench", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("verify", help="check a schedule file, print its cost and gap")
    check.add_argument("--dataset", required=True, help="a dataset name, e.g. rw1 or adder")
    check.add_argument("--schedule", required=True, help="CSV with columns node,stage")
    check.add_argument("--stages", type=int, default=None, help="L (default: the paper's)")
    check.add_argument("--ratio", type=float, default=None, help="R (default: the paper's)")
    check.add_argument("--param", action="append", default=[], help="dataset param key=value")
    args = parser.parse_args(argv)
    try:
        return verify(args)
    except (ProblemError, ValueError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
