"""Per-CPU LRU-add pagevecs: pages waiting with PG_lru clear."""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text

from migratelab.game import view
from migratelab.tui.style import DIM, node_style
from migratelab.tui.widgets.pane import LivePane


class PagevecPane(LivePane):
    """One line per CPU: fill level and the folios in it."""

    def draw(self) -> RenderableType:
        """Pagevec per CPU."""
        t = Text()
        vecs = view.pagevecs(self.session.runner.k)
        size = vecs[0].size if vecs else 0
        t.append(f"pagevecs (size {size})\n", "bold")
        for vec in vecs:
            n = len(vec.pfns)
            bar = "■" * min(n, vec.size) + "□" * max(0, vec.size - n)
            t.append(f"cpu{vec.cpu} ")
            t.append(f"(node {vec.node}) ", node_style(vec.node))
            t.append(f"{bar} {n}")
            if n:
                t.append("  " + " ".join(f"@{pfn}" for pfn in vec.pfns[:6]), DIM)
            t.append("\n")
        return t
