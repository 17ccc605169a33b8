"""Command line: what is installed, and a schedule checked against its instance.

    python -m schedbench list [classes|datasets|solvers] [--class rcs]
    python -m schedbench verify --dataset rw1 --schedule my.csv [--stages L] [--ratio R]

``verify`` prints the schedule's cost and its gap to the registry's best bound and best
cost. Exit 0: feasible; 1: infeasible (the violations are named); 2: bad input (one line).
"""

from __future__ import annotations

import argparse
import os
import sys

from schedbench.problems.icml24 import ProblemError


def verify(args: argparse.Namespace) -> int:
    from schedbench import classes
    from schedbench.datasets import best_known, registry
    from schedbench.evaluate import relative_gap

    params = dict(_pair(p) for p in args.param)
    ratio = None if args.ratio is None else best_known.as_ratio(args.ratio)
    problem = registry.load(args.dataset, stages=args.stages, ratio=ratio, **params)
    schedule = _read(args.schedule, problem, best_known)
    report = problem.report(schedule)
    facts = problem.facts()
    shown = [f"{k}={facts[k]:g}" for k in ("stages", "ratio") if k in classes.of(problem).settings]
    head = f"{args.dataset} ({problem.CLASS}, {', '.join([*shown, f'n={problem.n:,}'])})"
    if not report.feasible:
        print(f"{head}: infeasible: {report.reason()}")
        return 1
    terms = ", ".join(f"{k} {v[0]:,}" for k, v in problem.evaluate(schedule).terms.items())
    print(f"{head}: feasible, cost {report.cost:,.0f} ({terms})")
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
    parse = getattr(problem, "parse_schedule", None)  # a class's own text format, optional
    if parse is not None and file.is_file():
        first = next((line for line in file.read_text().splitlines() if line.strip()), "")
        if ":" in first and "," not in first:
            return parse(file.read_text())
    return best_known.read_schedule(path, problem)


def _pair(text: str) -> tuple[str, object]:
    import yaml

    key, sep, value = text.partition("=")
    if not sep or not key:
        raise ProblemError(f"--param {text!r} is not key=value; e.g. --param seed=3")
    return key, yaml.safe_load(value)


def listing(args: argparse.Namespace) -> int:
    """The installed classes, datasets or solvers, one line each (``--class`` filters)."""
    from schedbench import classes
    from schedbench.solvers import registry

    wanted = classes.get(args.cls).name if args.cls else None
    shown = [c for c in classes.classes().values() if wanted in (None, c.name)]
    if args.what == "classes":
        for c in shown:
            files = " ".join(c.readers) or "-"
            count = len(c.catalogue())
            sets = f"{count} dataset{'s' * (count != 1)}"
            print(f"{c.name:10} {c.title}; cost: {c.cost} [{c.unit}]; {sets}; files {files}; "
                  f"statement: {c.statement}")  # fmt: skip
    elif args.what == "datasets":
        for c in shown:
            for entry in c.catalogue():
                params = "" if entry.params is None else " ".join(
                    f"{k}={v}" for k, v in entry.params.items())  # fmt: skip
                alias = f" (alias {', '.join(entry.aliases)})" if entry.aliases else ""
                print(f"{entry.name:36} {c.name:9} {entry.about}{alias} {params}".rstrip())
        print(f"{'file':36} {'any':9} your own file: dataset.params.path=<file> "
              f"({', '.join(sorted({s for c in shown for s in c.readers}))})")  # fmt: skip
        for name, target in _presets():
            if wanted in (None, classes.owner(target).name):
                print(f"{name:36} {classes.owner(target).name:9} dataset={name}: {target} "
                      "with other parameters (conf/dataset)")  # fmt: skip
    else:
        rows = []
        for name, module in registry.modules().items():
            try:
                impl = registry.backend(name)
                served = registry.classes_of(impl, name)
                library = impl.LIBRARY
            except ImportError as err:
                served, library = ("?",), f"not importable here ({err})"
            if wanted is None or wanted in served:
                rows.append((name, ",".join(served), library, module))
        for name, backend, said, options in _variants():
            if wanted is None or (
                wanted in _served(backend) and _accepts(backend, wanted, options)
            ):
                rows.append((name, "", "", f"solver={name}: {said}"))
        name_w, served_w = (max([least, *(len(row[i]) for row in rows)])
                            for i, least in ((0, 18), (1, 16)))  # fmt: skip
        for name, served, library, about in rows:  # columns as wide as their longest entry
            print(f"{name:{name_w}} {served:{served_w}} {library:12} {about}")
    return 0


def _presets() -> list[tuple[str, str]]:
    """Dataset configurations (conf/dataset/*.yaml) under a name of their own: (name,
    the dataset they load)."""
    from importlib.resources import files

    from omegaconf import OmegaConf

    out = []
    for yaml in sorted(files("schedbench.conf").joinpath("dataset").glob("*.yaml"), key=str):
        name, target = yaml.name.removesuffix(".yaml"), OmegaConf.load(yaml).name
        if name != target and target != "file":
            out.append((name, target))
    return out


def _accepts(backends: list[str], cls: str, options: dict) -> bool:
    """Whether a configuration's options suit class ``cls`` (its back-end's ``check``, asked
    of a stand-in instance of the class, refuses a formulation the class lacks)."""
    from types import SimpleNamespace

    from schedbench.solvers import registry

    if len(backends) != 1:
        return True
    check = getattr(registry.backend(backends[0]), "check", None)
    try:
        if check is not None:
            check(SimpleNamespace(CLASS=cls), options)
    except ValueError:
        return False
    except Exception:  # a check that needs the real instance: the run decides
        return True
    return True


def _variants() -> list[tuple[str, list[str], str, dict]]:
    """The solver configurations (conf/solver/*.yaml, composed as a run would, defaults
    included) that are not a back-end's own: (name, the back-ends they run, what they set)."""
    from importlib.resources import files

    from hydra import compose, initialize_config_module
    from omegaconf import OmegaConf

    from schedbench.harness.config import register

    register()
    names = sorted(p.name.removesuffix(".yaml") for p in files("schedbench.conf").joinpath(
        "solver").iterdir() if p.name.endswith(".yaml"))  # fmt: skip
    with initialize_config_module(version_base="1.3", config_module="schedbench.conf"):
        composed = {n: compose("config", overrides=[f"solver={n}"]).solver for n in names}
    out = []
    for name, solver in composed.items():
        options = OmegaConf.to_container(solver.options)
        if solver.name in ("portfolio", "relay"):
            members = [m["solver"] for m in options.get("members", [])]
            out.append((name, members, f"{solver.name} of {', '.join(members)}", options))
        elif name != solver.name:
            own = composed.get(solver.name)  # the back-end's own YAML, where it has one
            base = OmegaConf.to_container(own.options) if own is not None else {}
            set_ = ", ".join(f"{k}={v}" for k, v in options.items() if base.get(k) != v)
            said = f"{solver.name} with {set_ or 'its defaults'}"
            out.append((name, [solver.name], said, options))
    return out


def _served(backends: list[str]) -> set[str]:
    """The classes every one of ``backends`` solves."""
    from schedbench.solvers import registry

    try:
        sets = [set(registry.classes_of(registry.backend(b), b)) for b in backends]
    except (ImportError, ValueError):
        return set()
    return set.intersection(*sets) if sets else set()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m schedbench", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    show = sub.add_parser("list", help="the installed problem classes, datasets or solvers")
    show.add_argument("what", nargs="?", default="classes",
                      choices=("classes", "datasets", "solvers"))  # fmt: skip
    show.add_argument("--class", dest="cls", default=None, help="only this class's (e.g. rcs)")
    check = sub.add_parser("verify", help="check a schedule file, print its cost and gap")
    check.add_argument("--dataset", required=True, help="a dataset name, e.g. rw1 or adder")
    check.add_argument(
        "--schedule", required=True, help="CSV: node and the class's column (stage, start)"
    )
    check.add_argument("--stages", type=int, default=None, help="L (default: the paper's)")
    check.add_argument("--ratio", type=float, default=None, help="R (default: the paper's)")
    check.add_argument("--param", action="append", default=[], help="dataset param key=value")
    args = parser.parse_args(argv)
    try:
        return listing(args) if args.command == "list" else verify(args)
    except BrokenPipeError:  # `list | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (ProblemError, ValueError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
