"""The process address space: every page of every region, drawn with the Line API.

Two cells per page: the node the page is on (a digit, in the node's colour) and
its kind (``.`` base, ``T``/``t`` THP head/tail, ``H`` hugetlb, ``S`` shared,
``L`` mlocked, ``P`` pinned, ``f`` page cache, ``z``/``Z`` zero page, ``w`` swapped,
``··`` not present). While a call runs, the entry being processed is in reverse
video and the entries of the open batch are underlined. A region that fits on
one row takes one line. Only visible lines are rendered; strips are cached and
each is keyed on what it shows: the kind and node of each of its pages, the
call's marks on it (see :mod:`.address_marks`), the cursor and selection. So a
step, or the many steps of a run between two redraws, repaints only the rows
whose pages or marks changed, not every row because some page moved.
"""

from __future__ import annotations

import bisect
import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from migratelab.game.records import Change
from migratelab.kernel.mm import PAGE_SIZE
from migratelab.tui.style import DIM, NOW, node_colour
from migratelab.tui.widgets.address_marks import LiveMarks, follow_kernel, pages_text
from migratelab.tui.widgets.page_cells import page_cells
from migratelab.tui.widgets.per_version import PerVersion

if TYPE_CHECKING:
    from migratelab.game.session import Session

CURSOR = Style(color="black", bgcolor="yellow", bold=True)
SELECTED = Style(bgcolor="grey37")
HEADER = Style(bold=True)
IN_BATCH = Style(underline=True, bold=True)
LEGEND = [("0.", Style(color=node_colour(0)), "base page on node 0"),
          ("T/t", Style(bold=True), "THP head/tail"), ("H", HEADER, "hugetlb"),
          ("S", HEADER, "shared"), ("L", HEADER, "mlocked"), ("P", HEADER, "pinned"),
          ("f", Style(), "page cache"), ("z/Z", DIM, "zero page"), ("w", DIM, "swapped"),
          ("··", DIM, "not present"), ("_", Style(underline=True), "in your request"),
          ("0.", CURSOR, "your cursor"), ("0.", NOW, "entry the kernel is on"),
          ("0.", IN_BATCH, "in the open batch")]


#: (kind, node) of each page of a row, as the machine view gives them.
Kinds = tuple[tuple[str, int | None], ...]
#: (line, width, scroll x, the row's pages, live marks, selection on the row).
LineKey = tuple[int, int, int, Kinds, object, object]


@dataclass(frozen=True, slots=True)
class Row:
    """One line: a region header (``count == 0``) or ``count`` pages from ``first``."""

    region: int
    first: int
    count: int
    text: str = ""
    suffix: str = ""


#: The cursor's moves. They are priority bindings in the pane, as the play
#: screen's keys are (see ``play_keys``); they apply only while it has the focus.
_MOVES = [
    Binding("up,k", "cursor(-1, 0)", "Page up a row", id="as.up", show=False),
    Binding("down,j", "cursor(1, 0)", "Page down a row", id="as.down", show=False),
    Binding("left", "cursor(0, -1)", "Previous page", id="as.left", show=False),
    Binding("right,l", "cursor(0, 1)", "Next page", id="as.right", show=False),
    Binding("pageup", "cursor(-10, 0)", "Ten rows up", id="as.pageup", show=False),
    Binding("pagedown", "cursor(10, 0)", "Ten rows down", id="as.pagedown", show=False),
    Binding("home", "jump(0)", "First page", id="as.home", show=False),
    Binding("end", "jump(-1)", "Last page", id="as.end", show=False),
]


class AddressSpace(ScrollView, can_focus=True):
    """Pages of the session's process; cursor and range selection for composing."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *(dataclasses.replace(move, priority=True) for move in _MOVES),
        Binding("v", "mark", "Range", id="as.mark",
                tooltip="Start a range selection; v again ends it; a node key sends it"),
        Binding("escape", "clear_mark", "Clear the selection", id="as.clear", show=False),
        *[Binding(str(n), f"assign({n})", f"Send selection to node {n}", id=f"as.node{n}",
                  show=False) for n in range(10)],
        Binding("enter", "call", "Call", id="as.call", tooltip="Call move_pages"),
    ]

    cursor: reactive[int] = reactive(0, repaint=False)
    mark_start: reactive[int | None] = reactive(None, repaint=False)
    #: Set when ``v`` ended the range: the selection stays put while the cursor moves.
    mark_end: reactive[int | None] = reactive(None, repaint=False)
    version: reactive[int] = reactive(-1, repaint=False)
    #: (region id, page) -> target node of the request being composed (bound to the screen).
    draft: reactive[dict[tuple[str, int], int]] = reactive(dict, repaint=False)

    class Assign(Message):
        """The player sent the selected pages to a node (messages up)."""

        def __init__(self, picks: list[tuple[str, int]], node: int) -> None:
            super().__init__()
            self.picks = picks
            self.node = node

    class Call(Message):
        """Enter: call move_pages. A message, not a screen binding, so it reaches the
        screen after any Assign posted before it (keys typed or pasted quickly)."""

    class CursorMoved(Message):
        """The cursor moved; ``text`` describes the page under it."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, session: Session, cursor: int = 0, *, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.session = session
        self.set_reactive(AddressSpace.cursor, cursor)
        #: First line of each region's header; rows are computed on demand, so a
        #: 1 GiB region costs nothing to lay out.
        self._row_starts: list[int] = []
        self._n_lines = 0
        self._label_w = (1, 1)
        self._region_ids: list[str] = []
        self._offsets: list[int] = []  # flat index of each region's first page
        self._total = 0
        self._layout_key: tuple[object, ...] = (-1,)
        self._per_row = 16
        self._cache: LRUCache[LineKey, Strip] = LRUCache(1024)
        #: Regions that fit one row are drawn without a header line.
        self._one_row: list[bool] = []
        #: The call's marks (cursor, open batch) per row.
        self._marks = LiveMarks()
        #: Each row's pages, read once per version of the frames.
        self._kinds: PerVersion[Kinds] = PerVersion()

    # -- layout ------------------------------------------------------------------------
    def _ensure_layout(self) -> None:
        width = self.scrollable_content_region.width or self.size.width or 80
        regions = self.session.view().regions
        key = (width, *((r.base, r.pages) for r in regions))
        if key == self._layout_key and self._n_lines:
            return
        digits = max((len(str(r.pages)) for r in regions), default=1)
        name_w = max((len(r.id) for r in regions), default=1)
        room = max(8, (width - (name_w + digits + 3)) // 2)
        per_row = 1
        while per_row * 2 <= room and per_row < 64:
            per_row *= 2
        self._per_row = per_row
        self._label_w = (name_w, digits)
        starts: list[int] = []
        offsets: list[int] = []
        one_row: list[bool] = []
        flat = line = 0
        for reg in regions:
            offsets.append(flat)
            starts.append(line)
            single = reg.pages <= per_row
            one_row.append(single)
            line += (0 if single else 1) + -(-reg.pages // per_row)
            flat += reg.pages
        self._row_starts = starts
        self._n_lines = line
        self._region_ids = [r.id for r in regions]
        self._offsets = offsets
        self._one_row = one_row
        self._total = flat
        self._layout_key = key
        self._marks.forget_rows()
        self._cache.clear()
        self.virtual_size = Size(width, line)

    def _row(self, line: int) -> Row:
        """The row shown on ``line`` (a region header or a run of pages)."""
        ri = bisect.bisect_right(self._row_starts, line) - 1
        reg = self.session.view().regions[ri]
        within = line - self._row_starts[ri]
        about = f"{reg.id}: {reg.kind}, {pages_text(reg.pages)} at {reg.base:#x}"
        if self._one_row[ri]:
            within += 1
        elif within == 0:
            return Row(ri, 0, 0, about)
        first = (within - 1) * self._per_row
        name_w, digits = self._label_w
        return Row(ri, first, min(self._per_row, reg.pages - first),
                   f"{reg.id}[{first:>{digits}}]".ljust(name_w + digits + 3),
                   f"  {reg.kind} · {pages_text(reg.pages)}" if self._one_row[ri] else "")

    def _locate(self, flat: int) -> tuple[int, int]:
        """(region index, page) of a flat page index."""
        ri = max(0, bisect.bisect_right(self._offsets, flat) - 1)
        return ri, flat - self._offsets[ri]

    def _row_of(self, flat: int) -> int:
        """Line number of a flat page index."""
        ri, page = self._locate(flat)
        return self._row_starts[ri] + (0 if self._one_row[ri] else 1) + page // self._per_row

    # -- state pushed down ---------------------------------------------------------------
    def _region_base(self, region: int) -> int:
        return self.session.view().regions[region].base

    def watch_version(self) -> None:
        """Repaint only the visible lines whose drawing changed (their cache key)."""
        follow_kernel(self)
        if not self.size.width:  # (not laid out yet: a layout now would guess the width)
            self.refresh()
            return
        self._ensure_layout()
        width = self.scrollable_content_region.width
        top = self.scroll_offset.y
        for y in range(self.size.height):
            line = top + y
            if line >= self._n_lines:
                break
            if self._line_key(line, width)[0] not in self._cache:
                self.refresh_line(line)

    def watch_draft(self) -> None:
        self._cache.clear()
        self.refresh()

    def on_resize(self) -> None:
        self._layout_key = (-1,)
        self._ensure_layout()

    # -- selection --------------------------------------------------------------------
    def selection(self) -> tuple[int, int]:
        """Inclusive flat range of the selection (the cursor alone without a mark)."""
        if self.mark_start is None:
            return self.cursor, self.cursor
        end = self.cursor if self.mark_end is None else self.mark_end
        return min(self.mark_start, end), max(self.mark_start, end)

    def picks(self) -> list[tuple[str, int]]:
        """(region id, page) of every selected page."""
        self._ensure_layout()
        lo, hi = self.selection()
        out: list[tuple[str, int]] = []
        for flat in range(lo, hi + 1):
            ri, page = self._locate(flat)
            if ri < len(self._region_ids):
                out.append((self._region_ids[ri], page))
        return out

    def describe_cursor(self) -> str:
        """One line about the page under the cursor."""
        self._ensure_layout()
        if not self._total:
            return "no regions mapped"
        ri, page = self._locate(self.cursor)
        rid = self._region_ids[ri]
        reg = self.session.view().regions[ri]
        what = self.session.view().page(reg.base + page * PAGE_SIZE).detail
        lo, hi = self.selection()
        sel = f"  selected {hi - lo + 1}" if hi > lo else ""
        return f"{rid}[{page}]  {what}{sel}"

    def action_cursor(self, rows: int, cols: int) -> None:
        """Move the cursor."""
        self._ensure_layout()
        if not self._total:
            return
        self._move_to(self.cursor + rows * self._per_row + cols)

    def action_jump(self, where: int) -> None:
        """Jump to the first or last page."""
        self._ensure_layout()
        self._move_to(0 if where == 0 else self._total - 1)

    def _move_to(self, flat: int) -> None:
        old = self.cursor
        self.cursor = max(0, min(self._total - 1, flat))
        line = self._row_of(self.cursor)
        if old != self.cursor and self.mark_start is not None:
            self.refresh()  # a selection grows over every row in between
        elif old != self.cursor:  # strips are keyed on the cursor of their row: no flush
            self.refresh_line(self._row_of(old))
            self.refresh_line(line)
        height = self.scrollable_content_region.height
        if line < self.scroll_offset.y:
            self.scroll_to(y=max(0, line - 1), animate=False, immediate=True)
        elif line >= self.scroll_offset.y + height:
            self.scroll_to(y=line - height + 1, animate=False, immediate=True)
        self.post_message(self.CursorMoved(self.describe_cursor()))

    def action_mark(self) -> None:
        """Start a range at the cursor; end it (it stays selected for a node key);
        a third ``v`` starts a new range. (A line's cache key holds the selection on
        it, so nothing is flushed.)"""
        if self.mark_start is None or self.mark_end is not None:
            self.mark_start, self.mark_end = self.cursor, None
        else:
            self.mark_end = self.cursor
        self.refresh()
        self.post_message(self.CursorMoved(self.describe_cursor()))

    def action_clear_mark(self) -> None:
        """Drop the selection."""
        self.mark_start = self.mark_end = None
        self.refresh()

    def action_call(self) -> None:
        """Ask the screen to call move_pages with the composed request."""
        self.post_message(self.Call())

    def action_assign(self, node: int) -> None:
        """Send the selection to a node (the screen adds it to the request)."""
        picks = self.picks()
        if picks:
            self.post_message(self.Assign(picks, node))
        self.mark_start = self.mark_end = None
        self.refresh()

    # -- drawing ------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        """Draw one visible line (Line API)."""
        self._ensure_layout()
        scroll_x, scroll_y = self.scroll_offset
        line = scroll_y + y
        width = self.scrollable_content_region.width
        if line >= self._n_lines:
            return Strip.blank(width, self.rich_style)
        key, row, base_flat, (lo, hi) = self._line_key(line, width)
        strip = self._cache.get(key)
        if strip is None:
            base = self.rich_style
            strip = self._draw(row, base_flat, lo, hi, key[3]).apply_style(base).crop_extend(
                scroll_x, scroll_x + width, base)
            self._cache[key] = strip
        return strip

    def _line_key(self, line: int, width: int) -> tuple[LineKey, Row, int, tuple[int, int]]:
        """Cache key of a line (everything its drawing depends on), and its row."""
        scroll_x = self.scroll_offset.x
        row = self._row(line)
        base_flat = self._offsets[row.region] + row.first
        lo, hi = self.selection()
        in_row = (base_flat <= self.cursor < base_flat + row.count
                  or (lo <= base_flat + row.count - 1 and hi >= base_flat))
        addr = self._region_base(row.region) + row.first * PAGE_SIZE
        kinds = self._kinds.get(self.session.part_version(Change.NODES), (addr, row.count),
                                lambda: self.session.view().page_kinds(addr, row.count))
        key: LineKey = (line, width, scroll_x, kinds,
               self._marks.row_key(self.session.live, line, addr, row.count),
               (self.cursor, lo, hi) if in_row else None)
        return key, row, base_flat, (lo, hi)

    def _draw(self, row: Row, base_flat: int, lo: int, hi: int,
              kinds: Kinds) -> Strip:
        if row.count == 0:
            return Strip([Segment(row.text, HEADER)])
        reg = self.session.view().regions[row.region]
        rid = reg.id
        entry_of, cur, b_lo, b_hi = self._marks.marks(self.session.live)
        draft, cursor, marking = self.draft, self.cursor, self.mark_start is not None
        segs = [Segment(row.text, DIM)]
        for i, (kind, node) in enumerate(kinds):
            page = row.first + i
            flat = base_flat + i
            addr = reg.base + page * PAGE_SIZE
            text, style = page_cells(kind, node)
            if (rid, page) in draft:
                style = style + Style(underline=True)
                text = text[0] + "_" if text[1] == "." else text
            entry = entry_of.get(addr) if entry_of else None
            if entry is not None:
                if entry == cur:
                    style = style + NOW
                elif b_lo <= entry < b_hi:
                    style = style + IN_BATCH
            if flat == cursor:
                style = style + CURSOR
            elif marking and lo <= flat <= hi:
                style = style + SELECTED
            segs.append(Segment(text, style))
        if row.suffix:
            segs.append(Segment(row.suffix, DIM))
        return Strip(segs)
