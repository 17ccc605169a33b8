"""Composed runs: the members of a portfolio or a relay, and how they share the threads.

A portfolio runs its members side by side on one budget; a relay runs them one after the
other, the next warm-started with the best schedule so far. The runner
(:func:`schedbench.harness.runner.execute`) starts and watches the members' workers; this
module says who they are: their solver and options, their share of the threads, their
priority and the event that stops them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Member:
    """One solver of a composed run. ``threads`` is its share of the run's threads (None:
    an equal split); ``nice`` > 0 runs it at low priority; ``until_first_of`` names the
    member whose first schedule stops it (portfolio); ``patience`` (a fraction of the
    budget) stops it once it has gone that long without holding the run's best while
    another member holds it, so that it stops taking memory bandwidth and caches from
    the leader (portfolio)."""

    solver: str
    options: dict[str, Any] = field(default_factory=dict)
    threads: int | None = None
    module: str | None = None
    nice: int = 0
    until_first_of: str | None = None
    name: str | None = None
    patience: float | None = None
    budget: float | None = field(default=None, compare=False)  # set when it starts

    @property
    def label(self) -> str:
        return self.name or self.solver

    def fingerprint(self) -> dict[str, Any]:
        from schedbench.solvers.registry import resolved_options, revision

        code = revision(self.solver, self.module)
        return {
            **({"revision": code} if code is not None else {}),
            "solver": self.solver,
            "options": resolved_options(self.solver, dict(self.options), self.module),
            "threads": self.threads,
            "module": self.module,
            "nice": self.nice,
            "until_first_of": self.until_first_of,
            "name": self.label,
            **({"patience": self.patience} if self.patience is not None else {}),
        }


COMPOSITIONS = ("portfolio", "relay")
MEMBER_KEYS = {
    "solver",
    "options",
    "threads",
    "module",
    "nice",
    "until_first_of",
    "name",
    "patience",
}


def members_from_options(kind: str, options: dict[str, Any]) -> list[Member]:
    """The members of a portfolio or relay from its options, each checked like a solver."""
    from schedbench.solvers.registry import check_options

    allowed = {"members", "share"} if kind == "relay" else {"members"}
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise ValueError(f"a {kind} has no option {unknown[0]!r}; its options are "
                         f"{', '.join(sorted(allowed))}")  # fmt: skip
    listed = options.get("members") or []
    members = []
    for entry in listed:
        if not isinstance(entry, dict) or "solver" not in entry:
            raise ValueError(f"each {kind} member needs a 'solver' (got {entry!r})")
        extra = sorted(set(entry) - MEMBER_KEYS)
        if extra:
            raise ValueError(f"{kind} member {entry['solver']!r} has no setting {extra[0]!r}; "
                             f"use {', '.join(sorted(MEMBER_KEYS))}")  # fmt: skip
        member = Member(**{**entry, "options": dict(entry.get("options") or {})})
        check_options(member.solver, member.options, member.module)
        members.append(member)
    if kind == "relay" and len(members) != 2:
        raise ValueError(f"a relay has two members (got {len(members)})")
    share = float(options.get("share", 0.5))
    if kind == "relay" and not 0 < share < 1:
        raise ValueError(f"relay share={share} must lie strictly between 0 and 1")
    split_threads(members, 1 << 30, kind)  # names and events (threads are checked per run)
    return members


def split_threads(members: list[Member], threads: int, composition: str) -> list[Member]:
    """Copies of ``members`` with their threads: a portfolio's members share the run's
    threads (those without a number split what the others leave, at least one each), so
    a portfolio on 2 threads is never 2 + 1; a relay's members run one after the other,
    each on all of them unless told otherwise."""
    from dataclasses import replace

    if not members:
        raise ValueError(f"a {composition} needs at least one member")
    labels = [m.label for m in members]
    if len(set(labels)) != len(labels):
        raise ValueError(f"{composition} members need distinct names; got {', '.join(labels)}")
    for member in members:
        if member.until_first_of is not None and member.until_first_of not in labels:
            raise ValueError(
                f"member {member.label!r} runs until the first schedule of "
                f"{member.until_first_of!r}, which is not a member ({', '.join(labels)})"
            )
        if member.patience is not None and composition != "portfolio":
            raise ValueError(
                f"member {member.label!r} has patience, which only a portfolio's members "
                "have (a relay's members run one after the other)"
            )
        if member.patience is not None and not 0 < member.patience < 1:
            raise ValueError(
                f"member {member.label!r} has patience={member.patience}: it is a fraction "
                "of the budget, strictly between 0 and 1"
            )
    if composition == "relay":
        return [replace(m, threads=m.threads or threads) for m in members]
    fixed = sum(m.threads for m in members if m.threads)
    free = [m for m in members if not m.threads]
    left = threads - fixed
    if left < len(free) or (not free and left < 0):
        raise ValueError(
            f"the portfolio's members need {fixed + len(free)} threads or more but the run "
            f"has {threads}; give the members fewer threads or the run more (threads=)"
        )
    share, extra = divmod(left, len(free)) if free else (0, 0)
    counts = iter([share + (1 if i < extra else 0) for i in range(len(free))])
    return [replace(m) if m.threads else replace(m, threads=next(counts)) for m in members]
