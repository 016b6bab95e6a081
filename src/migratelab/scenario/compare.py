"""One call on several kernel profiles, side by side: the only comparison there is.

``migratelab run --compare`` prints it and the app's compare screen draws it, so
both show the same rows: the return value and errno, the runs handed to
``migrate_pages()`` (from the engine's ``batch_flush`` events), the number of
``migrate_pages()`` calls, the six agreement counters of ``/proc/vmstat`` that
moved, and every ``status[]`` slot, each row marked where the profiles differ.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from migratelab.kernel import errno as E
from migratelab.kernel import events as ev
from migratelab.kernel.machine import AGREEMENT_COUNTERS


class CompareRow(msgspec.Struct, frozen=True):
    """One labelled row: a value per profile, and whether they differ."""

    label: str
    values: list[str]
    differs: bool


class CallComparison(msgspec.Struct, frozen=True):
    """Rows for one call; ``status`` rows hold one ``status[i]`` each."""

    profiles: list[str]
    summary: list[CompareRow]
    status: list[CompareRow]

    @property
    def differences(self) -> int:
        """How many rows differ between the profiles."""
        return sum(r.differs for r in (*self.summary, *self.status))


def _row(label: str, values: list[str]) -> CompareRow:
    return CompareRow(label=label, values=values, differs=len(set(values)) > 1)


def batches_of(events: Sequence[ev.Event]) -> str:
    """The runs handed to ``migrate_pages()``, e.g. ``[0:3)->1 [3:4)->0``."""
    # v4.14 flushes fixed chunks whose entries may name several nodes (node -1)
    runs = [f"[{e.start}:{e.end})->{e.node}" if e.node >= 0 else f"chunk [{e.start}:{e.end})"
            for e in events if isinstance(e, ev.BatchFlush) and e.folios]
    return " ".join(runs) or "none"


def compare_calls(profiles: Sequence[str], records: Sequence[dict[str, Any]],
                  events: Sequence[Sequence[ev.Event]] | None = None) -> CallComparison:
    """Compare the records of one call (``runner`` records, one per profile)."""
    summary = [
        _row("ret", [f"{r['ret']}" + (f" {r['errno']}" if r.get("errno") else "")
                     for r in records]),
        _row("migrate_pages calls", [str(r.get("migrate_calls", 0)) for r in records]),
    ]
    if events is not None:
        summary.append(_row("runs migrated", [batches_of(e) for e in events]))
    for counter in AGREEMENT_COUNTERS:
        vals = [str(r.get("vmstat_delta", {}).get(counter, 0)) for r in records]
        if any(v != "0" for v in vals):
            summary.append(_row(counter, vals))
    statuses = [_status_strings(r) for r in records]
    width = max((len(s) for s in statuses), default=0)
    status = [_row(f"status[{i}]", [s[i] if i < len(s) else "" for s in statuses])
              for i in range(width)]
    return CallComparison(profiles=list(profiles), summary=summary, status=status)


def _status_strings(rec: dict[str, Any]) -> list[str]:
    if rec.get("status_str") is not None:
        return list(rec["status_str"])
    return [E.status_str(v) for v in rec.get("status") or []]


def render_lines(cmp: CallComparison, width: int = 12, status_limit: int = 16) -> list[str]:
    """The comparison as text lines, ``*`` marking a row that differs.

    With more than ``status_limit`` slots only the differing ones are listed.
    """
    cells = [v for r in (*cmp.summary, *cmp.status) for v in r.values]
    width = max(width, *(len(c) + 2 for c in (*cmp.profiles, *cells)))
    label_w = 22

    def line(row: CompareRow) -> str:
        cells = "".join(v.ljust(width) for v in row.values)
        return "    " + row.label.ljust(label_w) + cells + (" *" if row.differs else "")

    out = ["    " + "".ljust(label_w) + "".join(p.ljust(width) for p in cmp.profiles)]
    out += [line(r) for r in cmp.summary]
    many = len(cmp.status) > status_limit
    shown = [r for r in cmp.status if r.differs or not many]
    out += [line(r) for r in shown]
    if many and not shown:
        out.append(f"    status[0:{len(cmp.status)}]: identical on every profile")
    return out
