"""Physical memory of every node: one cell per 2 MiB block, drawn with the Line API.

Cells: ``·`` free block, ``░▒▓█`` a block split into base pages (by how full it
is), ``T`` a THP, ``H`` a hugetlb page in use, ``h`` a free hugetlb pool page,
``#`` filler. Blocks the last step touched are drawn ``+`` (a frame allocated:
the target), ``-`` (a frame freed: the old one) or ``÷`` (a THP split) on a
yellow background, and a line under the node names them. Only visible lines
are rendered; a line's strip is cached on the frames' version and the marks
on that line, so a step repaints only the lines it marked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.style import Style
from textual.cache import LRUCache
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from migratelab.game.records import Change, FrameChange
from migratelab.game.view import BlockView
from migratelab.tui.style import DIM, LAST, legend, node_colour
from migratelab.tui.widgets.pane import SeenThisCall
from migratelab.tui.widgets.per_version import PerVersion

if TYPE_CHECKING:
    from migratelab.game.session import Session

FREE = Style(color="bright_black")
BASE = Style(color="green")
THP = Style(color="magenta", bold=True)
HUGE = Style(color="yellow", bold=True)
HUGE_FREE = Style(color="yellow", dim=True)
FILL = Style(color="grey50")
SHADES = "░▒▓█"
LEGEND = [("·", FREE, "free 2M block"), ("░▒▓█", BASE, "base pages, ¼ to full"),
          ("T", THP, "THP"), ("H", HUGE, "hugetlb in use"), ("h", HUGE_FREE, "hugetlb pool, free"),
          ("#", FILL, "filler"), ("+", LAST, "frame allocated (last step)"),
          ("-", LAST, "frame freed"), ("÷", LAST, "THP split")]


def block_cell(block: BlockView) -> tuple[str, Style]:
    """Glyph and style of one block."""
    if block.kind == "free":
        return "·", FREE
    if block.kind == "base":
        return SHADES[min(3, max(0, (block.used * 4 - 1) // 512))], BASE
    if block.kind == "thp":
        return "T", THP
    if block.kind == "hugetlb":
        return "H", HUGE
    if block.kind == "hugetlb_free":
        return "h", HUGE_FREE
    if block.kind == "fill":
        return "#", FILL
    return "?", DIM


class FrameMap(ScrollView):
    """Every node's blocks; one widget, however many thousand cells."""

    DEFAULT_CLASSES = "pane"
    version: reactive[int] = reactive(-1, repaint=False)

    def __init__(self, session: Session, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.session = session
        self._cache: LRUCache[tuple[object, ...], Strip] = LRUCache(512)
        #: (node, first block) rows; first -1: the node's header, -2: its last-step line,
        #: node -1: a legend line (first = its index).
        self._rows: list[tuple[int, int]] = []
        self._legend: list[Strip] = []
        self._per_row = 64
        self._key: tuple[int, int, int] = (-1, -1, -1)
        #: (session version, cells per row) -> the last step's changes by row.
        self._marks: tuple[tuple[int, int], dict[tuple[int, int], tuple[FrameChange, ...]]] = (
            (-1, -1), {})
        #: Nodes whose frames the current call changed so far (and the call).
        self._touched: SeenThisCall[int] = SeenThisCall()
        self._row_blocks: PerVersion[tuple[BlockView, ...]] = PerVersion()

    def watch_version(self) -> None:
        """Repaint the visible lines whose frames or marks changed."""
        self._layout()
        width = self.scrollable_content_region.width
        top = self.scroll_offset.y
        for line in range(top, min(len(self._rows), top + self.size.height)):
            if self._line_key(line, width) not in self._cache:
                self.refresh_line(line)

    def _row_marks(self) -> dict[tuple[int, int], tuple[FrameChange, ...]]:
        """The last step's changes by line: (node, first block of the row) and
        (node, -2) for the node's "last step" line."""
        key = (self.session.version, self._per_row)
        if self._marks[0] != key:
            rows: dict[tuple[int, int], list[FrameChange]] = {}
            for c in self._changes():
                rows.setdefault((c.node, c.block - c.block % self._per_row), []).append(c)
                rows.setdefault((c.node, -2), []).append(c)
            self._marks = (key, {k: tuple(v) for k, v in rows.items()})
        return self._marks[1]

    def _line_key(self, line: int, width: int) -> tuple[object, ...]:
        """What a line shows: its blocks or its node's figures, and its marks (a run
        moves pages on every step, but changes few rows between two redraws)."""
        nid, first = self._rows[line]
        shown: object = (self._blocks(nid, first) if first >= 0
                         else self.session.view().nodes[nid] if nid >= 0 and first == -1
                         else None)
        return line, width, shown, self._row_marks().get((nid, first), ())

    def _blocks(self, nid: int, first: int) -> tuple[BlockView, ...]:
        """A row's blocks, read once per version of the frames."""
        per_row = self._per_row
        return self._row_blocks.get(self.session.part_version(Change.NODES),
                                    (nid, first, per_row),
                                    lambda: self.session.view().blocks(nid, first, per_row))

    def on_resize(self) -> None:
        self._key = (-1, -1, -1)
        self._layout()

    def _changes(self) -> list[FrameChange]:
        live = self.session.live
        return live.frames if live is not None and not live.done else []

    def _layout(self) -> None:
        width = self.scrollable_content_region.width or self.size.width or 60
        live = self.session.live
        # a node's "last step" row stays for the rest of the call once it had one
        touched = self._touched.see(live, (c.node for c in self._changes()))
        if live is None or live.done:
            touched = set()
        key = (len(self.session.view().nodes), width, hash(frozenset(touched)))
        if key == self._key and self._rows:
            return
        self._per_row = max(8, width - 7)
        rows: list[tuple[int, int]] = []
        for node in self.session.view().nodes:
            rows.append((node.nid, -1))
            if node.has_memory:
                rows.extend((node.nid, b) for b in range(0, node.blocks, self._per_row))
            if node.nid in touched:
                rows.append((node.nid, -2))
        text = legend(LEGEND, width)
        self._legend = [Strip(line.render(self.app.console)) for line in
                        text.split("\n")]
        rows.extend((-1, i) for i in range(len(self._legend)))
        self._key = key
        self._cache.clear()
        grown = len(rows) != len(self._rows)
        self._rows = rows
        self.virtual_size = Size(width, len(rows))
        self.refresh(layout=grown)

    def render_line(self, y: int) -> Strip:
        """Draw one visible line (Line API)."""
        if not self._rows:
            self._layout()
        line = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        if line >= len(self._rows):
            return Strip.blank(width, self.rich_style)
        key = self._line_key(line, width)
        strip = self._cache.get(key)
        if strip is None:
            base = self.rich_style
            strip = self._draw(*self._rows[line]).apply_style(base).crop_extend(0, width, base)
            self._cache[key] = strip
        return strip

    def _draw(self, nid: int, first: int) -> Strip:
        machine = self.session.view()
        if nid < 0:
            return self._legend[first]
        node = machine.nodes[nid]
        colour = Style(color=node_colour(nid), bold=True)
        if first == -1:
            if not node.has_memory:
                return Strip([Segment(f"node {nid}: no memory (memoryless node)", colour)])
            text = (f"node {nid}: {node.used_mb}/{node.total_mb} MiB used · "
                    f"{node.free_2m_blocks} free 2M"
                    + (f" · hugetlb {node.hugetlb_free}/{node.hugetlb_total} free"
                       if node.hugetlb_total else ""))
            return Strip([Segment(text, colour)])
        changes = self._row_marks().get((nid, first), ())
        if first == -2:
            if not changes:  # the row stays for the call (rows coming and going re-lay out)
                return Strip([Segment("      (no change in the last step)", DIM)])
            words = "  ".join(f"{c.sign}{c.label} pfn {c.pfn:#x}" for c in changes)
            return Strip([Segment("      ", DIM), Segment(words, LAST)])
        marks = {c.block: c.sign for c in changes}
        segs = [Segment(f"{first * 2:>5}M ", DIM)]
        run_text: list[str] = []
        run_style: Style | None = None
        for i, block in enumerate(self._blocks(nid, first)):
            glyph, style = block_cell(block)
            mark = marks.get(first + i)
            if mark is not None:
                glyph, style = mark, LAST
            if style is not run_style and run_text:
                segs.append(Segment("".join(run_text), run_style))
                run_text = []
            run_style = style
            run_text.append(glyph)
        if run_text:
            segs.append(Segment("".join(run_text), run_style))
        return Strip(segs)
