"""Table 1: all 24 rows; RW rows and adder, bar, max, voter match the paper exactly."""

from __future__ import annotations

from schedbench.datasets.table1 import ROWS, main, table1


def test_table1_rows(tmp_path, capsys):
    main(["--out", str(tmp_path)])
    printed = capsys.readouterr().out
    assert len(ROWS) == 24
    for name in ROWS:
        assert name in printed
    frame = table1()
    exact = frame[
        frame.design.str.startswith("rw") | frame.design.isin(["adder", "bar", "max", "voter"])
    ]
    assert len(exact) == 16
    assert (exact.nodes == exact.paper_nodes).all() and (exact.depth == exact.paper_depth).all()
    assert (tmp_path / "table1.csv").is_file() and (tmp_path / "table1.md").is_file()
