"""Which designs share a panel of the curve figures."""

from __future__ import annotations

import pandas as pd

from schedbench.harness.figures import design_panels


def points_of(designs: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"dataset": designs})


def test_one_panel_per_design_in_natural_order():
    assert list(design_panels(points_of(["rw10", "rw2", "adder"]))) == ["adder", "rw2", "rw10"]


def test_many_loops_share_their_folders_panel():
    loops = [f"modulo/chstone/{app}/graph{i}" for app in ("jpeg", "sha") for i in range(1, 6)]
    panels = design_panels(points_of(loops), most=8)
    assert panels == {
        "modulo/chstone/jpeg (5)": [f"modulo/chstone/jpeg/graph{i}" for i in range(1, 6)],
        "modulo/chstone/sha (5)": [f"modulo/chstone/sha/graph{i}" for i in range(1, 6)],
    }


def test_designs_of_one_folder_keep_their_own_panels():
    """Grouping that would leave one panel draws nothing useful: per design instead."""
    designs = [f"eds/arf_{f}" for f in ("1.0", "1.5", "2.0")]
    assert len(design_panels(points_of(designs), most=2)) == 3
