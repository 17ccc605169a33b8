"""What every status and every column of the results tables means, for people.

``python -m schedbench.harness.columns`` prints the Markdown page ``docs/columns.md``
(a test keeps the committed page equal to it, and every column the tables write
documented here).
"""

from __future__ import annotations

# status code in the records -> (what a user reads, what it means)
STATUSES: dict[str, tuple[str, str]] = {
    "optimal": (
        "optimal",
        "finished with a schedule whose cost equals a bound the solver proved, or the "
        "harness stopped it when its schedule met a proved lower bound (the class's own or "
        "the best-known registry's: nothing can beat it, so its cost at the budget is the "
        "same)",
    ),
    "feasible": (
        "finished, feasible",
        "finished before the budget with a schedule, optimality not proven (heuristics "
        "that end on their own, and the harness's ASAP reference)",
    ),
    "timeout": (
        "budget reached",
        "the normal end of an anytime run: the budget ran out; the best schedule found by "
        "then is kept (best_cost), or there was none (best_cost empty)",
    ),
    "no_solution": (
        "no schedule",
        "finished without a schedule, or proved that none exists",
    ),
    "skipped": (
        "skipped",
        "could not run here (a package missing, a licence's size limit, not enough "
        "memory); message says why, and nothing was attempted",
    ),
    "error": (
        "error",
        "the library failed, or reported a schedule the evaluator rejected; message says "
        "what happened",
    ),
    "stopped": (
        "stopped",
        "a portfolio member the run stopped (another member's event, or it trailed the "
        "leader past its patience); in the record's members, never a run's own status",
    ),
    "interrupted": (
        "interrupted",
        "the sitting was stopped while the run was in flight; the run is rerun when the "
        "sweep resumes and never counts in a table",
    ),
}


def status_words(code: str) -> str:
    """The user's reading of a status code ('budget reached' for 'timeout')."""
    return STATUSES.get(code, (code, ""))[0]


RUN_COLUMNS: dict[str, str] = {
    "dataset": "the design's name (or dataset.label)",
    "solver": "the solver configuration (conf/solver/<name>.yaml); `@cuda`: run on a GPU",
    "backend": "the back-end module that ran (a composition names its members)",
    "formulation": "the exact model (`paper` or `compact`) where the back-end has one",
    "seed": "the run's seed",
    "status": "how the run ended: one of the status codes below",
    "class": "the instance's problem class (icml24, rcs, tcs, or a plugin's): what cost, "
    "bound and the class's columns mean, below",
    "best_cost": "the best schedule's cost in its class's unit, re-checked by the "
    "evaluator (empty: no schedule)",
    "peak": "icml24: the best schedule's peak stage memory (a cost term)",
    "comm": "icml24: the best schedule's communication (stage boundaries crossed)",
    "bound": "the best lower bound the solver itself proved (empty: none)",
    "trivial_bound": "the class's own lower bound before any run",
    "time_to_best": "seconds from the clock's start to the best schedule",
    "rejected": "schedules the solver reported that the evaluator rejected (any: the run is "
    "an error; message gives the first reason)",
    "budget": "the wall-clock budget in seconds (imports and model building count)",
    "interval": "seconds between the sampling points of the best-so-far curve",
    "threads": "threads the run was given",
    "n": "nodes (operations, items): what a schedule assigns",
    "m": "edges",
    "depth": "icml24: nodes on a longest path; rcs, tcs: the critical path in cycles",
    "stages": "icml24: L, the number of stages; tcs: T, the latency bound in cycles",
    "ratio": "icml24: R, the price of peak memory in communication units",
    "total_weight": "icml24: sum of the node weights; rcs, tcs: summed delays",
    "asap_cost": "the cost of the class's reference schedule (the common reference)",
    "wall_time": "seconds the run took, start-up included",
    "build_time": "seconds the back-end spent building its model",
    "startup_time": "seconds from the clock's start to the search's: imports and model build",
    "peak_memory_gb": "the solver process's peak resident memory",
    "version": "the library's version",
    "message": "what the solver said (epochs run, why it was skipped, an error)",
    "command": "the command line that reruns this run",
    "folder": "the run's folder under the results folder",
    "run_key": "the run's identity: a hash of its configuration and the back-end's revision",
    "problem_digest": "a hash of the instance (graph, L, R): equal digests, equal instances",
    "best_known_bound": "B: the best lower bound known for the instance (registry, this "
    "folder's runs, the LP)",
    "gap": "(best_cost - B) / best_cost, a fraction (the tables print it in %)",
    "first_incumbent_time": "seconds to the first schedule",
    "first_cost": "the first schedule's cost",
    "primal_integral": "area under the gap curve over the budget, divided by the budget "
    "(1 before the first schedule; 0 is optimal from the start)",
    "time_to_1pct": "seconds until the gap is at most 1 % (empty: never)",
    "git_commit": "the code's commit",
    "cpu": "the processor",
    "device": "`cpu` or `cuda`: where the solver ran",
    "python": "the Python version",
    "versions": "the libraries' versions (JSON)",
    "config": "the run's full configuration (JSON)",
}

POINT_COLUMNS: dict[str, str] = {
    "t": "seconds: the sampling point (0, interval, ..., budget)",
    "best_cost": "the best cost found by t (empty before the first schedule)",
    "peak": "that schedule's peak",
    "comm": "that schedule's communication",
    "best_known_bound": "B, as in the runs table",
    "status": "the run's status",
    "norm_paper": "best_cost(t) / the run's first schedule's cost (the paper's figures)",
    "norm_asap": "best_cost(t) / the ASAP schedule's cost",
    "gap": "(best_cost(t) - B) / best_cost(t), a fraction",
}


def page() -> str:
    """docs/columns.md: the statuses, then the runs and points tables' columns."""
    lines = [
        "# Statuses and columns of the results tables",
        "",
        "Generated by `python -m schedbench.harness.columns`; do not edit by hand.",
        "",
        "## Statuses",
        "",
        "| code in the tables | reads as | meaning |",
        "|---|---|---|",
        *(f"| `{code}` | {words} | {meaning} |" for code, (words, meaning) in STATUSES.items()),
        "",
        "## `runs.csv` / `runs.parquet`: one row per run",
        "",
        "| column | meaning |",
        "|---|---|",
        *(f"| `{name}` | {meaning} |" for name, meaning in RUN_COLUMNS.items()),
        "",
        *class_sections(),
        "## `points.csv` / `points.parquet`: each run's best-so-far at every sampling point",
        "",
        "The run's `dataset`, `solver`, `formulation`, `seed`, `run_key`, `stages` and "
        "`ratio`, then:",
        "",
        "| column | meaning |",
        "|---|---|",
        *(f"| `{name}` | {meaning} |" for name, meaning in POINT_COLUMNS.items()),
        "",
    ]
    return "\n".join(lines)


def class_sections() -> list[str]:
    """Per installed class: its cost and unit, and what its columns mean there."""
    from schedbench import classes

    lines = ["## Per class", ""]
    for plugin in classes.classes().values():
        lines += [
            f"### `{plugin.name}`: {plugin.title}",
            "",
            f"Cost: {plugin.cost} (unit: {plugin.unit}); statement: {plugin.statement}.",
            "",
            "| column | in this class |",
            "|---|---|",
            *(f"| `{name}` | {meaning} |" for name, meaning in plugin.columns.items()),
            *(f"| `{name}` | cost term: {meaning} |" for name, meaning in plugin.terms.items()),
            *(f"| `{name}` | {meaning} |" for name, meaning in plugin.facts.items()),
            "",
        ]
    return lines


if __name__ == "__main__":
    print(page(), end="")
