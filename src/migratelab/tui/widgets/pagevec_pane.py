"""Per-CPU LRU-add pagevecs: pages waiting with PG_lru clear."""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text

from migratelab.tui.style import DIM, node_style
from migratelab.tui.widgets.pane import LivePane


class PagevecPane(LivePane):
    """One line per CPU: fill level and the folios in it."""

    def draw(self) -> RenderableType:
        """Pagevec per CPU."""
        t = Text()
        lru = self.session.runner.k.lru
        t.append(f"pagevecs (size {lru.pagevec_size})\n", "bold")
        for cpu in lru.cpus:
            n = len(cpu.pagevec)
            bar = "■" * min(n, lru.pagevec_size) + "□" * max(0, lru.pagevec_size - n)
            t.append(f"cpu{cpu.cpu} ")
            t.append(f"(node {cpu.node}) ", node_style(cpu.node))
            t.append(f"{bar} {n}")
            if n:
                t.append("  " + " ".join(f"@{f.pfn}" for f in cpu.pagevec[:6]), DIM)
            t.append("\n")
        return t
