"""The batch do_pages_move() is building, and the migrate_pages() call it ends in.

Shows the batch's node and ``[start, end)`` (``end`` is the cursor while the
batch is open), the folios on the migration list by address label, entries
that were refused and why, then migrate_pages()'s pass and each folio's
outcome (``✔`` moved, ``✘`` failed, ``÷`` split), and the syscall's return.
"""

from __future__ import annotations

from rich.console import RenderableType

from migratelab.game.records import LiveCall, MigrateState
from migratelab.tui.style import BOLD, DIM, ERROR, OK, node_style
from migratelab.tui.widgets.pane import LivePane
from migratelab.tui.widgets.rows import Rows
from migratelab.tui.widgets.status_pane import ret_text

#: Folio labels and outcomes shown (the rest are counted).
SHOWN = 5


def _names(t: Rows, names: list[str], total: int) -> None:
    t.append(", ".join(names[:SHOWN]) or "(none)")
    if total > min(len(names), SHOWN):
        t.append(f" … {total - min(len(names), SHOWN)} more", DIM)


class BatchPane(LivePane):
    """do_pages_move's current batch and migrate_pages' passes."""

    def draw(self) -> RenderableType:
        """Batch and migrate_pages state."""
        t = Rows()
        live = self.session.live
        if live is None:
            t.append("no call yet: the batch of entries for one node, and the "
                     "migrate_pages() call that moves it, appear here", DIM)
            return t
        self._batch(t, live)
        if live.migrate is None:
            t.append("\nmigrate_pages(): not called yet", DIM)
        else:
            self._migrate(t, live.migrate)
        if live.done:
            t.append("\nmove_pages() returned ", BOLD)
            t.append_text(ret_text(live.ret, live.errno))
        return t

    def _batch(self, t: Rows, live: LiveCall) -> None:
        if live.query:
            t.append("query (nodes=NULL): no batches, each entry's node is stored", DIM)
            return
        if live.batch is None:
            t.append("batch: none open yet", DIM)
            return
        node, start, end = live.batch
        is_open = end is None
        shown_end = (live.cursor + 1 if live.cursor is not None else start) if is_open else end
        t.append("chunk " if live.chunk else "batch ", BOLD)
        if node >= 0:
            t.append(f"→ node {node} ", node_style(node) + BOLD)
        else:
            t.append("(each entry to its own node) ")
        t.append(f"entries [{start}, {shown_end})")
        t.append("  open: more may join" if is_open else "  flushed", DIM)
        t.append("\n  on the migration list: ")
        if is_open:
            _names(t, live.queued, live.queued_total)
        else:  # flushed: migrate_pages() takes each folio off as it is moved
            lru = self.session.view().lru
            _names(t, [name for node in lru for name in node.isolated],
                   sum(node.isolated_folios for node in lru))
        for line in live.refused[-3:]:
            t.append("\n  not queued: ", ERROR)
            t.append(line)
        if live.flushes:
            last = live.flushes[-1]
            t.append(f"\n  last flush [{last.start}, {last.end}) → node {last.node}: "
                     f"{last.why}", DIM)

    def _migrate(self, t: Rows, mig: MigrateState) -> None:
        t.append(f"\nmigrate_pages() #{mig.number}: ", BOLD)
        t.append(f"{mig.folios} folios → " + (f"node {mig.node}" if mig.node >= 0
                                               else "each folio's own node"))
        t.append(f", {mig.mode}")
        if mig.done:
            t.append(f"  returned {mig.ret}", BOLD)
        elif mig.passes:  # a line of its own: never wrapped mid-phrase
            t.append(f"\n  pass {mig.passes} ({mig.phase}), {mig.left} left", BOLD)
        t.append(f"\n  moved {mig.moved}  failed {mig.failed}  split {mig.split}", DIM)
        for out in mig.outcomes[-SHOWN:]:
            mark = "✔" if out.ok else ("÷" if out.result.startswith("split") else "✘")
            t.append(f"\n  {mark} ", OK if out.ok else ERROR)
            t.append(f"{out.label}: {out.result}")
