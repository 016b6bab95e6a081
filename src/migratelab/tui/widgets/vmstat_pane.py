"""``/proc/vmstat`` counters and the last call's deltas."""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text

from migratelab.game import view
from migratelab.tui.style import DIM
from migratelab.tui.widgets.pane import LivePane


class VmstatPane(LivePane):
    """Non-zero counters, with the last call's delta beside them."""

    def draw(self) -> RenderableType:
        """Counter table."""
        t = Text()
        vm = view.vmstat(self.session.runner.k)
        delta = (self.session.last_record or {}).get("vmstat_delta", {})
        t.append("/proc/vmstat\n", "bold")
        names = sorted(n for n, v in vm.items() if v)
        if not names:
            t.append("(all zero)", DIM)
        for name in names:
            t.append(f"{name:<26}{vm[name]:>9}")
            d = delta.get(name, 0)
            if d:
                t.append(f"  {d:+d}", "bold")
            t.append("\n")
        return t
