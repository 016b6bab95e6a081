"""What the call being stepped marks in the address space, row by row.

The address space shows the kernel's cursor (the entry being processed) and the
open batch over the pages. Both move on almost every step, but on one or two
rows: each row gets a key that changes only when a mark on it does, so a step
repaints those rows and leaves the others' cached strips alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from migratelab.kernel.mm import PAGE_SIZE

if TYPE_CHECKING:
    from migratelab.game.records import LiveCall

#: (address -> first entry naming it, kernel cursor, open batch [lo, hi)).
Marks = tuple[dict[int, int], int | None, int, int]
NO_MARKS: Marks = ({}, None, -1, -1)


class LiveMarks:
    """Entry indices per address of one call, and each row's span of them."""

    def __init__(self) -> None:
        self._call: object = None
        self._entry_of: dict[int, int] = {}
        #: line -> (lowest, highest) entry index among the row's pages ((0, -1): none).
        self._spans: dict[int, tuple[int, int]] = {}

    def marks(self, live: LiveCall | None) -> Marks:
        """The call's entries by address, its cursor and its open batch."""
        if live is None or live.done:
            return NO_MARKS
        if self._call is not live:
            self._entry_of = {}
            for i, addr in enumerate(live.addrs):
                self._entry_of.setdefault(addr, i)
            self._spans = {}
            self._call = live
        cur = live.cursor
        lo = hi = -1
        if live.batch is not None:
            lo = live.batch[1]
            hi = live.batch[2] if live.batch[2] is not None else (cur + 1 if cur is not None
                                                                 else lo)
        return self._entry_of, cur, lo, hi

    def forget_rows(self) -> None:
        """The rows were laid out again (a new width or new regions)."""
        self._spans = {}

    def row_key(self, live: LiveCall | None, line: int, base: int, count: int) -> object:
        """Changes when the cursor or the batch marks on this row change."""
        entry_of, cur, lo, hi = self.marks(live)
        if not entry_of or not count:
            return None
        span = self._spans.get(line)
        if span is None:
            found = [e for i in range(count)
                     if (e := entry_of.get(base + i * PAGE_SIZE)) is not None]
            span = (min(found), max(found)) if found else (0, -1)
            self._spans[line] = span
        first, last = span
        if first > last:
            return None
        here = cur if cur is not None and first <= cur <= last else None
        b_lo, b_hi = max(lo, first), min(hi, last + 1)
        return here, (b_lo, b_hi) if b_lo < b_hi else None
