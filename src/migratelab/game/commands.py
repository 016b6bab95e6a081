"""The play screen's command line, parsed without any UI.

Grammar (whitespace is free)::

    move SPEC [, SPEC ...] [all]      SPEC := REGION[I] -> NODE | REGION[A:B] -> NODE
    query REGION[I] | REGION[A:B] [, ...]
    drain
    explain I                         why status[I] of the last call holds its value
    predict [ret=N] [errno=NAME] [status=S,S,...] [after=S,S,...]
                                      a predict level: answer first, then its request runs

Sandbox only (they change the machine, they are not syscalls)::

    mmap NAME PAGES [anon|thp|hugetlb|shared|tmpfs|ext4]
    touch SEL [read]   pin SEL   unpin   munmap SEL   mlock SEL   bind NAME NODE
    fork [NAME]        fill NODE          hold SEL [during]       lock SEL
    mbind NAME|SEL NODES [move] [move_all] [strict]     NODES := N[,N...]
                                      mbind(MPOL_BIND) of a region or a slice; with
                                      move/move_all the misplaced pages migrate
    migratepages FROM TO [CHILD]      migrate_pages(2): FROM and TO are node lists
                                      (0 or 0,1); CHILD names a forked child

``all`` (or ``MOVE_ALL``/``--all``) adds ``MPOL_MF_MOVE_ALL``. A single range
becomes a ``range`` op; anything else becomes explicit entries, in order. The
values produced are the ops language's own :class:`MovePages`, :class:`Query`
and :class:`LruAddDrainAll`, so a typed command and a level's solution are the
same thing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Literal

from migratelab.game.tool_commands import TOOL_VERBS, Tool, ToolError, parse_tool
from migratelab.kernel import errno as E
from migratelab.kernel.errno import parse_status
from migratelab.scenario import ops as O
from migratelab.scenario.ops import (
    EntryObj,
    LruAddDrainAll,
    MovePages,
    Query,
    QueryEntryObj,
    RangeSpec,
)

VERBS: tuple[str, ...] = (
    "move", "query", "drain", "explain", "predict", "mmap", "touch", "pin", "unpin", "munmap",
    "mlock", "bind", "mbind", "migratepages", "fork", "fill", "hold", "lock", *TOOL_VERBS)
#: ``mbind`` flag words -> the MPOL_MF_* names.
MBIND_FLAGS = {"move": "MPOL_MF_MOVE", "move_all": "MPOL_MF_MOVE_ALL", "strict": "MPOL_MF_STRICT"}
ALL_WORDS = frozenset({"all", "move_all", "mpol_mf_move_all", "--all"})
PSEUDO_REGIONS = frozenset({"UNMAPPED", "NULL"})
#: The example answer shown by the goal pane, help and the usage message. It must
#: never be the answer to a shipped level (a test checks every level's solution).
EXAMPLE_PREDICTION = "predict ret=2 status=0,-ENOENT,-EFAULT"

@dataclass(frozen=True, slots=True)
class Explain:
    """``explain I``: not a syscall, a question about ``status[I]``."""

    index: int


@dataclass(frozen=True, slots=True)
class Stage:
    """A sandbox command: ops that change the machine, applied in order."""

    ops: tuple[O.Op, ...]


@dataclass(frozen=True, slots=True)
class Predict:
    """``predict ...``: the player's answer for a level's predict goal."""

    ret: int | None = None
    errno: str | None = None
    status: tuple[str, ...] | None = None
    after_nodes: tuple[str, ...] | None = None


Command = MovePages | Query | LruAddDrainAll | Explain | Stage | Predict | Tool

#: ``mmap`` kinds -> the ops that make them.
MMAP_KINDS = ("anon", "thp", "hugetlb", "shared", "tmpfs", "ext4")

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
    if verb == "predict":
        return _predict(rest)
    if verb in TOOL_VERBS:
        try:
            return parse_tool(verb, rest)
        except ToolError as exc:
            raise CommandError(str(exc)) from None
    if verb in _STAGERS:
        return Stage(tuple(_STAGERS[verb](rest.split(), regions)))
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


# -- sandbox commands --------------------------------------------------------------

def _range(sel: Selection) -> tuple[int, int]:
    return (sel.start, sel.end - sel.start)


def _one(words: list[str], usage: str) -> str:
    if len(words) != 1:
        raise CommandError(f"usage: {usage}")
    return words[0]


def _mmap(words: list[str], regions: Mapping[str, int] | None) -> list[O.Op]:
    if len(words) not in (2, 3) or not words[1].isdigit():
        raise CommandError(f"usage: mmap NAME PAGES [{'|'.join(MMAP_KINDS)}]")
    name, pages, kind = words[0], int(words[1]), (words[2] if len(words) == 3 else "anon")
    if not re.fullmatch(r"[A-Za-z_][\w-]*", name) or name in PSEUDO_REGIONS:
        raise CommandError(f"{name!r} cannot name a region")
    if regions is not None and name in regions:
        raise CommandError(f"region {name!r} exists already")
    if kind not in MMAP_KINDS:
        raise CommandError(f"unknown kind {kind!r} (known: {', '.join(MMAP_KINDS)})")
    if kind in ("anon", "thp"):
        return [O.Mmap(id=name, pages=pages),
                O.Madvise(id=name, advice="hugepage" if kind == "thp" else "nohugepage")]
    if kind == "hugetlb":
        return [O.Mmap(id=name, pages=pages, kind="hugetlb")]
    if kind == "shared":
        return [O.Mmap(id=name, pages=pages, kind="anon_shared")]
    fs: Literal["tmpfs", "ext4"] = "ext4" if kind == "ext4" else "tmpfs"
    return [O.Mmap(id=name, pages=pages, kind="file", fs=fs, prefill=fs == "ext4")]


def _touch(words: list[str], regions: Mapping[str, int] | None) -> list[O.Op]:
    if not words or len(words) > 2 or (len(words) == 2 and words[1] not in ("read", "write")):
        raise CommandError("usage: touch REGION[a:b] [read]")
    sel = _selection(words[0], regions)
    mode: Literal["write", "read"] = "read" if words[1:] == ["read"] else "write"
    return [O.Touch(id=sel.region, pages=[_range(sel)], mode=mode)]


def _sel_op(make: Callable[[Selection], O.Op], usage: str
            ) -> Callable[[list[str], Mapping[str, int] | None], list[O.Op]]:
    def parse_it(words: list[str], regions: Mapping[str, int] | None) -> list[O.Op]:
        return [make(_selection(_one(words, usage), regions))]
    return parse_it


def _fork(words: list[str], regions: Mapping[str, int] | None) -> list[O.Op]:
    if len(words) > 1:
        raise CommandError("usage: fork [NAME]")
    return [O.Fork(child=words[0] if words else "C")]


def _node_word(word: str) -> int:
    node = _node(word)
    if not isinstance(node, int):
        raise CommandError(f"expected a node number, got {word!r}")
    return node


def _bind(words: list[str], regions: Mapping[str, int] | None) -> list[O.Op]:
    if len(words) != 2:
        raise CommandError("usage: bind NAME NODE")
    return [O.Mbind(id=words[0], node=_node_word(words[1]))]


def _nodes_word(word: str) -> list[int | str]:
    nodes = [_node(part) for part in word.split(",") if part.strip()]
    if not nodes:
        raise CommandError(f"expected nodes such as 1 or 0,1, got {word!r}")
    return nodes


def _mbind(words: list[str], regions: Mapping[str, int] | None) -> list[O.Op]:
    usage = "usage: mbind NAME|REGION[a:b] NODES [move] [move_all] [strict]"
    if len(words) < 2:
        raise CommandError(usage)
    bad = [w for w in words[2:] if w.lower() not in MBIND_FLAGS]
    if bad:
        raise CommandError(f"unknown mbind flag {bad[0]!r} (known: {', '.join(MBIND_FLAGS)})")
    flags = [MBIND_FLAGS[w.lower()] for w in words[2:]]
    nodes = _nodes_word(words[1])
    if "[" in words[0]:
        sel = _selection(words[0], regions)
        return [O.Mbind(id=sel.region, nodes=nodes, flags=flags, range=_range(sel))]
    if regions is not None and words[0] not in regions:
        known = ", ".join(sorted(regions)) or "none"
        raise CommandError(f"no region named {words[0]!r} (known: {known})")
    return [O.Mbind(id=words[0], nodes=nodes, flags=flags)]


def _migratepages(words: list[str], regions: Mapping[str, int] | None) -> list[O.Op]:
    if len(words) not in (2, 3):
        raise CommandError("usage: migratepages FROM TO [CHILD]   (e.g. migratepages 0 1)")
    pid = f"child:{words[2]}" if len(words) == 3 else "self"
    return [O.MigratePages(pid=pid, from_=_nodes_word(words[0]), to=_nodes_word(words[1]))]


def _fill(words: list[str], regions: Mapping[str, int] | None) -> list[O.Op]:
    node = _node_word(_one(words, "fill NODE"))
    # leave free 4 KiB frames in holes, but no free 2 MiB block
    return [O.FillNode(node=node, leave_mb=4, hole_pages=64)]


def _hold(words: list[str], regions: Mapping[str, int] | None) -> list[O.Op]:
    if not words or len(words) > 2 or (len(words) == 2 and words[1] != "during"):
        raise CommandError("usage: hold REGION[a:b] [during]")
    sel = _selection(words[0], regions)
    return [O.PagevecHold(id=sel.region, pages=[_range(sel)], during_call=len(words) == 2)]


def _unpin(words: list[str], regions: Mapping[str, int] | None) -> list[O.Op]:
    if words:
        raise CommandError("unpin takes no arguments")
    return [O.Unpin()]


_STAGERS: dict[str, Callable[[list[str], Mapping[str, int] | None], list[O.Op]]] = {
    "mmap": _mmap,
    "touch": _touch,
    "pin": _sel_op(lambda s: O.Pin(id=s.region, pages=[_range(s)]), "pin REGION[a:b]"),
    "unpin": _unpin,
    "munmap": _sel_op(lambda s: O.Munmap(id=s.region, range=_range(s)), "munmap REGION[a:b]"),
    "mlock": _sel_op(lambda s: O.Mlock(id=s.region, range=_range(s)), "mlock REGION[a:b]"),
    "lock": _sel_op(lambda s: O.LockPage(id=s.region, pages=[_range(s)]), "lock REGION[a:b]"),
    "bind": _bind,
    "mbind": _mbind,
    "migratepages": _migratepages,
    "fork": _fork,
    "fill": _fill,
    "hold": _hold,
}


# -- predictions ------------------------------------------------------------------

def _status_list(text: str, what: str) -> tuple[str, ...]:
    items = tuple(t.strip() for t in text.strip("[]").split(",") if t.strip())
    if not items:
        raise CommandError(f"{what}: expected values such as 1,-EBUSY,UNSET")
    for item in items:
        try:
            parse_status(item.upper() if item.lower() == "unset" else item)
        except (KeyError, ValueError):
            raise CommandError(f"{what}: {item!r} is not a node, -ERRNO or UNSET") from None
    return tuple("UNSET" if i.lower() == "unset" else i for i in items)


def _predict(rest: str) -> Predict:
    """``ret=0 errno=ENOMEM status=1,-EBUSY after=1,0``; a bare int is ret and a
    bare comma list is status."""
    answer = Predict()
    given = False
    for word in rest.split():
        key, eq, val = word.partition("=")
        if not eq:
            key, val = ("ret" if word.lstrip("-").isdigit() else "status"), word
        key = key.lower()
        if key == "ret":
            if not val.lstrip("-").isdigit():
                raise CommandError(f"ret: expected an integer, got {val!r}")
            answer = replace(answer, ret=int(val))
        elif key == "errno":
            name = val.upper().lstrip("-")
            if name not in ("NONE", "0", "") and name not in E.BY_NAME:
                raise CommandError(f"errno: unknown name {val!r}")
            answer = replace(answer, errno=None if name in ("NONE", "0", "") else name)
        elif key == "status":
            answer = replace(answer, status=_status_list(val, key))
        elif key in ("after", "after_nodes"):
            answer = replace(answer, after_nodes=_status_list(val, key))
        else:
            raise CommandError(f"unknown field {key!r} (ret, errno, status, after)")
        given = True
    if not given:
        raise CommandError(f"usage: {EXAMPLE_PREDICTION} [errno=NAME] [after=...]")
    return answer
