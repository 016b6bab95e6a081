"""Which pane shows what the last step changed: marked borders and followed tabs.

"What changed" is the game layer's :class:`~migratelab.game.records.Change`;
this module maps it to panes. A pane whose part changed gets ``◆`` in its title
while a call runs (a glyph, not a class: a class change restyles and lays out
the whole screen, a title change repaints one border). In the narrow layout the
tab of the most telling change comes to the front.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from textual.widget import Widget
from textual.widgets import TabbedContent

from migratelab.game.records import Change
from migratelab.tui.screens.play_layout import TABS, TITLES

#: The pane that shows each kind of change, most telling first (narrow tabs follow it).
FOLLOW = ((Change.NODES, "tab-nodes"), (Change.LRU, "tab-lru"),
          (Change.STATUS | Change.BATCH | Change.REQUEST, "tab-call"),
          (Change.PAGEVECS, "tab-lru"), (Change.VMSTAT, "tab-vmstat"))
#: Change flag -> pane id (a pane whose part changed gets a marked border).
PANE_OF = {Change.REQUEST: "pane-request", Change.BATCH: "pane-batch",
           Change.STATUS: "pane-status", Change.NODES: "pane-nodes", Change.LRU: "pane-lru",
           Change.PAGEVECS: "pane-pagevecs", Change.VMSTAT: "pane-vmstat",
           Change.ADDRESS: "pane-address"}


def mark_panes(panes: Mapping[str, Sequence[Widget]], tabs: TabbedContent | None,
               changed: Change, busy: bool) -> None:
    """``◆`` on the title of every pane (and tab) whose part ``changed``."""
    for flag, wid in PANE_OF.items():
        for w in panes.get(wid, ()):
            title = ("◆ " if changed & flag and busy else "") + TITLES[wid]
            if w.border_title != title:
                w.border_title = title
    if tabs is None:
        return
    marked = {tab for tab, (_, names) in TABS.items()
              if any(changed & flag and PANE_OF[flag].removeprefix("pane-") in names
                     for flag in PANE_OF)} if busy else set()
    present = {pane.id for pane in tabs.query("TabPane")}
    for tab_id, (title, _) in TABS.items():
        if tab_id not in present:
            continue
        tab = tabs.get_tab(tab_id)
        label = ("◆" + title) if tab_id in marked else title
        if str(tab.label) != label:  # a new label reflows the tab strip
            tab.label = label


def follow(tabs: TabbedContent, changed: Change) -> None:
    """Bring the tab of the most telling change to the front."""
    for flag, tab in FOLLOW:
        if changed & flag:
            if tabs.active != tab:
                tabs.active = tab
            return


def next_tab(tabs: TabbedContent) -> None:
    """Bring the next tab to the front (the first after the last)."""
    ids = [pane.id for pane in tabs.query("TabPane") if pane.id]
    tabs.active = ids[(ids.index(tabs.active) + 1) % len(ids)] if tabs.active in ids \
        else ids[0]
