"""What moved in the paper's class since a committed build of ``docs/results``.

    python -m schedbench.studies.icml24.moved --since fc1e0a9

Compares the runs, claims and best-known registry committed at a git revision with the
current ones: the claims whose verdict changed, per design the best-known cost and bound
and the best solver's gap at the protocol's budget, each gap's change put down to new
schedules, a raised bound, or both, and the differentiable family against the strongest
other family (its verdicts counted before and after). The verdict build writes it into
``docs/results/README.md`` when given ``--since``.
"""

from __future__ import annotations

import argparse
import io
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from schedbench.datasets.best_known import REGISTRY_DIR
from schedbench.evaluate import relative_gap
from schedbench.harness.metrics import TIE_TOLERANCE, tied
from schedbench.studies.families import family_verdicts, solver_medians

REGISTRY = REGISTRY_DIR / "best_known.csv"


@dataclass
class Build:
    """One build of the paper's verdict: its runs, its claims and the registry beside it."""

    runs: pd.DataFrame
    claims: pd.DataFrame
    registry: pd.DataFrame


def committed(rev: str, docs: Path, registry: Path = REGISTRY) -> Build:
    """The build as committed at git revision ``rev`` (``docs``: the verdict folder)."""

    def show(path: Path) -> bytes:
        folder = path.resolve().parent
        done = subprocess.run(
            ["git", "-C", str(folder), "show", f"{rev}:./{path.name}"],
            capture_output=True,
            check=False,
        )
        if done.returncode:
            reason = done.stderr.decode(errors="replace").strip().splitlines()[-1:]
            raise ValueError(
                f"cannot read {path} at {rev!r} ({' '.join(reason)}); name a commit that has "
                f"it (git log -- {path})"
            )
        return done.stdout

    return Build(
        runs=pd.read_parquet(io.BytesIO(show(Path(docs) / "runs.parquet"))),
        claims=pd.read_csv(io.BytesIO(show(Path(docs) / "claims.csv"))),
        registry=pd.read_csv(io.BytesIO(show(registry))),
    )


def read_registry_table(registry: Path = REGISTRY) -> pd.DataFrame:
    """The best-known registry as it stands, one row per instance."""
    return pd.read_csv(registry)


def current(docs: Path, registry: Path = REGISTRY) -> Build:
    """The build in the working tree."""
    docs = Path(docs)
    return Build(
        runs=pd.read_parquet(docs / "runs.parquet"),
        claims=pd.read_csv(docs / "claims.csv"),
        registry=read_registry_table(registry),
    )


def claim_changes(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """The claims whose verdict changed (or that are new): key, where, before, after."""
    merged = after[["key", "where", "verdict"]].merge(
        before[["key", "verdict"]], on="key", how="left", suffixes=("", "_before")
    )
    changed = merged[merged["verdict"] != merged["verdict_before"]]
    return changed.rename(columns={"verdict_before": "before", "verdict": "after"})[
        ["key", "where", "before", "after"]
    ].fillna({"before": "(new)"})


def _at_budget(runs: pd.DataFrame) -> pd.DataFrame:
    from schedbench.harness.figures import main_budget

    return main_budget(runs, pd.DataFrame({"run_key": []}))[0]


def _best_solver(runs: pd.DataFrame) -> pd.DataFrame:
    """Per design at the protocol's budget: the lowest median cost over seeds, its solver,
    and the bound the runs were scored against."""
    main = _at_budget(runs)
    medians = solver_medians(main).dropna(subset=["median"]).rename(columns={"median": "cost"})
    best = medians.sort_values(["dataset", "cost", "solver"]).groupby("dataset").first()
    best["bound"] = main.groupby("dataset")["best_known_bound"].max()
    return best


def _cause(cost: tuple[float, float], bound: tuple[float, float], tolerance: float) -> str:
    """Why a gap (cost - bound) / cost changed between two builds."""
    lower = cost[1] < cost[0] and not tied(cost[0], cost[1], tolerance)
    higher = cost[1] > cost[0] and not tied(cost[0], cost[1], tolerance)
    raised = bound[1] > bound[0]
    if lower and raised:
        return "schedules and bound"
    if lower:
        return "schedules"
    if raised:
        return "bound" if not higher else "bound (cost rose)"
    return "cost rose" if higher else "-"


def design_changes(before: Build, after: Build, tolerance: float = TIE_TOLERANCE) -> pd.DataFrame:
    """Per design of the current runs: the registry's best-known cost and bound and its gap,
    and the best solver's median at the protocol's budget with its gap, before and after;
    ``registry moved by`` / ``budget moved by`` say what changed each gap."""
    old, new = _best_solver(before.runs), _best_solver(after.runs)
    reg_old = before.registry.drop_duplicates("dataset", keep="last").set_index("dataset")
    reg_new = after.registry.drop_duplicates("dataset", keep="last").set_index("dataset")
    rows = []
    for design in new.index:
        was = old.loc[design] if design in old.index else None
        entry_old = reg_old.loc[design] if design in reg_old.index else None
        entry_new = reg_new.loc[design] if design in reg_new.index else None
        row: dict[str, object] = {"design": design}
        if entry_old is not None and entry_new is not None:
            costs = (float(entry_old["best_cost"]), float(entry_new["best_cost"]))
            bounds = (float(entry_old["best_bound"]), float(entry_new["best_bound"]))
            row |= {
                "best-known before": costs[0],
                "best-known after": costs[1],
                "found by": entry_new["cost_solver"],
                "bound before": bounds[0],
                "bound after": bounds[1],
                "bound from": entry_new["bound_source"],
                "registry gap before": relative_gap(costs[0], bounds[0]),
                "registry gap after": relative_gap(costs[1], bounds[1]),
                "registry moved by": _cause(costs, bounds, tolerance),
            }
        now = new.loc[design]
        row |= {"best at budget after": float(now["cost"]), "solver after": now["solver"]}
        row["gap at budget after"] = relative_gap(float(now["cost"]), float(now["bound"]))
        if was is not None:
            row |= {
                "best at budget before": float(was["cost"]),
                "solver before": was["solver"],
                "gap at budget before": relative_gap(float(was["cost"]), float(was["bound"])),
                "budget moved by": _cause(
                    (float(was["cost"]), float(now["cost"])),
                    (float(was["bound"]), float(now["bound"])),
                    tolerance,
                ),
            }
        rows.append(row)
    return pd.DataFrame(rows)


def differentiable_standing(runs: pd.DataFrame, tolerance: float = TIE_TOLERANCE) -> pd.Series:
    """How many designs the differentiable family is ahead of, ties, is within noise of, or
    behind the strongest other family on (the better of exact and heuristic per design)."""
    verdicts = family_verdicts(_at_budget(runs), tolerance)
    pairs = ("differentiable vs exact", "differentiable vs heuristic")
    columns = [c for c in pairs if c in verdicts]
    order = ["behind", "within noise", "tie", "ahead"]  # the strongest baseline: the worst one

    def against_strongest(row: pd.Series) -> str:
        answers = [row[c] for c in columns if isinstance(row[c], str) and row[c] in order]
        return min(answers, key=order.index) if answers else "not compared"

    return verdicts.apply(against_strongest, axis=1).value_counts()


def markdown_lines(before: Build, after: Build, since: str,
                   tolerance: float = TIE_TOLERANCE) -> list[str]:  # fmt: skip
    """The "What moved" section of docs/results/README.md."""
    claims = claim_changes(before.claims, after.claims)
    designs = design_changes(before, after, tolerance)
    lines = [f"## What moved since {since}", ""]
    lines.append(
        f"Runs {len(before.runs)} -> {len(after.runs)}. Claims whose verdict changed: "
        f"{len(claims)} of {len(after.claims)}" + (":" if len(claims) else ".")
    )
    lines += [f"- `{c.key}` ({c.where}): {c.before} -> {c.after}" for c in claims.itertuples()]
    lines.append("")

    def num(value: object) -> str:
        return "-" if value is None or pd.isna(value) else f"{float(value):,.0f}"

    def pct(value: object) -> str:
        return "-" if value is None or pd.isna(value) else f"{100 * float(value):.2f}"

    lines += [
        "Per design: the registry's best-known cost and bound (the gap between them), and the "
        "best solver's median at the protocol's budget with its gap to the bound the runs were "
        "scored against; `moved by` says whether new schedules, a raised bound or both "
        "changed each gap.",
        "",
        "| design | best-known | bound | registry gap % | registry moved by | best at budget "
        "(solver) | gap at budget % | budget moved by |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in designs.to_dict("records"):
        lines.append(
            f"| {r['design']} | {num(r.get('best-known before'))} -> "
            f"{num(r.get('best-known after'))} ({r.get('found by', '-')}) | "
            f"{num(r.get('bound before'))} -> {num(r.get('bound after'))} | "
            f"{pct(r.get('registry gap before'))} -> {pct(r.get('registry gap after'))} | "
            f"{r.get('registry moved by', '-')} | {num(r.get('best at budget before'))} "
            f"({r.get('solver before', '-')}) -> {num(r['best at budget after'])} "
            f"({r['solver after']}) | {pct(r.get('gap at budget before'))} -> "
            f"{pct(r['gap at budget after'])} | {r.get('budget moved by', '-')} |"
        )
    old, new = (
        differentiable_standing(before.runs, tolerance),
        differentiable_standing(after.runs, tolerance),
    )
    answers = ["ahead", "tie", "within noise", "behind"]
    lines += [
        "",
        "The differentiable family (its best solver's median over seeds) against the strongest "
        "other family on each design, designs per answer before -> after: "
        + ", ".join(f"{a} {int(old.get(a, 0))} -> {int(new.get(a, 0))}" for a in answers)
        + ".",
        "",
    ]
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--since", required=True, help="a git revision with docs/results")
    parser.add_argument("--docs", type=Path, default=Path("docs/results"))
    args = parser.parse_args(argv)
    try:
        before = committed(args.since, args.docs)
        after = current(args.docs)
    except (ValueError, FileNotFoundError) as err:
        raise SystemExit(f"error: {err}") from None
    print("\n".join(markdown_lines(before, after, args.since)))


if __name__ == "__main__":
    main()
