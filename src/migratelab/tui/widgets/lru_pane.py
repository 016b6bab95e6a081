"""LRU lists per node, drawn as lists: head to tail by address label.

Each node shows its five lists (inactive/active anon and file, unevictable)
with the folios from the head (most recently added), ``… N more`` when long,
and the folios isolated from them onto a migration list. Empty lists are
one word, so a node with nothing on its lists takes one line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import RenderableType
from rich.style import Style

from migratelab.game.machine_view import LruListView
from migratelab.tui.style import BOLD, DIM, node_style
from migratelab.tui.widgets.pane import LivePane, SeenThisCall
from migratelab.tui.widgets.rows import Rows

if TYPE_CHECKING:
    from migratelab.game.session import Session

SHORT = {"inactive_anon": "inactive anon", "active_anon": "active anon",
         "inactive_file": "inactive file", "active_file": "active file",
         "unevictable": "unevictable"}
ISOLATED = Style(color="yellow", bold=True)


def _list(t: Rows, lst: LruListView) -> None:
    t.append(f"  {SHORT.get(lst.name, lst.name):<13}", BOLD)
    t.append(f"{lst.pages:>4}p ", DIM)
    t.append(" ".join(lst.labels) if lst.labels else "(empty)", Style() if lst.labels else DIM)
    if lst.more:
        t.append(f" … {lst.more} more", DIM)


class LruPane(LivePane):
    """Per node: each non-empty list head to tail, and the isolated folios.

    A list that had folios during the current call stays drawn when it empties,
    so a folio is seen leaving it.
    """

    def __init__(self, session: Session, *, id: str | None = None) -> None:
        super().__init__(session, id=id)
        self._seen: SeenThisCall[tuple[int, str]] = SeenThisCall()

    def draw(self) -> RenderableType:
        """One block per node."""
        t = Rows(no_wrap=True, overflow="ellipsis")
        machine = self.session.view()
        seen = self._seen.see(self.session.live, ((node.nid, lst.name) for node in machine.lru
                                                  for lst in node.lists if lst.folios))
        first = True
        for node in machine.lru:
            if not first:
                t.append("\n")
            first = False
            t.append(f"node {node.nid}", node_style(node.nid) + BOLD)
            shown = [lst for lst in node.lists if (node.nid, lst.name) in seen]
            if not shown and not node.isolated_pages:
                t.append("  all lists empty", DIM)
                continue
            for lst in shown:
                t.append("\n")
                _list(t, lst)
            t.append("\n  ")
            t.append(f"{'isolated':<13}", ISOLATED)
            t.append(f"{node.isolated_pages:>4}p ", DIM)
            if node.isolated:
                t.append("⇢ ", ISOLATED)
                t.append(" ".join(node.isolated), ISOLATED)
            else:
                t.append("(none on a migration list)", DIM)
        if machine.lru_cache_disabled:
            t.append("\nlru_cache_disable() in force: adds bypass the pagevecs", BOLD)
        return t
