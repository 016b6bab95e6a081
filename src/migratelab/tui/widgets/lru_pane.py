"""LRU lists per node: page counts and the heads of each list."""

from __future__ import annotations

from rich.console import RenderableType
from rich.style import Style
from rich.text import Text

from migratelab.kernel.lru import LRU_NAMES
from migratelab.tui.style import DIM, node_style
from migratelab.tui.widgets.pane import LivePane


class LruPane(LivePane):
    """``kernel.lru.vecs[n]``: counts, isolated pages and list heads."""

    def draw(self) -> RenderableType:
        """One block per node."""
        t = Text()
        k = self.session.runner.k
        for nid, vec in enumerate(k.lru.vecs):
            t.append(f"node {nid}", node_style(nid) + Style(bold=True))
            t.append(f"  isolated {vec.nr_isolated}\n", DIM)
            counts = vec.counts()
            for name in LRU_NAMES:
                if not counts[name] and name.startswith("active"):
                    continue
                heads = " ".join(f.label() for f in vec.head(name, 2))
                t.append(f"  {name:<14}{counts[name]:>7}  ")
                t.append(f"{heads}\n", DIM)
        if k.lru.disabled:
            t.append("lru_cache_disable() in force: adds bypass the pagevecs\n", "bold")
        return t
