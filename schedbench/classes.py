"""Problem classes as plugins: what an instance offers the harness, what a class registers,
and how classes are found.

A class is a :class:`ProblemClass` published under the entry-point group
``schedbench.classes`` (the three shipped classes register the same way, in
pyproject.toml). The harness, the records, the tables and the report read instances only
through :class:`Instance`; dataset names, instance files and solver names route through
the class that owns them. docs/classes.md is the contract in words.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from schedbench.node_arrays import ProblemError

GROUP = "schedbench.classes"


class Checked(Protocol):
    """One schedule checked by its class: feasible, its cost, and why not (one line)."""

    feasible: bool
    cost: float

    def reason(self) -> str: ...


class Batch(Protocol):
    """A batch of B schedules evaluated by their class: [B] arrays."""

    feasible: np.ndarray
    cost: np.ndarray

    @property
    def terms(self) -> Mapping[str, np.ndarray]:
        """The named cost terms ([B] each) that a record and an incumbent carry."""
        ...

    def best(self) -> int | None:
        """Index of the cheapest feasible schedule, or None."""
        ...


@runtime_checkable
class Instance(Protocol):
    """What the harness reads of an instance of any class (the instance is pickled to the
    solver process, so it must pickle)."""

    CLASS: str  # the owning ProblemClass's name
    integral_costs: bool  # every cost a whole number: bounds round up

    @property
    def name(self) -> str: ...
    @property
    def n(self) -> int: ...  # what a schedule assigns (nodes, operations, items)
    @property
    def m(self) -> int: ...
    @property
    def labels(self) -> Sequence[Any]: ...  # each of the n, as the input named it
    @property
    def digest(self) -> str: ...  # equal digests: equal instances (a run's key uses it)
    @property
    def trivial_lower_bound(self) -> float: ...  # the class's own bound, before any run
    @property
    def reference_schedule(self) -> np.ndarray: ...  # a feasible schedule every curve can divide by

    def evaluate(self, schedules: Any) -> Batch: ...
    def report(self, schedule: Any) -> Checked: ...
    def facts(self) -> dict[str, Any]: ...  # the record's instance columns (ProblemClass.facts)


@dataclass(frozen=True)
class Dataset:
    """A named instance (or family) a class owns: ``load(**settings, **params)``.

    ``params`` lists the dataset's parameters with their defaults; None means the loader
    checks its own (a file reader's options)."""

    name: str
    load: Callable[..., Any]
    about: str = ""
    params: Mapping[str, Any] | None = field(default_factory=dict)
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProblemClass:
    """A problem class as the harness knows it (one object per class, an entry point)."""

    name: str  # e.g. "rcs": the instances' CLASS, the runs table's ``class``
    title: str  # e.g. "resource-constrained minimum latency"
    cost: str  # what the cost is, in words (e.g. "latency in cycles")
    unit: str  # the cost's unit on the run line (e.g. "cycles")
    statement: str  # where the statement is (a docs page or a URL)
    terms: Mapping[str, str]  # cost term -> meaning (each is a record and incumbent field)
    facts: Mapping[str, str]  # instance fact -> meaning (Instance.facts(); n and m first)
    columns: Mapping[str, str] = field(default_factory=dict)  # shared columns, read here
    settings: tuple[str, ...] = ()  # run-level settings it takes (the paper's: stages, ratio)
    catalogue: Callable[[], Sequence[Dataset]] = tuple
    readers: Mapping[str, Callable[..., Any]] = field(default_factory=dict)  # suffix -> reader
    solvers: Mapping[str, str] = field(default_factory=dict)  # solver name -> module path
    schedule: str = "stage"  # a schedule file's value column (node,<schedule>)
    primary: tuple[str, ...] = ()  # suffixes it takes when other classes read them too
    # how a report pictures progress: "gap" curves, or for small integer costs (where a
    # gap jumps between 0 and tens of percent) the "share" of instances at the best known
    picture: str = "gap"

    @cached_property
    def datasets(self) -> dict[str, Dataset]:
        """Every dataset name (and alias) the class owns."""
        out: dict[str, Dataset] = {}
        for entry in self.catalogue():
            for name in (entry.name, *entry.aliases):
                out[name] = entry
        return out

    def load(self, name: str, settings: Mapping[str, Any], params: Mapping[str, Any]) -> Any:
        """The instance ``name`` stands for, with the class's settings and its parameters;
        a setting the class lacks or a parameter the dataset lacks is a one-line error."""
        entry = self.datasets[name]
        given = self._settings(f"dataset {name!r}", settings)
        if entry.params is not None:
            unknown = sorted(set(params) - set(entry.params))
            if unknown:
                takes = ", ".join(entry.params) if entry.params else "no parameters"
                raise ProblemError(
                    f"dataset {name!r} has no parameter {unknown[0]!r}; it takes {takes} "
                    f"(dataset.params.<name>=<value>)"
                )
        return entry.load(**given, **params)

    def read(self, path: Path, settings: Mapping[str, Any], params: Mapping[str, Any]) -> Any:
        """An instance from a file of one of the class's formats."""
        reader = self.readers.get(path.suffix.lower())
        if reader is None:
            raise ProblemError(
                f"class {self.name!r} reads {', '.join(self.readers) or 'no files'}, not "
                f"{path.suffix or 'a file without a suffix'} ({path.name})"
            )
        return reader(path, **self._settings(f"file {path.name!r}", settings), **params)

    def _settings(self, what: str, settings: Mapping[str, Any]) -> dict[str, Any]:
        """The settings given (not None); one the class lacks is a one-line error."""
        given = {k: v for k, v in settings.items() if v is not None}
        foreign = sorted(set(given) - set(self.settings))
        if foreign:
            has = f"its settings are {', '.join(self.settings)}" if self.settings else "it has none"
            raise ProblemError(
                f"{what} is of class {self.name}, which has no setting {foreign[0]!r} ({has}); "
                f"drop {foreign[0]}={given[foreign[0]]}"
            )
        return given


@cache
def classes() -> dict[str, ProblemClass]:
    """Every installed class by name, from the ``schedbench.classes`` entry points."""
    found: dict[str, ProblemClass] = {}
    for point in entry_points(group=GROUP):
        try:
            plugin = point.load()
        except Exception as err:  # a broken plugin names itself, and nothing else breaks
            raise ProblemError(
                f"problem class entry point {point.name!r} ({point.value}) cannot be loaded: "
                f"{type(err).__name__}: {err}"
            ) from None
        if not isinstance(plugin, ProblemClass):
            raise ProblemError(
                f"entry point {point.name!r} ({point.value}) is not a "
                "schedbench.classes.ProblemClass; see docs/classes.md"
            )
        found[plugin.name] = plugin
    if not found:
        raise ProblemError(
            "no problem classes are installed (the entry points of group schedbench.classes "
            "are missing); reinstall schedbench: pip install -e . (or make install)"
        )
    return found


def get(name: str) -> ProblemClass:
    """The class ``name``; an unknown one is a one-line error naming the installed ones."""
    known = classes()
    if name not in known:
        raise ProblemError(f"unknown problem class {name!r}; installed: {', '.join(known)}")
    return known[name]


def of(instance: Any) -> ProblemClass:
    """The class an instance belongs to."""
    name = getattr(instance, "CLASS", None)
    if not isinstance(name, str):
        raise ProblemError(
            f"{type(instance).__name__} is not an instance of a problem class (it has no "
            "CLASS); see docs/classes.md"
        )
    return get(name)


@cache
def _owners() -> dict[str, ProblemClass]:
    owners: dict[str, ProblemClass] = {}
    for plugin in classes().values():
        for name in plugin.datasets:
            if name in owners:
                raise ProblemError(
                    f"dataset {name!r} is claimed by classes {owners[name].name!r} and "
                    f"{plugin.name!r}; a plugin must use names of its own"
                )
            owners[name] = plugin
    return owners


def dataset_names(cls: str | None = None) -> list[str]:
    """Every dataset name (aliases included), optionally of one class."""
    return [k for k, v in _owners().items() if cls is None or v.name == cls]


def find_owner(name: str) -> ProblemClass | None:
    """The class that owns dataset ``name``, or None."""
    return _owners().get(name)


def owner(name: str) -> ProblemClass:
    """The class that owns dataset ``name``; an unknown name lists the collections."""
    found = find_owner(name)
    if found is None:
        import difflib

        near = difflib.get_close_matches(name, list(_owners()), n=1, cutoff=0.7)
        hint = f"did you mean {near[0]!r}? " if near else ""
        raise ProblemError(
            f"unknown dataset {name!r}; {hint}the collections are {collections_line()} "
            "(python -m schedbench list datasets), or dataset=file dataset.params.path=<file>"
        )
    return found


def collections_line() -> str:
    """'rw1..rw12, adder..voter, ... (icml24); heurigym/<name>, ... (rcs)' for errors."""
    parts = []
    for plugin in classes().values():
        groups: dict[str, list[str]] = {}
        for entry in plugin.catalogue():
            prefix = entry.name.split("/")[0] if "/" in entry.name else None
            groups.setdefault(prefix or entry.about, []).append(entry.name)
        shown = [
            f"{members[0].split('/')[0]}/<name>" if "/" in members[0]
            else members[0] if len(members) == 1 else f"{members[0]}..{members[-1]}"
            for members in groups.values()
        ]  # fmt: skip
        parts.append(f"{', '.join(shown)} ({plugin.name})")
    return "; ".join(parts)


def reader_classes(suffix: str) -> list[ProblemClass]:
    """The classes that read files ending in ``suffix``."""
    return [c for c in classes().values() if suffix.lower() in c.readers]


def read_file(path: str | Path, settings: Mapping[str, Any] | None = None, **params: Any) -> Any:
    """An instance of any class from a file: the class from ``params['class']``, else from
    a YAML file of parameters beside it (``<stem>.yaml``), else from the file's suffix."""
    params = {k: v for k, v in params.items() if v is not None}  # unset: the YAML's or none
    file = Path(str(path)).expanduser()
    if not file.is_file():
        raise ProblemError(f"instance file {str(file)!r} does not exist; check the path")
    beside = file.with_suffix(".yaml")
    if beside.is_file() and beside != file:
        import yaml

        loaded = yaml.safe_load(beside.read_text()) or {}
        if not isinstance(loaded, dict):
            raise ProblemError(f"{beside.name} must map parameter names to values")
        params = {**loaded, **params}
    wanted = params.pop("class", None)
    if wanted is not None:
        return get(str(wanted)).read(file, settings or {}, params)
    readers = reader_classes(file.suffix)
    if not readers:
        known = sorted({s for c in classes().values() for s in c.readers})
        raise ProblemError(
            f"no installed class reads {file.name!r}; the formats are {', '.join(known)}, "
            "or give dataset.params.class=<class>"
        )
    first = [c for c in readers if file.suffix.lower() in c.primary]
    if len(readers) > 1 and len(first) == 1:
        readers = first
    if len(readers) > 1:
        names = ", ".join(c.name for c in readers)
        raise ProblemError(
            f"{file.suffix} files are read by classes {names}; say which with "
            f"dataset.params.class=<class> (or class: in {file.stem}.yaml beside it)"
        )
    return readers[0].read(file, settings or {}, params)
