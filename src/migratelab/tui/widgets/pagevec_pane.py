"""Per-CPU LRU-add pagevecs, each slot labelled with the folio waiting in it.

A folio in a pagevec has PG_lru clear: isolate_lru_page() refuses it, which is
why move_pages drains the pagevecs first (and why a page added after the drain
gets -EBUSY).
"""

from __future__ import annotations

from rich.console import RenderableType

from migratelab.tui.style import BOLD, DIM, node_style
from migratelab.tui.widgets.pane import LivePane
from migratelab.tui.widgets.rows import Rows

#: Slots named before "+ N more".
SHOWN = 8


class PagevecPane(LivePane):
    """One line per CPU: ``cpu0 (node 0) [1:A[3] 2:A[4] · ·] 2/15``."""

    def draw(self) -> RenderableType:
        """Pagevec per CPU."""
        t = Rows(no_wrap=True, overflow="ellipsis")
        vecs = self.session.view().pagevecs
        for i, vec in enumerate(vecs):
            if i:
                t.append("\n")
            t.append(f"cpu{vec.cpu} ", BOLD)
            t.append(f"(node {vec.node}) ", node_style(vec.node))
            t.append("[")
            for j, name in enumerate(vec.slots[:SHOWN]):
                t.append(f"{j + 1}:", DIM)
                t.append(name + " ")
            if len(vec.slots) > SHOWN:
                t.append(f"+{len(vec.slots) - SHOWN} ", DIM)
            free = vec.size - len(vec.slots)
            t.append("·" * min(free, 4) + ("…" if free > 4 else ""), DIM)
            t.append("]")
            t.append(f" {len(vec.slots)}/{vec.size}" + ("" if vec.slots else " empty"), DIM)
        return t
