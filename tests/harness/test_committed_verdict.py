"""docs/results regenerates unchanged: the claims, gap table, registry listing and
README that the code builds from the committed tables are the committed ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from schedbench.studies.icml24.verdict import build

DOCS = Path(__file__).resolve().parents[2] / "docs" / "results"
FILES = ("claims.md", "claims.csv", "gap_table.md", "registry.md", "README.md", "runs.csv")


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    root = tmp_path_factory.mktemp("verdict")
    (root / "results").mkdir()
    build(root / "results", root / "out", registry=False, base=DOCS)
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
