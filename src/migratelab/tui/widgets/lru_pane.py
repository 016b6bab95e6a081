"""LRU lists per node: page counts and the heads of each list."""

from __future__ import annotations

from rich.console import RenderableType
from rich.style import Style
from rich.text import Text

from migratelab.game import view
from migratelab.tui.style import DIM, node_style
from migratelab.tui.widgets.pane import LivePane


class LruPane(LivePane):
    """Per node: page counts, isolated pages and list heads."""

    def draw(self) -> RenderableType:
        """One block per node."""
        t = Text()
        k = self.session.runner.k
        for node in view.lru(k):
            t.append(f"node {node.nid}", node_style(node.nid) + Style(bold=True))
            t.append(f"  isolated {node.isolated}\n", DIM)
            for lst in node.lists:
                if not lst.pages and lst.name.startswith("active"):
                    continue
                t.append(f"  {lst.name:<14}{lst.pages:>7}  ")
                t.append(f"{' '.join(lst.heads)}\n", DIM)
        if view.lru_cache_disabled(k):
            t.append("lru_cache_disable() in force: adds bypass the pagevecs\n", "bold")
        return t
