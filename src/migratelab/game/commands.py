"""The play screen's command line, parsed without any UI.

Grammar (whitespace is free)::

    move SPEC [, SPEC ...] [all]      SPEC := REGION[I] -> NODE | REGION[A:B] -> NODE
    query REGION[I] | REGION[A:B] [, ...]
    drain
    explain I                         why status[I] of the last call holds its value

``all`` (or ``MOVE_ALL``/``--all``) adds ``MPOL_MF_MOVE_ALL``. A single range
becomes a ``range`` op; anything else becomes explicit entries, in order. The
values produced are the ops language's own :class:`MovePages`, :class:`Query`
and :class:`LruAddDrainAll`, so a typed command and a level's solution are the
same thing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from migratelab.scenario.ops import (
    EntryObj,
    LruAddDrainAll,
    MovePages,
    Query,
    QueryEntryObj,
    RangeSpec,
)

VERBS = ("move", "query", "drain", "explain")
ALL_WORDS = frozenset({"all", "move_all", "mpol_mf_move_all", "--all"})
PSEUDO_REGIONS = frozenset({"UNMAPPED", "NULL"})



@dataclass(frozen=True, slots=True)
class Explain:
    """``explain I``: not a syscall, a question about ``status[I]``."""

    index: int


Command = MovePages | Query | LruAddDrainAll | Explain

_SEL = re.compile(r"^\s*([A-Za-z_][\w-]*)\s*\[\s*(\d+)\s*(?::\s*(\d+)\s*)?\]\s*$")
_NODE = re.compile(r"^\s*(\d+|N|last|N\+\d+)\s*$")


class CommandError(ValueError):
    """A command that cannot be understood; ``str()`` is the inline message."""


@dataclass(frozen=True, slots=True)
class Selection:
    """``REGION[start:end]`` (``end`` exclusive)."""

    region: str
    start: int
    end: int


def _selection(text: str, regions: Mapping[str, int] | None) -> Selection:
    m = _SEL.match(text)
    if not m:
        raise CommandError(f"expected REGION[i] or REGION[a:b], got {text.strip()!r}")
    rid, a, b = m.group(1), int(m.group(2)), m.group(3)
    end = int(b) if b is not None else a + 1
    if end <= a:
        raise CommandError(f"empty range {rid}[{a}:{end}]")
    if regions is not None and rid not in PSEUDO_REGIONS:
        if rid not in regions:
            known = ", ".join(sorted(regions)) or "none"
            raise CommandError(f"no region named {rid!r} (known: {known})")
        if end > regions[rid]:
            raise CommandError(f"{rid} has {regions[rid]} pages; [{a}:{end}] is outside it")
    return Selection(rid, a, end)


def _node(text: str) -> int | str:
    m = _NODE.match(text)
    if not m:
        raise CommandError(f"expected a node number after '->', got {text.strip()!r}")
    word = m.group(1)
    return int(word) if word.isdigit() else word


def parse(text: str, regions: Mapping[str, int] | None = None) -> Command:
    """Parse one command line; ``regions`` (id -> pages) enables bounds checks."""
    line = text.strip()
    if not line:
        raise CommandError("empty command (try: move A[0:8] -> 1, query A[0:4], drain)")
    verb, _, rest = line.partition(" ")
    verb = verb.lower()
    if verb == "drain":
        if rest.strip():
            raise CommandError("drain takes no arguments")
        return LruAddDrainAll()
    if verb in ("explain", "why"):
        arg = rest.strip().removeprefix("status").strip("[] ")
        if not arg.isdigit():
            raise CommandError("expected an index: explain 3")
        return Explain(int(arg))
    if verb == "query":
        entries: list[QueryEntryObj] = []
        for part in _split(rest):
            sel = _selection(part, regions)
            entries.extend(QueryEntryObj(id=sel.region, page=p)
                           for p in range(sel.start, sel.end))
        return Query(entries=list(entries))
    if verb == "move":
        flags = ["MPOL_MF_MOVE"]
        words = rest.split()
        while words and words[-1].lower() in ALL_WORDS:
            words.pop()
            flags = ["MPOL_MF_MOVE_ALL"]
        rest = " ".join(words)
        specs: list[tuple[Selection, int | str]] = []
        for part in _split(rest):
            if "->" not in part:
                raise CommandError(f"expected REGION[...] -> NODE, got {part.strip()!r}")
            left, _, right = part.partition("->")
            specs.append((_selection(left, regions), _node(right)))
        if len(specs) == 1 and specs[0][0].end - specs[0][0].start > 1:
            sel, node = specs[0]
            return MovePages(range=RangeSpec(id=sel.region, pages=(sel.start, sel.end - sel.start),
                                             node=node), flags=flags)
        moves = [EntryObj(id=s.region, page=p, node=n)
                 for s, n in specs for p in range(s.start, s.end)]
        return MovePages(entries=list(moves), flags=flags)
    raise CommandError(f"unknown command {verb!r} (known: {', '.join(VERBS)})")


def _split(rest: str) -> list[str]:
    parts = [p for p in rest.split(",")]
    if not rest.strip() or any(not p.strip() for p in parts):
        raise CommandError("missing REGION[...] (try: A[0:8])")
    return parts


def complete(text: str, regions: Mapping[str, int]) -> list[str]:
    """Whole-line completions of a partly typed command, most likely first."""
    stripped = text.lstrip()
    if " " not in stripped:
        return [v + " " for v in VERBS if v.startswith(stripped.lower()) and v != stripped]
    head, _, tail = text.rpartition(",") if "," in text else ("", "", text)
    prefix = text[: len(text) - len(tail)]
    if not head:
        verb, _, tail = text.partition(" ")
        prefix = verb + " "
    word = tail.lstrip()
    lead = tail[: len(tail) - len(word)]
    out: list[str] = []
    if "[" not in word:
        out = [f"{prefix}{lead}{rid}[0:{n}]" for rid, n in sorted(regions.items())
               if rid.startswith(word)]
        if prefix.startswith("move"):
            out = [o + " -> " for o in out]
    elif word.endswith("]") and prefix.startswith("move"):
        out = [text.rstrip() + " -> "]
    return out
