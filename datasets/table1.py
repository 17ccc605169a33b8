"""Table 1 of the paper: sizes and depths of the 24 designs, beside the paper's values.

``python -m schedbench.datasets.table1 [--out DIR]`` prints the table and writes
``table1.csv`` and ``table1.md`` (default ``results/``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from schedbench.datasets import epfl, registry, rw

ROWS = [*rw.DESIGNS, *epfl.PAPER_DESIGNS, *(f"{d}_m" for d in epfl.PAPER_DESIGNS)]


def table1(rows: list[str] | None = None) -> pd.DataFrame:
    """One row per design: measured |V|, |E|, depth, total weight, paper's |V| and depth."""
    records = []
    for name in rows or ROWS:
        started = time.perf_counter()
        problem = registry.load(name)
        entry = registry.info(name)
        records.append(
            {
                "design": name,
                "family": entry.family,
                "nodes": problem.n,
                "edges": problem.m,
                "depth": problem.depth,
                "total_weight": int(problem.w.sum()),
                "paper_nodes": entry.paper_nodes,
                "paper_depth": entry.paper_depth,
                "load_s": round(time.perf_counter() - started, 3),
            }
        )
    frame = pd.DataFrame.from_records(records)
    frame["nodes_diff"] = frame["nodes"] - frame["paper_nodes"]
    frame["depth_diff"] = frame["depth"] - frame["paper_depth"]
    return frame


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("results"),
        help="folder for table1.csv and table1.md (default: results/)",
    )
    args = parser.parse_args(argv)
    frame = table1()
    shown = frame.drop(columns=["load_s"])
    print(shown.to_string(index=False))
    args.out.mkdir(parents=True, exist_ok=True)
    frame.to_csv(args.out / "table1.csv", index=False)
    (args.out / "table1.md").write_text(
        shown.to_markdown(index=False) + "\n" if _has_tabulate() else _markdown(shown)
    )
    print(f"wrote {args.out / 'table1.csv'} and {args.out / 'table1.md'}")


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


def _markdown(frame: pd.DataFrame) -> str:
    """A GitHub table without the optional tabulate dependency."""
    cells = frame.astype(object).where(frame.notna(), "")
    header = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in cells.itertuples(index=False)]
    return "\n".join([header, rule, *body]) + "\n"


if __name__ == "__main__":
    main()
