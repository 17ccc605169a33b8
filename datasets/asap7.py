"""The ASAP7 standard cells the paper mapped its "(M)" designs to, as one Liberty file.

The public ASAP7 7.5-track library (The-OpenROAD-Project/asap7sc7p5t_28, BSD-3-Clause)
ships one 7-zip compressed Liberty file per cell family. ABC maps onto the combinational
families SIMPLE, INVBUF, AO and OA (regular Vt, typical corner, NLDM): their cells are
merged into one ``library`` group (header and templates of the first, which the others
share) and the merged file is cached under ``SCHEDBENCH_CACHE_DIR``.

The compressed files are read from ``SCHEDBENCH_ASAP7_DIR/<commit>/LIB/NLDM/`` (default
``$XDG_CACHE_HOME/schedbench/asap7``), downloaded there on first use from the
repository at a pinned commit; offline, a missing file is a one-line error.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from schedbench.datasets.graph import cache_root, fetch, user_cache
from schedbench.problems.icml24 import ProblemError

REPOSITORY = "The-OpenROAD-Project/asap7sc7p5t_28"
COMMIT = "f970bd3c3292b79ae4d022a3ec80533534614066"
URL = "https://raw.githubusercontent.com/{repo}/{commit}/LIB/NLDM/{file}"
# the combinational families, in merge order (the first one's header is kept)
FILES = (
    "asap7sc7p5t_SIMPLE_RVT_TT_nldm_211120.lib.7z",
    "asap7sc7p5t_INVBUF_RVT_TT_nldm_220122.lib.7z",
    "asap7sc7p5t_AO_RVT_TT_nldm_211120.lib.7z",
    "asap7sc7p5t_OA_RVT_TT_nldm_211120.lib.7z",
)
CELL = "\n  cell ("  # a cell group at the library's top level, as these files indent it


def data_root() -> Path:
    """``SCHEDBENCH_ASAP7_DIR`` or ``$XDG_CACHE_HOME/schedbench/asap7``."""
    return user_cache("SCHEDBENCH_ASAP7_DIR", "asap7")


def archive(file: str, *, timeout: float = 120.0) -> Path:
    """Local path of one compressed Liberty file, downloaded once if it is missing."""
    return fetch(
        URL.format(repo=REPOSITORY, commit=COMMIT, file=file),
        data_root() / COMMIT / "LIB" / "NLDM" / file,
        "set SCHEDBENCH_ASAP7_DIR to a folder holding <commit>/LIB/NLDM/*.lib.7z, or map to "
        "the built-in cells with dataset.params.library=genlib",
        what="the ASAP7 cells ",
        timeout=timeout,
    )


def decompress(path: Path) -> str:
    """The Liberty text inside one ``.lib.7z`` archive."""
    import py7zr

    with tempfile.TemporaryDirectory(prefix="schedbench-asap7-") as tmp:
        with py7zr.SevenZipFile(path, "r") as handle:
            handle.extractall(tmp)
        [lib] = [p for p in Path(tmp).rglob("*.lib")]
        return lib.read_text()


def merge(texts: list[str]) -> str:
    """One Liberty library with the cells of every text: the first's header (units,
    operating conditions, table templates), then each text's cell groups."""
    bodies, header = [], None
    for text in texts:
        start, end = text.find(CELL), text.rstrip().rfind("}")
        if start < 0 or end < start:
            raise ProblemError("an ASAP7 Liberty file has no top-level cell groups")
        header = text[:start] if header is None else header
        bodies.append(text[start:end])
    return f"{header}{''.join(bodies)}\n}}\n"


def liberty() -> Path:
    """The merged ASAP7 Liberty file (built once, then read from the cache)."""
    key = hashlib.sha256(f"{COMMIT}:{':'.join(FILES)}".encode()).hexdigest()[:16]
    target = cache_root() / f"asap7-{key}.lib"
    if target.is_file() and target.stat().st_size > 0:
        return target
    text = merge([decompress(archive(file)) for file in FILES])
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.part")
    partial.write_text(text)
    partial.replace(target)  # atomic: a concurrent run reads a whole file or builds its own
    return target
