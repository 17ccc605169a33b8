"""The Hydra app behind ``python -m schedbench.harness``.

python -m schedbench.harness solver=gs dataset=rw7 budget=quick
python -m schedbench.harness -m solver=gs,cpsat_compact dataset=rw1,rw4 seed=0,1,2
python -m schedbench.harness +experiment=fig3          # a preset sweep
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

import hydra
import numpy as np
from omegaconf import DictConfig, OmegaConf

from schedbench import classes
from schedbench.evaluate import relative_gap
from schedbench.harness.config import register

register()
UNWRITTEN: list[str] = []  # runs of this process's sweep whose results could not be written


def spec_from_config(cfg: DictConfig, solver_key: str | None = None) -> Any:
    """Turn a composed config into a RunSpec (loads the dataset: bad input fails here);
    ``solver_key`` names the solver config picked when Hydra's runtime does not say."""
    from schedbench.datasets import load
    from schedbench.harness.compose import COMPOSITIONS, members_from_options, split_threads
    from schedbench.harness.runner import RunSpec
    from schedbench.solvers.registry import check_class, check_options

    check_settings(cfg)
    params = OmegaConf.to_container(cfg.dataset.params, resolve=True)
    stages = cfg.stages if cfg.stages is not None else cfg.dataset.stages
    ratio = cfg.ratio if cfg.ratio is not None else cfg.dataset.ratio
    problem = load(
        cfg.dataset.name,
        stages=None if stages is None else int(stages),
        ratio=None if ratio is None else _number(ratio),
        **params,
    )
    solver_key = solver_key or _choice("solver") or cfg.solver.name
    options = OmegaConf.to_container(cfg.solver.options, resolve=True)
    threads = cfg.threads if cfg.threads is not None else (os.cpu_count() or 1)
    composition = cfg.solver.name if cfg.solver.name in COMPOSITIONS else "single"
    members = members_from_options(composition, options) if composition != "single" else []
    if members:
        split_threads(members, int(threads), composition)  # enough threads for the members?
    if composition == "single":
        try:
            check_class(cfg.solver.name, problem, cfg.solver.module, options)
            check_options(cfg.solver.name, options, cfg.solver.module)
        except ImportError as err:
            if cfg.solver.module is None:  # a solver a class ships: the install is broken
                raise ValueError(
                    f"solver {cfg.solver.name!r} cannot be imported ({type(err).__name__}: "
                    f"{err}); the installed package or a library it needs is missing: "
                    "reinstall (make install, or pip install the package with its extras)"
                ) from None
            raise ValueError(
                f"solver module {cfg.solver.module!r} cannot be imported "
                f"({type(err).__name__}: {err}); check solver.module and that its folder is on "
                "PYTHONPATH"
            ) from None
    return RunSpec(
        dataset=cfg.dataset.label or _label(cfg.dataset.name, params),
        solver_key=solver_key,
        solver=cfg.solver.name,
        problem=problem,
        budget=float(cfg.budget.seconds),
        interval=float(cfg.budget.interval),
        seed=int(cfg.seed),
        threads=int(threads),
        grace=float(cfg.budget.grace),
        memory_gb=cfg.budget.memory_gb,
        options=options,
        module=cfg.solver.module,
        results_dir=Path(cfg.results.dir).resolve(),
        force=bool(cfg.force),
        progress=bool(cfg.progress),
        config=OmegaConf.to_container(cfg, resolve=True),
        command=_command(cfg.solver.module),
        composition=composition,
        members=members,
        share=float(options.get("share", 0.5)),
        warm_start=_warm_start(cfg.warm_start, problem),
    )


def _label(name: str, params: dict[str, Any]) -> str:
    """A run's dataset name when its config gives no label: a file's stem (with the reader's
    parameters given besides the path: ``loops[instance=mobility]``), or the name with the
    parameters that differ from the dataset's defaults (``pcmax[jobs=200]``), so two
    instances of one family or of one file never share a name."""
    if params.get("path"):
        extra = {k: v for k, v in params.items() if k not in ("path", "class") and v is not None}
        stem = Path(params["path"]).stem
        return f"{stem}[{','.join(f'{k}={v}' for k, v in extra.items())}]" if extra else stem
    defaults = classes.owner(name).datasets[name].params
    if not defaults:
        return name
    changed = {k: v for k, v in params.items() if k in defaults and v != defaults[k]}
    return f"{name}[{','.join(f'{k}={v}' for k, v in changed.items())}]" if changed else name


def close_match(key: str, known: list[str]) -> str:
    """ "; did you mean 'stages'?" for a mistyped name, or the names there are."""
    import difflib

    near = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return f"; did you mean {near[0]!r}?" if near else f"; the settings are {', '.join(known)}"


def check_settings(cfg: DictConfig) -> None:
    """What Hydra lets through but a run must not start with: a top-level key the schema
    does not have (``+stage=5``), a dataset file not given, a budget that is not positive."""
    from dataclasses import fields

    from schedbench.harness.config import RunConf

    known = [f.name for f in fields(RunConf)]
    for key in cfg:
        if key not in known:
            raise ValueError(f"unknown setting {key!r}{close_match(str(key), known)}")
    missing = sorted(OmegaConf.missing_keys(cfg.dataset.params))
    if missing:
        raise ValueError(
            f"dataset {cfg.dataset.name!r} needs {', '.join(missing)}: give "
            + " ".join(f"{key}=<your file>" for key in missing)
        )
    if cfg.threads is not None and cfg.threads < 1:
        raise ValueError(f"threads={cfg.threads} must be at least 1 (or null: every core)")
    for name in ("seconds", "interval"):
        value = cfg.budget[name]
        if not value > 0:
            raise ValueError(f"budget.{name}={value:g} must be above 0; e.g. budget.{name}=60")
    if cfg.budget.grace < 0:
        raise ValueError(f"budget.grace={cfg.budget.grace:g} must be at least 0")


def _warm_start(source: str | None, problem: Any) -> Any:
    """The schedule a run starts from: the registry's best for this instance, or a file."""
    from schedbench.datasets import best_known
    from schedbench.evaluate import check
    from schedbench.problems.icml24 import ProblemError

    if source is None:
        return None
    if source == "best_known":
        entry = best_known.lookup(problem)
        if entry is None:
            raise ProblemError(
                f"warm_start=best_known: the registry has no schedule for {problem.name} with "
                f"these settings ({problem.CLASS} instance {problem.digest[:12]}); give a CSV "
                "path or drop warm_start"
            )
        return best_known.schedule_of(entry, problem)
    schedule = best_known.read_schedule(source, problem)
    report = check(problem, schedule)
    if not report.feasible:
        raise ProblemError(f"warm_start {source} is infeasible: {report.reason()}")
    return schedule


def _command(module: str | None = None) -> str | None:
    """The command line that reruns this one run (a sweep job's own overrides), with the
    search path of an out-of-tree solver ``module`` when it lies outside the package."""
    import shlex

    from hydra.core.hydra_config import HydraConfig

    if not HydraConfig.initialized():
        return None
    given = HydraConfig.get().overrides
    search = [o for o in given.hydra if o.startswith("hydra.searchpath")]  # a YAML of yours
    task = [_absolute(override) for override in given.task]
    line = shlex.join(["python", "-m", "schedbench.harness", *search, *task])
    root = _import_root(module) if module else None
    return f"PYTHONPATH={shlex.quote(root)} {line}" if root else line


def _absolute(override: str) -> str:
    """``key=<file>`` with the file's absolute path when it names a file by a relative one,
    so the command reruns the same instance from any folder."""
    key, sep, value = override.partition("=")
    if sep and value and not Path(value).is_absolute() and Path(value).is_file():
        return f"{key}={Path(value).resolve()}"
    return override


def _import_root(module: str) -> str | None:
    """The folder to put on PYTHONPATH for ``module`` (None: importable from an installed
    distribution, or not found)."""
    import importlib.util

    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None or "site-packages" in spec.origin:
        return None
    root = Path(spec.origin).resolve().parent
    for _ in range(module.count(".")):
        root = root.parent
    return str(root)


def _choice(group: str) -> str | None:
    """The config-group option picked for ``group`` (e.g. 'cpsat_compact'), if Hydra runs."""
    from hydra.core.hydra_config import HydraConfig

    if not HydraConfig.initialized():
        return None
    return HydraConfig.get().runtime.choices.get(group)


def _multirun() -> bool:
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    return HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN


def _gap_line(record: dict[str, Any], results_dir: Path) -> str:
    """'gap 0.912 % to the bound 1,234 ((cost - bound) / cost)': the strongest bound this
    run, the folder's LP cache and the best-known registry know (the tables' best known
    bound also counts the other runs of the folder)."""
    from schedbench.datasets import best_known
    from schedbench.harness.tables import read_lp_bounds, run_bound

    bound = run_bound(record, read_lp_bounds(results_dir))
    bound = max(bound, best_known.known_bounds().get(record.get("problem_digest"), -np.inf))
    cost = record.get("best_cost")
    if cost is None:
        return f"no schedule; bound {bound:,.0f}"
    gap = 100 * relative_gap(cost, bound)
    return f"gap {gap:.3f} % to the bound {bound:,.0f} ((cost - bound) / cost)"


def _number(value: Any) -> float:
    number = float(value)
    return int(number) if number.is_integer() else number


def cli() -> None:
    """``python -m schedbench.harness``: Hydra's own input errors (an unknown config option,
    an override of the wrong type) become one line and exit 2, like ours; with
    SCHEDBENCH_DEBUG or HYDRA_FULL_ERROR set they keep their full report."""
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    from schedbench.harness.lock import ResultsLocked

    if os.environ.get("SCHEDBENCH_DEBUG") or os.environ.get("HYDRA_FULL_ERROR"):
        main()
        return
    os.environ["HYDRA_FULL_ERROR"] = "1"  # let Hydra's exceptions reach us instead of printing
    try:
        main()
        if UNWRITTEN:  # runs of an in-process sweep that could not be recorded
            sys.exit(2)
    except (HydraException, OmegaConfBaseException) as err:
        print(f"error: {hydra_error_line(err)}", file=sys.stderr)
        sys.exit(2)
    except ResultsLocked as err:  # another sweep holds the results folder
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    except OSError as err:  # Hydra could not write its own output folder
        print(f"error: {write_error(err, 'the Hydra output folder')}", file=sys.stderr)
        sys.exit(2)


def write_error(err: OSError, fallback: Path | str) -> str:
    reason = err.strerror or str(err)
    return (
        f"cannot write {err.filename or fallback} ({reason}); free space or set results.dir to "
        "a writable folder (runs recorded before are intact)"
    )


def hydra_error_line(err: BaseException) -> str:
    """Hydra's multi-line report in one line: the complaint, its cause, the choices."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    cause = err.__cause__
    if isinstance(cause, BaseException) and str(cause).strip():
        lines.append(str(cause).strip().splitlines()[0].strip())
    if "Config search path:" in lines:  # the rest lists Hydra's search path
        lines = lines[: lines.index("Config search path:")]
    lines = [line for line in lines if not line.startswith(("full_key:", "object_type="))]
    if not lines:
        return type(err).__name__
    head = lines[0].removeprefix("In 'config': ")
    rest = lines[1:]
    missing = re.match(r"Could not find 'dataset/(.+?)'", head)
    if missing:  # Hydra lists only the top folder of conf/dataset: name every collection
        from schedbench import classes
        from schedbench.problems.icml24 import ProblemError

        try:
            classes.owner(missing.group(1))
        except ProblemError as unknown_dataset:
            return str(unknown_dataset)
    unknown = re.match(r"Could not override '([^'.]+)'", head)
    if unknown:  # a top-level key the schema does not have: name the close one
        from dataclasses import fields

        from schedbench.harness.config import RunConf

        key = unknown.group(1)
        return f"unknown setting {key!r}{close_match(key, [f.name for f in fields(RunConf)])}"
    if rest and rest[0].startswith("Available options in"):
        wanted = re.match(r"Could not find '[^/]+/(.+?)'", head)
        near = close_match(wanted.group(1), rest[1:]) if wanted else ""
        hint = near.split("?")[0].removeprefix("; ") + "? " if near.startswith("; did") else ""
        return f"{head}; {hint}choose one of {', '.join(rest[1:])}"
    return "; ".join([head, *rest])


@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
def main(cfg: DictConfig) -> dict[str, Any] | None:
    from schedbench.harness.lock import TOKEN_VARIABLE, ResultsLocked, acquire
    from schedbench.harness.runner import execute
    from schedbench.problems.icml24 import ProblemError

    debug = os.environ.get("SCHEDBENCH_DEBUG")
    try:
        spec = spec_from_config(cfg)
    except (ProblemError, ValueError, OSError) as err:
        if debug:
            raise
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    from schedbench.harness.progress import position

    where = position()
    spec.label = f"[{where}] " if where else ""
    try:
        # a launcher's worker joins its sweep's lock (the callback took it; this checks it)
        acquire(spec.results_dir, os.environ.get(TOKEN_VARIABLE))
        record = execute(spec)
    except ResultsLocked as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    except OSError as err:  # a full disk or a read-only results folder
        if debug:
            raise
        where = f"{spec.label}{spec.dataset}/{spec.solver_key}/seed{spec.seed}"
        print(f"error: {where}: {write_error(err, spec.results_dir)}", file=sys.stderr)
        if _multirun():
            UNWRITTEN.append(where)
            return None  # the sweep goes on; each failed run says so
        sys.exit(2)
    from schedbench.harness.columns import status_words

    state = (
        "skipped (already finished)" if record.get("skipped") else status_words(record["status"])
    )
    if not record.get("skipped") and record["status"] in ("error", "skipped"):
        state += f" ({record.get('message') or 'no message'})"  # why, without opening the record
    cost = record["best_cost"]
    cost = int(cost) if isinstance(cost, float) and cost.is_integer() else cost
    best = "none" if cost is None else f"{cost} {classes.of(spec.problem).unit}"
    print(
        f"{spec.label}{spec.dataset}/{spec.solver_key}/seed{spec.seed}: {state}, best cost "
        f"{best} ({_gap_line(record, spec.results_dir)}) -> {spec.paths.folder}"
    )
    return record
