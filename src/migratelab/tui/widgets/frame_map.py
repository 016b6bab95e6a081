"""Physical memory of every node: one cell per 2 MiB block, drawn with the Line API.

Cells: ``·`` free block, ``░▒▓█`` a block split into base pages (by how full it
is), ``T`` a THP, ``H`` a hugetlb page in use, ``h`` a free hugetlb pool page,
``#`` filler. Kind is told by glyph and colour; only visible lines are rendered
and strips are cached on the session's version counter.
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

from migratelab.game.view import BlockView, blocks, nodes
from migratelab.tui.style import DIM, node_colour

if TYPE_CHECKING:
    from migratelab.game.session import Session

LEGEND = "· free  ░▒▓█ base pages (fill)  T THP  H hugetlb  h free hugetlb  # filler"
FREE = Style(color="bright_black")
BASE = Style(color="green")
THP = Style(color="magenta", bold=True)
HUGE = Style(color="yellow", bold=True)
HUGE_FREE = Style(color="yellow", dim=True)
FILL = Style(color="grey50")
SHADES = "░▒▓█"


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

    version: reactive[int] = reactive(-1, repaint=False)

    def __init__(self, session: Session, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.session = session
        self._cache: LRUCache[tuple[int, int, int], Strip] = LRUCache(512)
        self._rows: list[tuple[int, int]] = []  # (node, first block) or (node, -1) header
        self._per_row = 64
        self._key: tuple[int, int] = (-1, -1)

    def watch_version(self) -> None:
        self.refresh()

    def on_resize(self) -> None:
        self._key = (-1, -1)

    def _layout(self) -> None:
        width = self.scrollable_content_region.width or 60
        key = (id(self.session.runner), width)
        if key == self._key:
            return
        self._per_row = max(8, width - 7)
        rows: list[tuple[int, int]] = []
        for node in nodes(self.session.runner.k):
            rows.append((node.nid, -1))
            if node.has_memory:
                rows.extend((node.nid, b) for b in range(0, node.blocks, self._per_row))
        rows.append((-1, -1))
        self._rows = rows
        self._key = key
        self._cache.clear()
        self.virtual_size = Size(width, len(rows))

    def render_line(self, y: int) -> Strip:
        """Draw one visible line (Line API)."""
        self._layout()
        line = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        if line >= len(self._rows):
            return Strip.blank(width)
        key = (line, width, self.session.version)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._draw(*self._rows[line]).crop_extend(0, width, None)
            self._cache[key] = strip
        return strip

    def _draw(self, nid: int, first: int) -> Strip:
        k = self.session.runner.k
        if nid < 0:
            return Strip([Segment(LEGEND, DIM)])
        if first < 0:
            node = nodes(k)[nid]
            colour = Style(color=node_colour(nid), bold=True)
            if not node.has_memory:
                return Strip([Segment(f"node {nid}: no memory", colour)])
            text = (f"node {nid}: used {node.used_mb} / {node.total_mb} MiB, "
                    f"free 2M blocks {node.free_2m_blocks}, "
                    f"hugetlb {node.hugetlb_free}/{node.hugetlb_total} free")
            return Strip([Segment(text, colour)])
        segs = [Segment(f"{first * 2:>5}M ", DIM)]
        run_text: list[str] = []
        run_style: Style | None = None
        for block in blocks(k, nid, first, self._per_row):
            glyph, style = block_cell(block)
            if style is not run_style and run_text:
                segs.append(Segment("".join(run_text), run_style))
                run_text = []
            run_style = style
            run_text.append(glyph)
        if run_text:
            segs.append(Segment("".join(run_text), run_style))
        return Strip(segs)
