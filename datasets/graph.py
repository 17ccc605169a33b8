"""The on-disk graph cache and the download helper every dataset uses.

Datasets build a validated :class:`~schedbench.graph.Graph` once (parsing GML, reading
AIGER, mapping with ABC); the cache stores it as an ``.npz`` keyed by everything that
determines it, so a sweep never re-parses or re-maps a design. A problem class's
parameters (L and R, unit counts) are applied when its instance is made.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from schedbench.graph import Graph, NodeNumbers, ProblemError

CACHE_FORMAT = 1  # bump when Graph's on-disk layout or a builder's output changes


def user_cache(variable: str, folder: str) -> Path:
    """The folder named by environment ``variable``, else ``$XDG_CACHE_HOME/schedbench/folder``."""
    env = os.environ.get(variable)
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "schedbench" / folder


def fetch(url: str, target: Path, advice: str, what: str = "", timeout: float = 60.0) -> Path:
    """``target``, downloaded once from ``url`` (through a partial file, so a failed or
    killed download leaves nothing half-written); offline, a one-line error naming the
    URL, where to put the file, and ``advice`` (the variable that points elsewhere)."""
    import urllib.error
    import urllib.request

    if target.is_file() and target.stat().st_size > 0:
        return target
    partial = target.with_name(f"{target.name}.part")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with urllib.request.urlopen(url, timeout=timeout) as response:
            partial.write_bytes(response.read())
        partial.replace(target)
    except (OSError, urllib.error.URLError) as err:
        partial.unlink(missing_ok=True)
        raise ProblemError(
            f"could not download {what}{url} ({err}); put the file at {target} or {advice}"
        ) from None
    return target


def cache_root() -> Path:
    """``SCHEDBENCH_CACHE_DIR`` or ``$XDG_CACHE_HOME/schedbench/graphs``."""
    return user_cache("SCHEDBENCH_CACHE_DIR", "graphs")


def cache_key(kind: str, **params: Any) -> str:
    """A stable file name for a graph built by ``kind`` with ``params``."""
    blob = json.dumps({"kind": kind, "format": CACHE_FORMAT, **params}, sort_keys=True, default=str)
    return f"{kind}-{hashlib.sha256(blob.encode()).hexdigest()[:16]}"


def save_graph(graph: Graph, path: Path) -> None:
    """Write atomically (temporary file, then rename) so a killed run leaves no torn file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(
                handle,
                name=np.array(graph.name),
                src=graph.src,
                dst=graph.dst,
                w=graph.w,
                c=graph.c,
                d=graph.d,
                labels=np.array(
                    [] if isinstance(graph.labels, NodeNumbers) else graph.labels, dtype=np.str_
                ),
                op_type=np.zeros(0, np.int64) if graph.op_type is None else graph.op_type,
                types=np.array(graph.types, dtype=np.str_),
            )
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_graph(path: Path) -> Graph:
    """Read a cached graph and validate it again (a file on disk is input like any other;
    merging repeated edges is a no-op on a graph that was built validated)."""
    with np.load(path, allow_pickle=False) as data:
        arrays = [data[k] for k in ("src", "dst", "w", "c", "d")]
        labels = data["labels"]
        names = NodeNumbers(arrays[2].size) if labels.size == 0 else tuple(labels.tolist())
        typed = "op_type" in data.files and data["op_type"].size > 0
        return Graph.from_arrays(
            arrays[2].size,
            *arrays,
            name=str(data["name"]),
            labels=names,
            op_type=data["op_type"] if typed else None,
            types=tuple(data["types"].tolist()) if typed else (),
            duplicates="merge",
        )


def cached(key: str, build: Callable[[], Graph]) -> Graph:
    """Return the cached graph for ``key``, building and storing it on a miss.

    A cache file that cannot be read (truncated, from an older format) is rebuilt.
    """
    path = cache_root() / f"{key}.npz"
    if path.is_file():
        try:
            return load_graph(path)
        except (OSError, ValueError, KeyError):
            path.unlink(missing_ok=True)
    graph = build()
    with contextlib.suppress(OSError):  # a read-only cache only costs speed
        save_graph(graph, path)
    return graph


def file_identity(path: Path) -> dict[str, Any]:
    """What makes a user file's cached graph stale: its path, size and content hash."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    return {"path": str(path.resolve()), "sha": digest}
