"""Our RCS solvers against HeuriGym's published reference latencies.

    python -m schedbench.studies.heurigym --results results/heurigym --out docs/results/heurigym

Reads the results folder's runs (``+experiment=heurigym``) and writes ``table.md`` and
``table.csv``: per instance its size, the reference latency, our best latency and the
solvers that reach it, whether it is proved optimal (else the best bound), and the verdict:
reproduced, beaten, or behind by how many cycles.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from schedbench.datasets import heurigym
from schedbench.studies import published_values_main


def verdict_table(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per HeuriGym instance that has runs, in HeuriGym's order."""
    rows = []
    runs = runs[runs["dataset"].str.startswith(heurigym.PREFIX)]
    for name in heurigym.NAMES:
        mine = runs[runs["dataset"] == heurigym.PREFIX + name]
        if mine.empty:
            continue
        reference = heurigym.reference_latency(name)
        found = mine.dropna(subset=["best_cost"])
        best = float(found["best_cost"].min()) if not found.empty else np.nan
        bound = float(mine["best_known_bound"].max())
        winners = sorted(set(found[found["best_cost"] == best]["solver"]))
        if np.isnan(best):
            verdict = "no schedule"
        elif best < reference:
            verdict = f"beaten by {reference - best:g}"
        elif best == reference:
            verdict = "reproduced"
        else:
            verdict = f"behind by {best - reference:g}"
        rows.append(
            {
                "instance": name,
                "n": int(mine["n"].iloc[0]),
                "reference": reference,
                "ours": None if np.isnan(best) else int(best),
                "by": ", ".join(winners),
                "proved": "optimal" if best == bound else f"bound {bound:g}",
                "verdict": verdict,
            }
        )
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> None:
    published_values_main(
        argv, "heurigym", "heurigym", verdict_table, "table",
        "HeuriGym operator scheduling: our best latency against the published reference",
    )  # fmt: skip


if __name__ == "__main__":
    main()
