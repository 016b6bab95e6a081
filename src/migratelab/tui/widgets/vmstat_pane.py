"""``/proc/vmstat`` counters, with what the current (or last) call added."""

from __future__ import annotations

from rich.console import RenderableType

from migratelab.tui.style import BOLD, DIM, LAST
from migratelab.tui.widgets.pane import LivePane
from migratelab.tui.widgets.rows import Rows

#: Counters a migration moves; shown even at zero, so a tick is seen.
WATCHED = ("pgmigrate_success", "pgmigrate_fail", "thp_split_page")


class VmstatPane(LivePane):
    """Non-zero counters and the watched ones, delta since the call began."""

    def draw(self) -> RenderableType:
        """Counter table."""
        t = Rows(no_wrap=True)
        vm = self.session.view().vmstat
        before = self.session.vmstat_before
        names = sorted(set(WATCHED) | {n for n, v in vm.items() if v})
        for i, name in enumerate(names):
            if i:
                t.append("\n")
            d = vm.get(name, 0) - before.get(name, 0)
            t.append(f"{name:<24}{vm.get(name, 0):>8}", BOLD if d else DIM)
            if d:
                t.append(f" {d:+d}", LAST)
        return t
