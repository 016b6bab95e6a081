"""The batch being built and the migrate_pages() call in progress (from events)."""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text

from migratelab.tui.style import DIM, node_style
from migratelab.tui.widgets.pane import LivePane


class BatchPane(LivePane):
    """do_pages_move's current run and migrate_pages' passes."""

    def draw(self) -> RenderableType:
        """Batch and migrate_pages state."""
        t = Text()
        live = self.session.live
        if live is None:
            t.append("batch: no call yet", DIM)
            return t
        if live.batch is None:
            t.append("batch: none open\n", DIM)
        else:
            node, start, end = live.batch
            t.append("batch: ", "bold")
            t.append(f"node {node}" if node >= 0 else "chunk", node_style(max(node, 0)))
            t.append(f" entries [{start}:{'…' if end is None else end}]"
                     f" {'(open)' if end is None else '(flushed)'}\n")
        for node, start, end, why in live.flushes[-3:]:
            t.append(f"  flushed [{start}:{end}] -> node {node}: {why}\n", DIM)
        mig = live.migrate
        if mig is None:
            t.append("migrate_pages: not called yet\n", DIM)
        else:
            state = "done" if mig["done"] else f"pass {mig['pass']} {mig['phase']}".strip()
            t.append(f"migrate_pages #{live.migrate_calls}: ", "bold")
            t.append(f"{mig['folios']} folios -> node {mig['node']} ({mig['reason']}, "
                     f"{mig['mode']}) {state}\n")
            t.append(f"  moved {mig['moved']} failed {mig['failed']}")
            if mig["done"]:
                t.append(f"  ret {mig.get('ret')}")
        if live.done:
            t.append(f"\nreturned {live.ret}" + (f" errno {live.errno}" if live.errno else ""),
                     "bold")
        return t
