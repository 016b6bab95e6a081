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

from migratelab.kernel.folio import HPAGE_NR
from migratelab.kernel.physmem import (
    BLOCK_BASE,
    BLOCK_FILL,
    BLOCK_FREE,
    BLOCK_HUGETLB,
    BLOCK_THP,
    NodeMemory,
)
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


def block_cell(mem: NodeMemory, block: int) -> tuple[str, Style]:
    """Glyph and style of one block."""
    kind = mem.block_kind[block]
    if kind == BLOCK_FREE:
        return "·", FREE
    if kind == BLOCK_BASE:
        used = mem.used_in_block.get(block, HPAGE_NR)
        return SHADES[min(3, (used * 4 - 1) // HPAGE_NR)], BASE
    if kind == BLOCK_THP:
        return "T", THP
    if kind == BLOCK_HUGETLB:
        return ("h", HUGE_FREE) if block in mem.pool_free else ("H", HUGE)
    if kind == BLOCK_FILL:
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
        for node in self.session.runner.k.nodes:
            rows.append((node.nid, -1))
            if node.mem is not None:
                rows.extend((node.nid, b) for b in range(0, node.mem.nblocks, self._per_row))
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
        mem = k.nodes[nid].mem
        if first < 0:
            colour = Style(color=node_colour(nid), bold=True)
            if mem is None:
                return Strip([Segment(f"node {nid}: no memory", colour)])
            used = (mem.total_pages - mem.nr_free) * 4 // 1024
            text = (f"node {nid}: used {used} / {mem.total_pages * 4 // 1024} MiB, "
                    f"free 2M blocks {mem.nr_free_blocks}, "
                    f"hugetlb {len(mem.pool_free)}/{mem.pool_total} free")
            return Strip([Segment(text, colour)])
        assert mem is not None
        segs = [Segment(f"{first * 2:>5}M ", DIM)]
        last = min(mem.nblocks, first + self._per_row)
        run_text: list[str] = []
        run_style: Style | None = None
        for block in range(first, last):
            glyph, style = block_cell(mem, block)
            if style is not run_style and run_text:
                segs.append(Segment("".join(run_text), run_style))
                run_text = []
            run_style = style
            run_text.append(glyph)
        if run_text:
            segs.append(Segment("".join(run_text), run_style))
        return Strip(segs)
