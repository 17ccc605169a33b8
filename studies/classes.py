"""The verdict across problem classes, from the committed tables of each class's study.

    python -m schedbench.studies.classes --docs docs/results

Reads what exists of ``heurigym/table.csv`` (RCS against HeuriGym's references),
``tcs/optima.csv`` (TCS against EDS's optima), ``modulo/runs_ii.csv`` (the modulo loops
against MinII), ``hls_ablation/ablation.csv`` (does the gradient pay), each class's
family verdicts (the paper's from ``runs.parquet`` and ``scaling/solver_runs.csv``, RCS's,
TCS's and MODULO's from ``rcs/``, ``tcs/verdict/`` and ``modulo/``) and writes
``classes.md``: per class, what the exact solvers reproduce and prove at 60 s, each
solver family's wins, ties and losses at 60 s and at scale, and per differentiable solver
how often gradient steps put it ahead of the same search without them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from schedbench.studies.families import (
    COMPARED,
    MIN_SEEDS,
    counted,
    directions,
    family_verdicts,
    seeded_solvers,
    standings,
)


def _reproduction(docs: Path) -> list[str]:
    lines = []
    rcs = docs / "heurigym" / "table.csv"
    if rcs.is_file():
        table = pd.read_csv(rcs)
        proved = int((table["proved"] == "optimal").sum())
        lines.append(
            f"- **RCS** (HeuriGym's {len(table)} instances, `heurigym/table.md`): "
            f"{int((table['verdict'] == 'reproduced').sum())} reference latencies reproduced, "
            f"{int(table['verdict'].str.startswith('beaten').sum())} beaten, "
            f"{int(table['verdict'].str.startswith('behind').sum())} behind; {proved} proved "
            f"optimal at 60 s; the best is CP-SAT's on "
            f"{int(table['by'].str.contains('rcs_cpsat').sum())}, the list schedule's on "
            f"{int(table['by'].str.contains('rcs_list').sum())}."
        )
    tcs = docs / "tcs" / "optima.csv"
    if tcs.is_file():
        table = pd.read_csv(tcs)
        behind = table[table["verdict"] != "reproduced"]
        proved = table["proved optimal by"]
        lines.append(
            f"- **TCS** (EDS's {len(table)} instances, `tcs/optima.md`): "
            f"{int((table['verdict'] == 'reproduced').sum())} published optima reproduced "
            f"({int((table['budget (s)'] <= 60).sum())} proved within 60 s); HiGHS proves "
            f"{int(proved.str.contains('tcs_highs').sum())}, CP-SAT "
            f"{int(proved.str.contains('tcs_cpsat').sum())}"
            + (
                "; not reached: "
                + ", ".join(
                    f"{r.graph} at {r.factor} ({r.ours} vs {r._6})" for r in behind.itertuples()
                )
                if len(behind)
                else ""
            )
            + "."
        )
    modulo = docs / "modulo" / "runs_ii.csv"
    if modulo.is_file():
        from schedbench.studies.modulo_verdict import anchor_line

        lines.append("- **MODULO** (HatScheT's ChStone loops, `modulo/verdict.md`): "
                     + anchor_line(pd.read_csv(modulo)))  # fmt: skip
    return lines


VERDICTS = ("gradient ahead", "gradient behind", "tie", "within noise")


def _ablations(docs: Path) -> pd.DataFrame:
    """Every ablation row with its budget: the 20 s study (``hls_ablation/``) and each
    class section's 60 s table."""
    sources = [("20 s", docs / "hls_ablation" / "ablation.csv")]
    sources += [("60 s", docs / where / "ablation.csv") for _, where in CLASSES if where]
    frames = [
        pd.read_csv(path).assign(budget=label)
        for label, path in sources
        if path.is_file() and path.stat().st_size > 1
    ]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _ablation(docs: Path) -> str:
    """The gradient's tally per class, solver and budget, as a Markdown table."""
    table = _ablations(docs)
    if table.empty:
        return ""
    counts = table.groupby(["class", "solver", "budget"])["verdict"].value_counts()
    counts = counts.unstack(fill_value=0).reindex(columns=list(VERDICTS), fill_value=0)
    rows = ["| class | solver | budget | " + " | ".join(VERDICTS) + " | instances |",
            "|---|---|---|" + "---|" * (len(VERDICTS) + 1)]  # fmt: skip
    for (kind, solver, budget), row in counts.iterrows():
        cells = " | ".join(str(v) for v in row)
        rows.append(f"| {kind} | {solver} | {budget} | {cells} | {int(row.sum())} |")
    return "\n".join(rows)


# (class, where its section lives under docs/results); the paper's class is the root
CLASSES = (("ICML24", ""), ("RCS", "rcs"), ("TCS", "tcs/verdict"), ("MODULO", "modulo"))


def report_links(docs: Path, section: str) -> dict[str, str]:
    """The other class sections' reports, as paths relative to ``section``'s folder."""
    import os

    here = docs / section
    return {
        name: os.path.relpath(docs / where / "report.html", here)
        for name, where in CLASSES
        if where != section and (docs / where / "report.html").is_file()
    }


def _paper_runs(docs: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The paper's class: its runs at the protocol's budget and its scale runs."""
    from schedbench.harness.figures import main_budget

    runs = docs / "runs.parquet"
    at_budget = (
        main_budget(pd.read_parquet(runs), pd.DataFrame({"run_key": []}))[0]
        if runs.is_file()
        else pd.DataFrame()
    )
    scale = docs / "scaling" / "solver_runs.csv"
    return at_budget, pd.read_csv(scale) if scale.is_file() else pd.DataFrame()


def class_verdicts(docs: Path, section: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A class's family verdicts (at the budget, at scale) from its committed tables."""
    if not section:
        at_budget, scale = _paper_runs(docs)
        return (
            family_verdicts(at_budget) if not at_budget.empty else pd.DataFrame(),
            # one seed per size: which solvers vary by seed is known from the protocol
            family_verdicts(scale, seeded=seeded_solvers(at_budget))
            if not scale.empty
            else pd.DataFrame(),
        )
    folder = docs / section
    return tuple(  # type: ignore[return-value]
        pd.read_csv(folder / name) if (folder / name).is_file() else pd.DataFrame()
        for name in ("verdict.csv", "scale_verdict.csv")
    )


Verdicts = list[tuple[str, str, pd.DataFrame, pd.DataFrame]]


def all_verdicts(docs: Path) -> Verdicts:
    """(class, section, verdicts at the budget, at scale) for each class with tables, read
    once for the table and the summary lines."""
    out = []
    for name, section in CLASSES:
        at_budget, scale = class_verdicts(Path(docs), section)
        if not (at_budget.empty and scale.empty):
            out.append((name, section, at_budget, scale))
    return out


def cross_class(docs: Path, verdicts: Verdicts | None = None) -> pd.DataFrame:
    """Class x family: wins/ties/losses (instances) at the budget and at scale."""
    rows = []
    verdicts = verdicts if verdicts is not None else all_verdicts(docs)
    for name, _, at_budget, scale in verdicts:
        row = {"class": name, "instances": counted(at_budget)}
        row.update({f"{f} (60 s)": v for f, v in standings(at_budget).items()})
        row["directions (60 s)"] = directions(at_budget)
        row["scale instances"] = counted(scale)
        row.update({f"{f} (scale)": v for f, v in standings(scale).items()})
        row["directions (scale)"] = directions(scale)
        rows.append(row)
    return pd.DataFrame(rows)


def _leader(line: dict[str, str]) -> str:
    """The family with the most wins in a wins/ties/losses mapping, with its numbers (no
    single leader when two or more share the most wins)."""
    if all(v == "-" for v in line.values()):
        return "no two families compared yet (runs missing)"
    scored = [(int(v.split("/")[0]), f) for f, v in line.items() if v != "-" and f in COMPARED]
    if not scored or max(scored)[0] == 0:
        return "no family wins an instance outright"
    wins, family = max(scored)
    numbers = ", ".join(f"{f} {v}" for f, v in line.items() if v != "-")
    shared = [f for w, f in scored if w == wins]
    if len(shared) > 1:
        return f"no single family leads ({numbers} as wins/ties/losses)"
    return f"{family} ({wins} win{'' if wins == 1 else 's'}; {numbers} as wins/ties/losses)"


def _gradient(docs: Path, section: str) -> str:
    """Whether the gradient pays in a class, from its ablation tables or claims."""
    if not section:
        claims = docs / "claims.csv"
        if not claims.is_file():
            return ""
        table = pd.read_csv(claims).set_index("key")
        parts = [
            f"{label}: {table.loc[key, 'verdict']}"
            for key, label in (("gradient_gauss", "gauss vs local search alone"),
                               ("gradient_gs_plus", "gs_plus vs local search alone"))
            if key in table.index
        ]  # fmt: skip
        return "; ".join(parts) + " (claims 10-11)" if parts else ""
    table = _ablations(docs)
    kind = section.split("/")[0]
    if table.empty or kind not in set(table["class"]):
        return ""
    parts = []
    for (budget, solver), mine in table[table["class"] == kind].groupby(["budget", "solver"]):
        tally = mine["verdict"].value_counts()
        parts.append(
            f"{solver} at {budget}: ahead on {int(tally.get('gradient ahead', 0))}, "
            f"behind on {int(tally.get('gradient behind', 0))}, tied on "
            f"{int(tally.get('tie', 0))}, within noise on "
            f"{int(tally.get('within noise', 0))} of {len(mine)}"
        )
    return "; ".join(parts)


def _drawn(verdicts: pd.DataFrame) -> str:
    """The summary's note of how many wins or losses rest on too few seeds ("" if none)."""
    n = directions(verdicts)
    return f" ({n} decided on fewer than {MIN_SEEDS} seeds: directions)" if n else ""


def summary(docs: Path, verdicts: Verdicts | None = None) -> list[str]:
    """Per class: who wins at 60 s, who wins at scale, whether the gradient pays."""
    docs = Path(docs)
    lines = []
    verdicts = verdicts if verdicts is not None else all_verdicts(docs)
    for name, section, at_budget, scale in verdicts:
        text = f"- **{name}**: at 60 s "
        text += _leader(standings(at_budget)) if not at_budget.empty else "not run yet"
        text += f" on {counted(at_budget)} instances{_drawn(at_budget)}; at scale "
        text += (
            _leader(standings(scale)) + f" on {counted(scale)} scale instances{_drawn(scale)}"
            if not scale.empty
            else "not run yet"
        )
        gradient = _gradient(docs, section)
        text += f". Does the gradient pay? {gradient}." if gradient else "."
        lines.append(text)
    return lines


def write(docs: Path, out: Path | None = None) -> Path:
    """Write ``classes.md`` (into ``docs``, or the file ``out``) from the class tables in
    ``docs`` that exist."""
    from schedbench.harness.figures import markdown

    docs = Path(docs)
    parts = ["# The verdict across problem classes\n",
             "Generated by `python -m schedbench.studies.classes` from the committed "
             "tables; the paper's class is in `README.md` and `claims.md`.\n",
             "## Exact solvers against published values\n", *_reproduction(docs)]  # fmt: skip
    verdicts = all_verdicts(docs)
    table = cross_class(docs, verdicts)
    if not table.empty:
        parts += ["\n## Solver families per class\n",
                  "Per class, each family's instances as wins/ties/losses: its best solver's "
                  "median over seeds against the other families' best, ahead only when the "
                  "medians do not tie and the ranges do not overlap (`studies/families.py`); "
                  "at 60 s on the class's verdict instances, at scale on the scale study's "
                  "instances (the paper's class: one seed per size, a direction); only where "
                  "all three families ran (\"20 of 60\": the rest lack a family's runs). "
                  "`directions`: instances whose win or loss rests on fewer than "
                  f"{MIN_SEEDS} runs of a seeded solver (one draw: a direction, not a "
                  "result).\n",
                  markdown(table), "", *summary(docs, verdicts)]  # fmt: skip
    ablation = _ablation(docs)
    if ablation:
        parts += ["\n## Does the gradient pay?\n",
                  "Each differentiable scheduler against itself without gradient steps (same "
                  "first schedule, sampling, legalization, local search), instances counted "
                  "by verdict, three seeds each: the 20 s study (`hls_ablation/ablation.md`) "
                  "and each class section's 60 s table (`rcs/ablation.csv`, "
                  "`tcs/verdict/ablation.csv`), as the summary above cites them:\n",
                  ablation]  # fmt: skip
    out = Path(out) if out is not None else docs / "classes.md"
    out.write_text("\n".join(parts) + "\n")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=Path, default=Path("docs/results"))
    args = parser.parse_args(argv)
    print(write(args.docs).read_text())


if __name__ == "__main__":
    main()
