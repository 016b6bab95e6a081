"""The two cells that draw a page in the address space, kept per version of the frames.

A page's cells (node digit and kind glyph) change only when a frame does. The
machine view is new at every step, so a row drawn again (a scroll, or a mark
of the call moving along it) would look up every page of the row again; these
cells are kept until the frames' version changes instead.
"""

from __future__ import annotations

from functools import lru_cache

from rich.style import Style

from migratelab.tui.style import DIM, node_colour, node_glyph

#: Second cell of a mapped page, by page kind (the first cell is the node).
KIND_GLYPHS = {"pinned": "P", "mlocked": "L", "hugetlb": "H", "thp_head": "T",
               "thp_tail": "t", "shared": "S", "file": "f", "base": "."}
#: Both cells of a page that is on no node.
NO_NODE_GLYPHS = {"unmapped": "  ", "not_present": "··", "zero": "-z", "huge_zero": "-Z",
                  "swapped": "-w"}


@lru_cache(maxsize=512)
def page_cells(kind: str, node: int | None) -> tuple[str, Style]:
    """The two characters and the style that draw a page of ``kind`` on ``node``."""
    if node is None:
        return NO_NODE_GLYPHS.get(kind, "  "), DIM
    glyph = KIND_GLYPHS[kind]
    return node_glyph(node) + glyph, Style(color=node_colour(node), bold=glyph in "THPL")


class CellCache:
    """Cells by address, valid for one version of the frames."""

    def __init__(self) -> None:
        self._version = -1
        self._cells: dict[int, tuple[str, Style]] = {}

    def valid_for(self, version: int) -> dict[int, tuple[str, Style]]:
        """The cells kept for ``version`` (emptied when the frames changed)."""
        if version != self._version:
            self._version, self._cells = version, {}
        return self._cells
