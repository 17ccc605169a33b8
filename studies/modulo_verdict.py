"""The verdict of the modulo class from its results folder.

    python -m schedbench.studies.modulo_verdict --results results/verdict_modulo \\
        --out docs/results/modulo --docs docs/results

Writes the class's section of docs/results as every HLS class has it
(:func:`schedbench.studies.hls_verdict.write`: runs and points tables, figures, family
verdicts, the gradient's ablation, the report) and, from each run's incumbents, what
loop pipelining asks: ``loops.csv`` (per loop its MinII, the best II and length found,
the II each solver reaches, who proves what, and the loops nobody closes),
``applications.csv`` (per application and solver the share of loops at MinII, at MinII or
at a proved-optimal II, and proved optimal), ``runs_ii.csv`` (per run its II, whether
its II is proved, and when it first held a schedule at MinII) and the claim "the
differentiable modulo scheduler reaches MinII as often as the exact ones, and sooner",
tested with the families' noise rule (``studies.families``). "Sooner" is not testable on a
loop where the exact solver holds MinII before the differentiable one has its first
schedule: that difference is start-up (imports, the opening heuristic), not search. The
solvers part 2 of the protocol runs at three seeds count as seeded even where only seed
0 has run, so their wins and losses stay directions until their seeds are in.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from schedbench.harness.metrics import TIE_TOLERANCE
from schedbench.problems.modulo import LENGTH_SCALE
from schedbench.studies.families import MIN_SEEDS, as_direction, compare, family

ANCHOR = 0.99  # Fiege and Zipf (TRETS 2023): II = MinII or proved optimal on 99 %


def run_facts(runs: pd.DataFrame, results: Path) -> pd.DataFrame:
    """Per run: its II and length, whether its II is proved optimal (its bound reaches
    it) or the whole schedule is, and the time it first held a schedule at MinII (NaN:
    never) and at its final II, from ``incumbents.jsonl`` in its folder (``folder`` is
    relative to the ``results`` folder)."""
    from schedbench.harness.records import read_incumbents

    rows = []
    for run in runs.itertuples():
        curve = read_incumbents(results / run.folder / "incumbents.jsonl")
        min_ii, ii = int(run.min_ii), run.ii
        at = [c["t"] for c in curve if c.get("ii") is not None and c["ii"] <= min_ii]
        final = [c["t"] for c in curve if c.get("ii") is not None and c["ii"] == ii]
        bound = float(run.bound) if pd.notna(run.bound) else float(run.trivial_bound)
        rows.append({
            "loop": run.dataset, "solver": run.solver, "seed": run.seed,
            "family": family(run.solver), "status": run.status, "min_ii": min_ii,
            "ii": ii, "length": run.length,
            "bound": bound,
            "ii_proved": pd.notna(ii) and int(bound // LENGTH_SCALE) >= int(ii),
            "optimal": run.status == "optimal",
            "t_min_ii": min(at) if at else np.nan,
            "t_final_ii": min(final) if final else np.nan,
            "t_first": min(c["t"] for c in curve) if curve else np.nan,
            "wall_time": run.wall_time, "startup_time": run.startup_time,
        })  # fmt: skip
    return pd.DataFrame(rows)


SEEDS_EXPERIMENT = "verdict_modulo_seeds"  # part 2 of the protocol: seeds 1-2


def protocol_seeds() -> tuple[set[str], int]:
    """The solvers part 2 of the protocol runs at several seeds, and its number of runs
    (read from its experiment file, so the study and the protocol cannot drift apart)."""
    from importlib.resources import files

    from omegaconf import OmegaConf

    path = files("schedbench.conf") / "experiment" / f"{SEEDS_EXPERIMENT}.yaml"
    params = OmegaConf.load(str(path)).hydra.sweeper.params
    solvers, loops, seeds = (str(params[key]).split(",") for key in ("solver", "dataset", "seed"))
    return {s.strip() for s in solvers}, len(solvers) * len(loops) * len(seeds)


def _application(loop: str) -> str:
    return loop.split("/")[-2]


def loop_table(facts: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """Per loop (the registry's row in this class's terms): its MinII, the best II and
    length found, the best proved bound (as a cost, and as its II and length), each
    solver's median II, and who proves the II and the whole optimum ("open": nobody
    proves the best II)."""
    info = runs.drop_duplicates("dataset").set_index("dataset")
    solvers = sorted(facts["solver"].unique())
    rows = []
    for loop, mine in facts.groupby("loop", sort=False):
        found = mine.dropna(subset=["ii"])
        best_ii = int(found["ii"].min()) if len(found) else None
        at_best = found[found["ii"] == best_ii]
        proved_ii = sorted(set(mine.loc[mine["ii_proved"] & (mine["ii"] == best_ii), "solver"]))
        optimal = sorted(set(mine.loc[mine["optimal"], "solver"]))
        row = {
            "loop": loop, "application": _application(loop),
            "operations": int(info.loc[loop, "operations"]),
            "res_mii": int(info.loc[loop, "res_mii"]), "rec_mii": int(info.loc[loop, "rec_mii"]),
            "min_ii": int(info.loc[loop, "min_ii"]), "best_ii": best_ii,
            "best_length": int(at_best["length"].min()) if len(at_best) else None,
            "bound": int(mine["bound"].max()),
            "bound_ii": int(mine["bound"].max() // LENGTH_SCALE),
            "bound_length": int(mine["bound"].max() % LENGTH_SCALE),
            "ii_proved_by": "MinII" if best_ii == int(info.loc[loop, "min_ii"])
            else ", ".join(proved_ii) or "open",
            "optimal_by": ", ".join(optimal) or "-",
        }  # fmt: skip
        for solver in solvers:
            values = mine.loc[mine["solver"] == solver, "ii"].dropna()
            row[solver] = f"{values.median():g}" if len(values) else "-"
        rows.append(row)
    return pd.DataFrame(rows)


def application_table(facts: pd.DataFrame) -> pd.DataFrame:
    """Per application and solver (seed 0): loops, and the share at MinII, at MinII or a
    proved-optimal II, and proved optimal outright. A run its library refused (``skipped``:
    a size-limited licence) holds only the opening heuristic's schedule: not counted."""
    first = facts[(facts["seed"] == 0) & (facts["status"] != "skipped")].copy()
    first["application"] = first["loop"].map(_application)
    first["at_min"] = first["ii"] == first["min_ii"]
    first["met"] = first["at_min"] | first["ii_proved"]
    rows = []
    for (app, solver), mine in first.groupby(["application", "solver"]):
        rows.append({
            "application": app, "solver": solver, "loops": len(mine),
            "at MinII": f"{mine['at_min'].mean():.0%}",
            "MinII or II proved": f"{mine['met'].mean():.0%}",
            "proved optimal": f"{mine['optimal'].mean():.0%}",
        })  # fmt: skip
    return pd.DataFrame(rows)


def anchor_line(facts: pd.DataFrame) -> str:
    """The reference point: every loop scheduled, and II = MinII or II proved optimal
    by an exact solver of ours on at least 99 % of the loops."""
    from schedbench.datasets.modulo import loops as collection

    loops = facts["loop"].nunique()
    total = len(collection("chstone"))
    exact = facts[facts["family"] == "exact"]
    met = exact[(exact["ii"] == exact["min_ii"]) | exact["ii_proved"]]["loop"].nunique()
    scheduled = facts.dropna(subset=["ii"])["loop"].nunique()
    share = met / loops if loops else 0.0
    verdict = "met" if share >= ANCHOR and scheduled == loops else "not met"
    if loops < total:
        verdict += f" so far ({loops} of the {total} loops have runs)"
    return (
        f"Anchor (Oppermann et al. 2019; Fiege and Zipf 2023): {scheduled} of {loops} loops "
        f"scheduled; II = MinII or II proved optimal by an exact solver on {met} of {loops} "
        f"({share:.1%}; the target is {ANCHOR:.0%}): {verdict}."
    )


def coverage_line(facts: pd.DataFrame, runs: pd.DataFrame) -> str:
    """How much of the protocol these runs are: loops with runs against the collection,
    and loops where every solver of the sweep ran (a partial sweep says so)."""
    from schedbench.datasets.modulo import loops

    total = len(loops("chstone"))
    solvers = facts["solver"].nunique()
    complete = int((facts.groupby("loop")["solver"].nunique() == solvers).sum())
    ran = facts["loop"].nunique()
    state = "complete" if complete == total else "partial: the sweep resumes where it stopped"
    _, planned = protocol_seeds()
    later = int((facts["seed"] > 0).sum())
    seeds = "complete"
    if later < planned:
        seeds = "partial: until they are in, a seeded solver's win or loss is a direction"
    return (
        f"Coverage: {ran} of {total} ChStone loops have runs, {complete} with all {solvers} "
        f"solvers at seed 0 ({state}); seeds 1-2 (part 2, `{SEEDS_EXPERIMENT}`): {later} "
        f"of {planned} runs ({seeds}); {len(runs)} runs, "
        f"{runs['wall_time'].sum() / 3600:.1f} h of machine time."
    )


def _spread(values: pd.Series) -> pd.Series:
    return pd.Series({"median": values.median(), "low": values.min(), "high": values.max()})


def claim_table(facts: pd.DataFrame, tolerance: float = TIE_TOLERANCE) -> pd.DataFrame:
    """Per loop: does the best differentiable and the best exact solver reach MinII
    (median over seeds), and which gets there sooner (median time to a schedule at
    MinII with its range; ahead only when the ranges do not overlap). Runs their library
    refused (``skipped``) hold only the opening heuristic's schedule and do not count."""
    if "status" in facts:
        facts = facts[facts["status"] != "skipped"]
    rows = []
    for loop, mine in facts.groupby("loop", sort=False):
        sides = {}
        for name in ("differentiable", "exact"):
            best = None
            for _, runs in mine[mine["family"] == name].groupby("solver"):
                reach = (runs["ii"] == runs["min_ii"]).mean() >= 0.5
                times = runs["t_min_ii"].dropna()
                key = (not reach, times.median() if reach else np.inf)
                if best is None or key < best[0]:
                    best = (key, runs["solver"].iloc[0], reach, times, len(runs),
                            runs["t_first"].median())  # fmt: skip
            if best is not None:
                sides[name] = best
        if len(sides) < 2:
            continue
        (_, d_solver, d_reach, d_times, d_n, d_first) = sides["differentiable"]
        (_, e_solver, e_reach, e_times, e_n, _) = sides["exact"]
        sooner = "-"
        if d_reach and e_reach and e_times.median() < d_first:
            sooner = "start-up"  # exact had MinII before the differentiable had anything
        elif d_reach and e_reach:
            sooner = as_direction(compare(_spread(d_times), _spread(e_times), tolerance),
                                  min(d_n, e_n))  # fmt: skip
        rows.append({
            "loop": loop, "differentiable": d_solver, "reaches MinII": d_reach,
            "exact": e_solver, "exact reaches MinII": e_reach,
            "t differentiable (s)": f"{d_times.median():.2f}" if len(d_times) else "-",
            "t exact (s)": f"{e_times.median():.2f}" if len(e_times) else "-",
            "differentiable sooner": sooner, "seeds": f"{d_n}/{e_n}",
        })  # fmt: skip
    return pd.DataFrame(rows)


def claim_line(table: pd.DataFrame) -> str:
    """The claim's verdict in one paragraph."""
    if table.empty:
        return "The claim is untested: no loop has runs of both families."
    d, e = int(table["reaches MinII"].sum()), int(table["exact reaches MinII"].sum())
    often = d >= e
    tally = table["differentiable sooner"].value_counts()
    parts = ", ".join(f"{k} on {v}" for k, v in tally.items() if k != "-")
    column = table["differentiable sooner"]
    both = int((column != "-").sum())
    startup = int((column == "start-up").sum())
    testable = both - startup
    results = testable - int(column.str.endswith("(direction)").sum())
    sooner = int((column == "ahead").sum())  # ahead on three seeds or more, ranges apart
    holds = often and results > 0 and sooner > testable / 2
    verdict = "holds" if holds else "not supported"
    if not often:
        reason = f": less often ({d} against {e})"
    elif both and (not results or startup > both / 2):  # mostly start-up: no verdict on time
        verdict = "not testable here"
        reason = (
            f": as often; of the {both} loops both reach, {startup} are decided by start-up "
            f"(the exact solver holds MinII before the differentiable one's first schedule); "
            f"on the other {testable}, where the times measure search, the differentiable one "
            f"is sooner on {sooner} ({testable - results} of them on fewer than {MIN_SEEDS} "
            "seeds: directions)"
        )
    elif holds or not both:
        reason = ""
    else:
        reason = (
            f": as often, but sooner on only {sooner} of the {testable} loops where the "
            "times measure search"
        )
    return (
        f"Claim (after GauS, arXiv 2602.20427, the first differentiable modulo scheduler): "
        f"the differentiable modulo scheduler reaches MinII as often as the exact "
        f"ones, and sooner: **{verdict}**{reason}. On {len(table)} loops the best "
        f"differentiable solver reaches MinII on {d}, the best exact one on {e}. Where both "
        f"reach it, the differentiable one's time to MinII against the exact one's: "
        f"{parts or 'none'}. Times are from each run's clock; start-up marks a loop where "
        "the exact solver holds MinII before the differentiable one's first schedule (which "
        "waits for torch to load and for the opening heuristic): there the difference is "
        f"start-up, not search ({startup} of the {both})."
    )


EXACT_TIES = 0.0  # costs are whole numbers II * 10^6 + length: a tie is an equal cost (the
# other classes' relative 1e-4 would call lengths up to 100 * II cycles apart equal)


def write(results: Path, out: Path, tolerance: float = EXACT_TIES,
          docs: Path | None = None) -> Path:  # fmt: skip
    """The class's section (see the module docstring); returns ``verdict.md``'s path."""
    from schedbench.harness.figures import main_budget, markdown
    from schedbench.harness.tables import build_tables, finished
    from schedbench.studies import hls_verdict

    path = hls_verdict.write(results, out, None, tolerance, docs, seeded=protocol_seeds()[0])
    runs, points = finished(*build_tables(results))
    at_budget, _ = main_budget(runs, points)
    facts = run_facts(at_budget, results)
    facts.to_csv(out / "runs_ii.csv", index=False)
    loops = loop_table(facts, at_budget)
    loops.to_csv(out / "loops.csv", index=False)
    apps = application_table(facts)
    apps.to_csv(out / "applications.csv", index=False)
    claim = claim_table(facts, tolerance)
    claim.to_csv(out / "claim.csv", index=False)
    still_open = loops[loops["ii_proved_by"] == "open"]
    generic = (
        path.read_text()
        .replace("schedbench.studies.hls_verdict", "schedbench.studies.modulo_verdict")
        .splitlines()
    )
    text = [
        "# The modulo class's verdict (HatScheT's ChStone loops at 60 s)\n",
        coverage_line(facts, at_budget) + " Only the ChStone loops are in the protocol "
        "(`modulo/chstone200/...` and `modulo/circt/...` are not). Ties are equal costs "
        "(II and length both equal).\n",
        anchor_line(facts) + " The anchor: Oppermann et al. (TRETS 2019) prove the optimal "
        "II of 179 of 188 loops with an ILP, Fiege and Zipf (TRETS 2023) schedule every "
        "loop and prove 99 % throughput-optimal at 10 min per II; no per-loop table is "
        "published, so MinII (or a proved II) is the reference.\n",
        claim_line(claim) + " Per loop: `claim.csv`.\n",
        *generic[1:],
        "\n## Loop pipelining: per application, and the loops left open\n",
        "### Per application and solver (seed 0)\n",
        markdown(apps),
        f"\n### Loops nobody closes ({len(still_open)}: no run proves its best II)\n",
        markdown(still_open[["loop", "operations", "min_ii", "best_ii", "best_length"]])
        if len(still_open)
        else "None.",
        "\nPer loop (bounds, the II each solver reaches, who proves it): `loops.csv`.",
    ]
    path.write_text("\n".join(text) + "\n")
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=Path("results/verdict_modulo"))
    parser.add_argument("--out", type=Path, default=Path("docs/results/modulo"))
    parser.add_argument("--docs", type=Path, default=None)
    parser.add_argument("--tie-tolerance", type=float, default=EXACT_TIES)
    args = parser.parse_args(argv)
    print(write(args.results, args.out, args.tie_tolerance, args.docs).read_text())


if __name__ == "__main__":
    main()
