"""The process address space: every page of every region, drawn with the Line API.

Two cells per page: the node the page is on (a digit, in the node's colour) and
its kind (``.`` base, ``T``/``t`` THP head/tail, ``H`` hugetlb, ``S`` shared,
``L`` mlocked, ``P`` pinned, ``f`` page cache, ``z``/``Z`` zero page, ``w`` swapped,
``··`` not present). Only visible lines are rendered; strips are cached and the
cache is keyed on the session's version counter.
"""

from __future__ import annotations

import bisect
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

from migratelab.game.view import page_view
from migratelab.kernel.mm import PAGE_SIZE
from migratelab.tui.style import DIM, node_colour, node_glyph

if TYPE_CHECKING:
    from migratelab.game.session import Session

LEGEND = (". base  T/t THP head/tail  H hugetlb  S shared  L mlocked  P pinned  f file  "
          "z zero page  w swapped  ·· not present  _ in request")
CURSOR = Style(color="black", bgcolor="yellow", bold=True)
SELECTED = Style(reverse=True)
HEADER = Style(bold=True)


#: Second cell of a mapped page, by page kind (the first cell is the node).
KIND_GLYPHS = {"pinned": "P", "mlocked": "L", "hugetlb": "H", "thp_head": "T",
               "thp_tail": "t", "shared": "S", "file": "f", "base": "."}
#: Both cells of a page that is on no node.
NO_NODE_GLYPHS = {"unmapped": "  ", "not_present": "··", "zero": "-z", "huge_zero": "-Z",
                  "swapped": "-w"}


@dataclass(frozen=True, slots=True)
class Row:
    """One line: a region header (``count == 0``) or ``count`` pages from ``first``."""

    region: int
    first: int
    count: int
    text: str = ""


class AddressSpace(ScrollView, can_focus=True):
    """Pages of the session's process; cursor and range selection for composing."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1, 0)", "Page up a row", id="as.up", show=False),
        Binding("down,j", "cursor(1, 0)", "Page down a row", id="as.down", show=False),
        Binding("left", "cursor(0, -1)", "Previous page", id="as.left", show=False),
        Binding("right,l", "cursor(0, 1)", "Next page", id="as.right", show=False),
        Binding("pageup", "cursor(-10, 0)", "Ten rows up", id="as.pageup", show=False),
        Binding("pagedown", "cursor(10, 0)", "Ten rows down", id="as.pagedown", show=False),
        Binding("home", "jump(0)", "First page", id="as.home", show=False),
        Binding("end", "jump(-1)", "Last page", id="as.end", show=False),
        Binding("v", "mark", "Range", id="as.mark",
                tooltip="Start a range selection; v again ends it; a node key sends it"),
        Binding("escape", "clear_mark", "Clear the selection", id="as.clear", show=False),
        *[Binding(str(n), f"assign({n})", f"Send selection to node {n}", id=f"as.node{n}",
                  show=False) for n in range(10)],
        Binding("enter", "call", "Call move_pages", id="as.call"),
    ]

    cursor: reactive[int] = reactive(0, repaint=False)
    mark_start: reactive[int | None] = reactive(None, repaint=False)
    #: Set when ``v`` ended the range: the selection stays put while the cursor moves.
    mark_end: reactive[int | None] = reactive(None, repaint=False)
    version: reactive[int] = reactive(-1, repaint=False)

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

    def __init__(self, session: Session, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.session = session
        #: (region id, page) -> target node of the request being composed.
        self.draft: dict[tuple[str, int], int] = {}
        #: First line of each region's header; rows are computed on demand, so a
        #: 1 GiB region costs nothing to lay out.
        self._row_starts: list[int] = []
        self._n_lines = 0
        self._label_w = (1, 1)
        self._region_ids: list[str] = []
        self._offsets: list[int] = []  # flat index of each region's first page
        self._total = 0
        self._layout_key: tuple[int, ...] = (-1,)
        self._per_row = 16
        self._cache: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)

    # -- layout ------------------------------------------------------------------------
    def _ensure_layout(self) -> None:
        width = self.scrollable_content_region.width or self.size.width or 80
        key = (id(self.session.runner), len(self.session.runner.regions), width)
        if key == self._layout_key and self._n_lines:
            return
        runner = self.session.runner
        regions = sorted(runner.regions.items(), key=lambda kv: kv[1].base)
        digits = max((len(str(r.pages)) for _, r in regions), default=1)
        name_w = max((len(rid) for rid, _ in regions), default=1)
        room = max(8, (width - (name_w + digits + 3)) // 2)
        per_row = 1
        while per_row * 2 <= room and per_row < 64:
            per_row *= 2
        self._per_row = per_row
        self._label_w = (name_w, digits)
        starts: list[int] = []
        offsets: list[int] = []
        flat = line = 0
        for _rid, reg in regions:
            offsets.append(flat)
            starts.append(line)
            line += 1 + -(-reg.pages // per_row)
            flat += reg.pages
        self._row_starts = starts
        self._n_lines = line
        self._region_ids = [rid for rid, _ in regions]
        self._offsets = offsets
        self._total = flat
        self._layout_key = key
        self._cache.clear()
        self.virtual_size = Size(width, line)

    def _row(self, line: int) -> Row:
        """The row shown on ``line`` (a region header or a run of pages)."""
        ri = bisect.bisect_right(self._row_starts, line) - 1
        rid = self._region_ids[ri]
        reg = self.session.runner.regions[rid]
        within = line - self._row_starts[ri]
        if within == 0:
            return Row(ri, 0, 0, f"{rid}: {reg.kind}, {reg.pages} pages at {reg.base:#x}")
        first = (within - 1) * self._per_row
        name_w, digits = self._label_w
        return Row(ri, first, min(self._per_row, reg.pages - first),
                   f"{rid}[{first:>{digits}}]".ljust(name_w + digits + 3))

    def _locate(self, flat: int) -> tuple[int, int]:
        """(region index, page) of a flat page index."""
        ri = 0
        for i, off in enumerate(self._offsets):
            if off <= flat:
                ri = i
        return ri, flat - self._offsets[ri]

    def _row_of(self, flat: int) -> int:
        """Line number of a flat page index."""
        ri, page = self._locate(flat)
        line = 0
        for i in range(ri):
            reg = self.session.runner.regions[self._region_ids[i]]
            line += 1 + -(-reg.pages // self._per_row)
        return line + 1 + page // self._per_row

    # -- state pushed down ---------------------------------------------------------------
    def watch_version(self) -> None:
        self._cache.clear()
        self.refresh()

    def set_draft(self, draft: dict[tuple[str, int], int]) -> None:
        """Show which pages are in the request being composed."""
        self.draft = draft
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
        reg = self.session.runner.regions[rid]
        _, what = self._cell(reg.base + page * PAGE_SIZE)
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
        if old != self.cursor:
            self._cache.clear()
            self.refresh()
        line = self._row_of(self.cursor)
        height = self.scrollable_content_region.height
        if line < self.scroll_offset.y:
            self.scroll_to(y=max(0, line - 1), animate=False, immediate=True)
        elif line >= self.scroll_offset.y + height:
            self.scroll_to(y=line - height + 1, animate=False, immediate=True)
        self.post_message(self.CursorMoved(self.describe_cursor()))

    def action_mark(self) -> None:
        """Start a range at the cursor; end it (it stays selected for a node key);
        a third ``v`` starts a new range."""
        if self.mark_start is None or self.mark_end is not None:
            self.mark_start, self.mark_end = self.cursor, None
        else:
            self.mark_end = self.cursor
        self._cache.clear()
        self.refresh()
        self.post_message(self.CursorMoved(self.describe_cursor()))

    def action_clear_mark(self) -> None:
        """Drop the selection."""
        self.mark_start = self.mark_end = None
        self._cache.clear()
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
        self._cache.clear()
        self.refresh()

    # -- drawing ------------------------------------------------------------------------
    def _cell(self, addr: int) -> tuple[tuple[str, Style], str]:
        page = page_view(self.session.runner, addr)
        if page.node is None:
            return (NO_NODE_GLYPHS.get(page.kind, "  "), DIM), page.detail
        kind = KIND_GLYPHS[page.kind]
        style = Style(color=node_colour(page.node), bold=kind in "THPL")
        return (node_glyph(page.node) + kind, style), page.detail

    def render_line(self, y: int) -> Strip:
        """Draw one visible line (Line API)."""
        self._ensure_layout()
        scroll_x, scroll_y = self.scroll_offset
        line = scroll_y + y
        width = self.scrollable_content_region.width
        if line >= self._n_lines:
            return Strip.blank(width)
        row = self._row(line)
        base_flat = self._offsets[row.region] + row.first
        lo, hi = self.selection()
        in_row = (base_flat <= self.cursor < base_flat + row.count
                  or (lo <= base_flat + row.count - 1 and hi >= base_flat))
        key = (line, width, scroll_x, self.session.version,
               (self.cursor, lo, hi) if in_row else None)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._draw(row, base_flat, lo, hi).crop_extend(scroll_x, scroll_x + width,
                                                                    None)
            self._cache[key] = strip
        return strip

    def _draw(self, row: Row, base_flat: int, lo: int, hi: int) -> Strip:
        if row.count == 0:
            return Strip([Segment(row.text, HEADER)])
        rid = self._region_ids[row.region]
        reg = self.session.runner.regions[rid]
        segs = [Segment(row.text, DIM)]
        for i in range(row.count):
            page = row.first + i
            flat = base_flat + i
            (text, style), _ = self._cell(reg.base + page * PAGE_SIZE)
            if (rid, page) in self.draft:
                style = style + Style(underline=True)
                text = text[0] + "_" if text[1] == "." else text
            if flat == self.cursor:
                style = style + CURSOR
            elif lo <= flat <= hi and self.mark_start is not None:
                style = style + SELECTED
            segs.append(Segment(text, style))
        return Strip(segs)
