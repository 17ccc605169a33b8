"""The on-disk graph cache: bit-exact round trip, rebuilt when unreadable."""

from __future__ import annotations

import numpy as np

import schedbench.datasets.graph as graph_module
from schedbench.datasets import load
from schedbench.datasets.graph import cache_key, cached, load_graph, save_graph
from schedbench.datasets.synthetic import generate


def test_round_trip_is_bit_exact(tmp_path):
    original = generate(300, 1.4, 8, seed=5)
    path = tmp_path / "g.npz"
    save_graph(original, path)
    back = load_graph(path)
    assert back.name == original.name and back.labels == original.labels
    for key in ("src", "dst", "w", "c", "d"):
        a, b = getattr(original, key), getattr(back, key)
        assert a.dtype == b.dtype and np.array_equal(a, b)


def test_cached_builds_once_and_rebuilds_corrupt_files(tmp_path, monkeypatch):
    monkeypatch.setenv("SCHEDBENCH_CACHE_DIR", str(tmp_path))
    calls = []

    def build():
        calls.append(1)
        return generate(50, 1.2, 4, seed=1)

    key = cache_key("test", x=1)
    first = cached(key, build)
    second = cached(key, build)
    assert len(calls) == 1 and second.labels == first.labels
    (tmp_path / f"{key}.npz").write_bytes(b"truncated")
    cached(key, build)
    assert len(calls) == 2
    assert not list(tmp_path.glob("*.tmp"))


def test_registry_uses_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SCHEDBENCH_CACHE_DIR", str(tmp_path))
    load("rw4")
    assert len(list(tmp_path.glob("rw-*.npz"))) == 1
    monkeypatch.setattr(
        graph_module, "save_graph", lambda *a: (_ for _ in ()).throw(AssertionError)
    )
    assert load("rw4").n == 810  # served from the cache, nothing rebuilt or written
