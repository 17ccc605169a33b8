"""docs/results regenerates unchanged: the claims, gap table, registry listing and
README that the code builds from the committed tables are the committed ones."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from schedbench.studies.icml24 import moved
from schedbench.studies.icml24.verdict import build

DOCS = Path(__file__).resolve().parents[2] / "docs" / "results"
FILES = ("claims.md", "claims.csv", "gap_table.md", "registry.md", "README.md", "runs.csv")


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    root = tmp_path_factory.mktemp("verdict")
    (root / "results").mkdir()
    # the README's "What moved" section compares with a commit: rebuilt from the same one
    since = re.search(r"^## What moved since (\S+)$", (DOCS / "README.md").read_text(), re.M)
    if since:
        try:
            moved.committed(since[1], DOCS)
        except ValueError as err:  # a shallow clone without that commit
            pytest.skip(f"the committed README compares with a commit this clone lacks: {err}")
    build(root / "results", root / "out", registry=False, base=DOCS, since=since and since[1])
    return root / "out"


@pytest.mark.parametrize("name", FILES)
def test_the_committed_verdict_regenerates_unchanged(rebuilt, name):
    assert (rebuilt / name).read_text() == (DOCS / name).read_text(), (
        f"docs/results/{name} differs from what the code builds from the committed tables; "
        "rebuild with make verdict-docs BASE=docs/results and review the change"
    )


def test_the_committed_class_verdict_regenerates_unchanged(tmp_path):
    from schedbench.studies import classes

    rebuilt = classes.write(DOCS, tmp_path / "classes.md")
    assert rebuilt.read_text() == (DOCS / "classes.md").read_text(), (
        "docs/results/classes.md differs from what the code builds from the committed "
        "tables; rebuild with python -m schedbench.studies.classes and review the change"
    )
