"""GauS's protocol: does the gradient pay at 15 minutes, and does the differentiable family
beat the exact solvers at 10^5 operations? (conf/experiment/gaus_protocol_*.yaml)

    python -m schedbench.studies.gaus_protocol --results results/gaus_rcs results/gaus_tcs \\
        --out docs/results/gaus --base docs/results/gaus/solvers.csv

Per class and instance, each solver's median best cost over its seeds with the range (a
solver without a schedule has none). Three questions, each answered with the rule of every
verdict (ahead only when the medians differ beyond the tie tolerance and the ranges do not
overlap; "within noise" otherwise):

- the gradient: GauS's informed start, the list schedule (``hls_gauss_scale_list``; on RCS
  ``hls_gauss_scale`` starts there too), against its no-gradient control (the same name
  with ``_nograd``), same seeds;
- the start: the informed start against the cold one (``hls_gauss_scale_cold``);
- the families: the best differentiable solver against the best exact one (and against the
  list scheduler), as GauS reports exact solvers left without a schedule at this scale.

Every solver runs seeds 0-2; a side with fewer than 3 runs (a resumed sweep not yet
finished) makes "ahead" or "behind" a direction, not a result. An exact solver reports the
schedule it is handed at once, so each solver's runs also count those with a schedule of
its own (better than its first one, or proved optimal); every solver's median [range] is
listed below the questions. ``--base`` keeps a previous build's per-solver rows
(``solvers.csv``) for solvers none of whose runs is in the results folders.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from schedbench.harness.metrics import TIE_TOLERANCE
from schedbench.studies.families import as_direction, compare, cost, solver_medians

INFORMED = ("hls_gauss_scale_list", "hls_gauss_scale")  # the first one an instance ran
COLD, CONTROL = "hls_gauss_scale_cold", "_nograd"  # the control: the informed name + CONTROL
LIST_SCHEDULERS = ("rcs_list", "tcs_list")
QUESTIONS = (  # (question, left solver or family, right solver or family)
    ("does the gradient pay", "informed", "control"),
    ("informed against cold start", "informed", COLD),
    ("differentiable against exact", "differentiable", "exact"),
    ("differentiable against the list scheduler", "differentiable", "list"),
)


def _side(medians: pd.DataFrame, name: str) -> pd.Series | None:
    """The row of solver ``name``, or the best (lowest median) of family ``name``; the list
    scheduler is its class's (:data:`LIST_SCHEDULERS`), the informed start the first of
    :data:`INFORMED` that ran, the control its ``_nograd`` twin."""
    if name in ("informed", "control"):
        informed = next((s for s in INFORMED if s in set(medians["solver"])), None)
        if informed is None:
            return None
        name = informed if name == "informed" else informed + CONTROL
    if name == "list":
        rows = medians[medians["solver"].isin(LIST_SCHEDULERS)]
    elif name in ("differentiable", "exact"):
        rows = medians[medians["family"] == name]
    else:
        rows = medians[medians["solver"] == name]
    if rows.empty:
        return None
    return rows.sort_values("median", na_position="last").iloc[0]


def protocol_table(runs: pd.DataFrame, tolerance: float = TIE_TOLERANCE) -> pd.DataFrame:
    """One row per (instance, question): both sides' solver, median, range and seeds, and
    the answer."""
    return questions(with_own(solver_medians(runs), runs), tolerance)


def questions(medians: pd.DataFrame, tolerance: float = TIE_TOLERANCE) -> pd.DataFrame:
    """:func:`protocol_table` from per-solver medians (:func:`with_own`'s table)."""
    rows = []
    for dataset, mine in medians.groupby("dataset", sort=True):
        for question, left, right in QUESTIONS:
            a, b = _side(mine, left), _side(mine, right)
            if a is None or b is None:
                continue
            rows.append({
                "dataset": dataset, "question": question,
                "left": a["solver"], "left_median": a["median"], "left_low": a["low"],
                "left_high": a["high"], "left_runs": int(a["runs"]),
                "right": b["solver"], "right_median": b["median"], "right_low": b["low"],
                "right_high": b["high"], "right_runs": int(b["runs"]),
                "left_own": a["own"], "right_own": b["own"],
                "answer": as_direction(compare(a, b, tolerance), min(a["runs"], b["runs"])),
            })  # fmt: skip
    return pd.DataFrame(rows)


def with_own(medians: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """``medians`` with ``own``: per instance and solver, the runs with a schedule of their
    own (below their first, handed-over one, or proved optimal; for a heuristic, which is
    handed nothing, every run with a schedule; NaN where runs do not say)."""
    if "first_cost" not in runs:
        return medians.assign(own=float("nan"))
    best, first = runs["best_cost"].astype(float), runs["first_cost"].astype(float)
    status = runs["status"] if "status" in runs else pd.Series("", index=runs.index)
    own = runs.assign(own=((best < first) | (status == "optimal")).astype(int))
    counts = own.groupby(["dataset", "solver"])["own"].sum().rename("own").reset_index()
    merged = medians.merge(counts, on=["dataset", "solver"], how="left")
    handed_nothing = merged["family"] == "heuristic"  # its first schedule is its own too
    merged.loc[handed_nothing, "own"] = merged.loc[handed_nothing, "schedules"]
    return merged


def solver_markdown(medians: pd.DataFrame) -> str:
    """Every solver's median [range], runs, and runs with a schedule of their own."""
    lines = ["| instance | solver | median [range] | runs | with a schedule of its own |",
             "|---|---|---|---|---|"]  # fmt: skip
    for r in medians.sort_values(["dataset", "median", "solver"]).to_dict("records"):
        spread = ("no schedule" if pd.isna(r["median"]) else
                  f"{cost(r['median'])} [{cost(r['low'])}, {cost(r['high'])}]")  # fmt: skip
        own = "-" if pd.isna(r["own"]) else f"{int(r['own'])}/{int(r['runs'])}"
        lines.append(f"| {r['dataset']} | {r['solver']} | {spread} | {int(r['runs'])} | {own} |")
    return "\n".join(lines) + "\n"


def _cell(row: dict, side: str) -> str:
    """One side of a table row: its solver, median [range] and runs (or no schedule)."""
    median, runs = row[f"{side}_median"], row[f"{side}_runs"]
    counted = f"{runs} run" + ("" if runs == 1 else "s")
    if pd.isna(median):
        return f"{row[side]} no schedule ({counted})"
    low, high = cost(row[f"{side}_low"]), cost(row[f"{side}_high"])
    own = row.get(f"{side}_own")
    mine = "" if own is None or pd.isna(own) else f", {int(own)} with a schedule of its own"
    return f"{row[side]} {cost(median)} [{low}, {high}] ({counted}{mine})"


def markdown(table: pd.DataFrame) -> str:
    lines = ["| instance | question | left: median [range] | right: median [range] | answer |",
             "|---|---|---|---|---|"]  # fmt: skip
    for r in table.to_dict("records"):
        lines.append(f"| {r['dataset']} | {r['question']} | {_cell(r, 'left')} | "
                     f"{_cell(r, 'right')} | {r['answer']} |")  # fmt: skip
    return "\n".join(lines) + "\n"


SOLVERS_FILE = "solvers.csv"  # the per-solver table a later build may start from


def merged(medians: pd.DataFrame | None, base: pd.DataFrame | None) -> pd.DataFrame:
    """``medians`` (None: no run here) and, for each (instance, solver) with no run here,
    the committed row of ``base`` (a previous build's :data:`SOLVERS_FILE`): a solver's
    seeds are summarized either here or there, never mixed."""
    if medians is None or medians.empty:
        return base.copy()
    if base is None or base.empty:
        return medians
    here = set(zip(medians["dataset"], medians["solver"], strict=True))
    kept = base[[pair not in here for pair in zip(base["dataset"], base["solver"], strict=True)]]
    return pd.concat([medians, kept], ignore_index=True) if not kept.empty else medians


def write(results: list[Path], out: Path, base: Path | None = None) -> str:
    from schedbench.harness.tables import build_tables, finished

    frames = [finished(*build_tables(folder))[0] for folder in results
              if (folder / "runs").is_dir()]  # fmt: skip
    frames = [frame for frame in frames if not frame.empty]  # a run in flight is no result
    committed = pd.read_csv(base) if base is not None and base.is_file() else None
    if not frames and committed is None:
        raise SystemExit(f"no runs under {', '.join(map(str, results))}: run the "
                         "gaus_protocol experiments first")  # fmt: skip
    runs = pd.concat(frames, ignore_index=True) if frames else None
    here = with_own(solver_medians(runs), runs) if runs is not None else None
    medians = merged(here, committed)
    table = questions(medians)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "gaus_protocol.csv", index=False)
    columns = ["dataset", "solver", "family", "median", "low", "high", "runs", "schedules", "own"]
    medians[columns].sort_values(["dataset", "solver"]).to_csv(out / SOLVERS_FILE, index=False)
    text = ("# GauS's protocol\n\n" + (__doc__ or "").split("\n\n", 2)[2] + "\n"
            + markdown(table) + "\n## Every solver\n\n" + solver_markdown(medians))  # fmt: skip
    (out / "gaus_protocol.md").write_text(text)
    return text


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, nargs="+",
                        default=[Path("results/gaus_rcs"), Path("results/gaus_tcs")])  # fmt: skip
    parser.add_argument("--out", type=Path, default=Path("docs/results/gaus"))
    parser.add_argument("--base", type=Path, default=None,
                        help=f"a previous build's {SOLVERS_FILE}: solvers with no run in "
                        "--results keep its rows (e.g. docs/results/gaus/solvers.csv)")  # fmt: skip
    args = parser.parse_args(argv)
    print(write(args.results, args.out, args.base))


if __name__ == "__main__":
    main()
