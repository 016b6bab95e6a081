"""The other way round: a request as the command line that would make it.

The request pane and the run export print a call as the player would type it
(``move A[0] -> 1, A[100] -> 1``), whatever spelling the level file used.
"""

from __future__ import annotations

from collections.abc import Mapping

from migratelab.scenario.ops import EntryObj, MovePages, Query, QueryEntryObj


def _entry(entry: object) -> tuple[str, int, int | str | None]:
    """(region, page, node or None) of one move or query entry, in any spelling."""
    if isinstance(entry, EntryObj):
        return entry.id, entry.page, entry.node
    if isinstance(entry, QueryEntryObj):
        return entry.id, entry.page, None
    assert isinstance(entry, tuple)
    return str(entry[0]), int(entry[1]), (entry[2] if len(entry) == 3 else None)


def request_command(op: MovePages | Query, regions: Mapping[str, int] | None = None) -> str:
    """The command line that stands for a request (``move A[0] -> 1, A[100] -> 1``).

    Consecutive pages of one region to one node collapse into ``A[a:b]``; a whole
    region given as ``pages = "all"`` prints as ``A[0:N]`` when ``regions`` knows
    its size, else as ``A[all]``.
    """
    parts: list[str] = []
    if op.range is not None:
        rid, pages = op.range.id, op.range.pages
        if pages == "all":
            size = (regions or {}).get(rid)
            sel = f"{rid}[0:{size}]" if size is not None else f"{rid}[all]"
        else:
            sel = f"{rid}[{pages[0]}:{pages[0] + pages[1]}]"
        parts.append(sel if isinstance(op, Query) else f"{sel} -> {op.range.node}")
    runs: list[tuple[str, int, int, int | str | None]] = []
    for entry in op.entries or []:
        rid, page, node = _entry(entry)
        if runs and runs[-1][0] == rid and runs[-1][2] == page and runs[-1][3] == node:
            runs[-1] = (rid, runs[-1][1], page + 1, node)
        else:
            runs.append((rid, page, page + 1, node))
    for rid, start, end, node in runs:
        sel = f"{rid}[{start}]" if end == start + 1 else f"{rid}[{start}:{end}]"
        parts.append(sel if node is None else f"{sel} -> {node}")
    if isinstance(op, Query):
        return "query " + ", ".join(parts)
    move_all = isinstance(op.flags, list) and "MPOL_MF_MOVE_ALL" in op.flags
    return "move " + ", ".join(parts) + (" all" if move_all else "")
