"""What every part of a level file shares: the Struct base, request kinds and their text.

``[[setup]]``, ``[solution].ops`` and every request use the ops union of
:mod:`migratelab.scenario.ops` (the language ``migratelab run`` reads), so a level
op and a scenario op are the same value.
"""

from __future__ import annotations

import re

import msgspec

from migratelab.scenario import ops as O

SCHEMA_VERSION = 1

#: A request a goal or an expectation may name: a move_pages call or a query.
Request = O.MovePages | O.Query
#: What a player can do in the game: make a call, or drain the per-CPU LRU-add caches.
PlayerOp = O.MovePages | O.Query | O.LruAddDrain | O.LruAddDrainAll
#: Op tags that count as syscalls for limits and par.
SYSCALL_OPS = frozenset({"move_pages", "query"})

ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
STATUS_RE = re.compile(r"^(UNSET|-E[A-Z0-9]+|[0-9]+)$")


class LevelStruct(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Every level Struct: unknown fields are errors, fields are keywords."""


def sel_text(rid: str, sel: O.PageSel | O.PageRange) -> str:
    """A page selection as a learner writes it: ``A[0:4]``, ``A[1, 5]``."""
    if sel == "all":
        return f"every page of {rid}"
    if isinstance(sel, tuple):
        start, count = sel
        return f"{rid}[{start}:{start + count}]"
    parts = [f"{p}" if isinstance(p, int) else f"{p[0]}:{p[0] + p[1]}" for p in sel]
    return f"{rid}[{', '.join(parts)}]"


def request_text(op: Request) -> str:
    """A request the way a learner would write it: ``move_pages(A[0]->1, A[100]->1)``."""
    items: list[str] = []
    if op.range is not None:
        node = "" if isinstance(op, O.Query) else f"->{op.range.node}"
        items.append(f"{sel_text(op.range.id, op.range.pages)}{node}")
    for entry in op.entries or []:
        if isinstance(entry, O.EntryObj):
            off = f"+{entry.offset}" if entry.offset else ""
            items.append(f"{entry.id}[{entry.page}]{off}->{entry.node}")
        elif isinstance(entry, O.QueryEntryObj):
            off = f"+{entry.offset}" if entry.offset else ""
            items.append(f"{entry.id}[{entry.page}]{off}")
        elif len(entry) == 3:
            items.append(f"{entry[0]}[{entry[1]}]->{entry[2]}")
        else:
            items.append(f"{entry[0]}[{entry[1]}]")
    if isinstance(op, O.Query):
        return f"move_pages(nodes=NULL: {', '.join(items)})"
    flags = op.flags if isinstance(op.flags, int) else "|".join(op.flags) or "0"
    return f"move_pages({', '.join(items)}; {flags})"
