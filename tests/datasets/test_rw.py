"""RW1-RW12 load from the pinned reference files with the paper's sizes and depths."""

from __future__ import annotations

import pytest

from schedbench.datasets import load, registry, rw


@pytest.mark.parametrize("name", list(rw.DESIGNS))
def test_rw_sizes_match_paper(name):
    problem = load(name)
    _, nodes, depth = rw.DESIGNS[name]
    assert (problem.n, problem.depth) == (nodes, depth)
    assert problem.stages == 10 and problem.ratio == 10
    assert registry.info(name).family == "rw"


def test_rw1_statistics():
    problem = load("rw1")
    assert problem.m == 2730
    assert 0.55 < (problem.w == 0).mean() < 0.65
    assert problem.w.max() <= 5000
    assert problem.labels[0] == "0"


def test_missing_file_without_network_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("SCHEDBENCH_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SCHEDBENCH_CACHE_DIR", str(tmp_path / "cache"))

    def offline(*args, **kwargs):
        raise OSError("network is unreachable")

    monkeypatch.setattr("urllib.request.urlopen", offline)
    with pytest.raises(
        Exception, match=r"could not download .*rand_graph_1000_1.gml.*SCHEDBENCH_DATA_DIR"
    ):
        load("rw1")
    assert not list(tmp_path.rglob("*.part"))


def test_settings_override():
    problem = load("rw4", stages=6, ratio=100)
    assert (problem.stages, problem.ratio) == (6, 100)
