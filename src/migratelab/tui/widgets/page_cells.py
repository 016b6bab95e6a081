"""The two cells that draw a page in the address space: node digit and kind glyph."""

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
