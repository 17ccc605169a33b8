"""What moved between two builds of the paper's verdict (studies/icml24/moved.py)."""

from __future__ import annotations

import subprocess

import pandas as pd
import pytest

from schedbench.studies.icml24 import moved


def _runs(costs: dict[tuple[str, str], list[float]], bounds: dict[str, float]) -> pd.DataFrame:
    rows = [
        (f"{design}-{solver}-{seed}", design, solver, seed, cost, 60.0, 2, bounds[design])
        for (design, solver), draws in costs.items()
        for seed, cost in enumerate(draws)
    ]
    columns = ["run_key", "dataset", "solver", "seed", "best_cost", "budget", "threads",
               "best_known_bound"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def _registry(entries: dict[str, tuple[float, str, float, str]]) -> pd.DataFrame:
    rows = [(d, c, by, b, src) for d, (c, by, b, src) in entries.items()]
    return pd.DataFrame(rows, columns=["dataset", "best_cost", "cost_solver", "best_bound",
                                       "bound_source"])  # fmt: skip


def _claims(verdicts: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [(k, f"Sec. {k}", v) for k, v in verdicts.items()], columns=["key", "where", "verdict"]
    )


BEFORE = moved.Build(
    runs=_runs(
        {
            ("a", "list"): [100, 100, 100],
            ("a", "gauss"): [110, 111, 112],
            ("b", "local_search"): [50, 50, 50],
            ("b", "gauss"): [50, 50, 50],
            ("c", "list"): [200],
            ("c", "gauss"): [190],
        },
        {"a": 80, "b": 40, "c": 150},
    ),
    claims=_claims({"one": "holds", "two": "does not hold"}),
    registry=_registry(
        {
            "a": (100, "list", 80, "trivial"),
            "b": (50, "gauss", 40, "trivial"),
            "c": (190, "gauss", 150, "trivial"),
        }
    ),
)
AFTER = moved.Build(
    runs=_runs(
        {
            ("a", "list"): [100, 100, 100],
            ("a", "gauss"): [110, 111, 112],
            ("a", "nested_cuts"): [90, 91, 90],  # a: new schedules at the budget
            ("b", "local_search"): [50, 50, 50],
            ("b", "gauss"): [50, 50, 50],
            ("c", "list"): [200, 201, 199],
            ("c", "gauss"): [202, 205, 206],  # c: on three seeds gauss falls behind
        },
        {"a": 80, "b": 45, "c": 150},  # b: only the bound rose
    ),
    claims=_claims({"one": "holds", "two": "holds", "three": "holds"}),
    registry=_registry(
        {
            "a": (85, "nested_cuts", 82, "nested_bound"),
            "b": (50, "gauss", 45, "nested_bound"),
            "c": (190, "gauss", 150, "trivial"),
        }
    ),
)


def test_the_claims_whose_verdict_changed_are_listed_with_both_verdicts():
    changes = moved.claim_changes(BEFORE.claims, AFTER.claims).set_index("key")
    assert list(changes.index) == ["two", "three"]
    assert tuple(changes.loc["two", ["before", "after"]]) == ("does not hold", "holds")
    assert changes.loc["three", "before"] == "(new)"


def test_each_gap_is_put_down_to_schedules_a_bound_or_both():
    rows = moved.design_changes(BEFORE, AFTER).set_index("design")
    assert rows.loc["a", "registry moved by"] == "schedules and bound"
    assert rows.loc["a", "budget moved by"] == "schedules"
    assert rows.loc["a", "solver after"] == "nested_cuts"
    assert rows.loc["a", "gap at budget after"] == pytest.approx((90 - 80) / 90)
    assert rows.loc["b", "registry moved by"] == "bound"
    assert rows.loc["b", "budget moved by"] == "bound"
    assert rows.loc["c", "registry moved by"] == "-"
    assert rows.loc["c", "budget moved by"] == "cost rose"  # gauss 190, then list 200


def test_the_differentiable_family_is_counted_against_the_strongest_baseline():
    before = moved.differentiable_standing(BEFORE.runs)
    after = moved.differentiable_standing(AFTER.runs)
    # a: gauss behind list; b: a tie; c: ahead on one draw each (before), behind after
    assert dict(before) == {"behind": 1, "tie": 1, "ahead": 1}
    assert dict(after) == {"behind": 2, "tie": 1}


def test_the_section_names_the_revision_and_every_design():
    text = "\n".join(moved.markdown_lines(BEFORE, AFTER, "abc123"))
    assert text.startswith("## What moved since abc123")
    assert "Claims whose verdict changed: 2 of 3:" in text
    assert "| a | 100 -> 85 (nested_cuts) | 80 -> 82 |" in text
    assert "ahead 1 -> 0, tie 1 -> 1, within noise 0 -> 0, behind 1 -> 2" in text


def test_a_committed_build_is_read_from_git_and_a_bad_revision_is_one_line(tmp_path):
    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(tmp_path), *args], capture_output=True,
                              text=True, check=True)  # fmt: skip
        return done.stdout.strip()

    docs, registry = tmp_path / "docs", tmp_path / "best_known.csv"
    docs.mkdir()
    BEFORE.runs.to_parquet(docs / "runs.parquet")
    BEFORE.claims.to_csv(docs / "claims.csv", index=False)
    BEFORE.registry.to_csv(registry, index=False)
    git("init", "-q")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "before")
    rev = git("rev-parse", "HEAD")
    AFTER.registry.to_csv(registry, index=False)  # the working tree moves on
    read = moved.committed(rev, docs, registry)
    assert read.registry["best_cost"].tolist() == [100, 50, 190]
    assert len(read.runs) == len(BEFORE.runs) and read.claims["key"].tolist() == ["one", "two"]
    with pytest.raises(ValueError, match=r"cannot read .*runs\.parquet at 'nope'.*git log"):
        moved.committed("nope", docs, registry)
