"""The trace log: the most recent events, newest last."""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text

from migratelab.tui.style import DIM
from migratelab.tui.widgets.pane import LivePane


class TracePane(LivePane):
    """As many trailing trace lines as fit."""

    def draw(self) -> RenderableType:
        """Last lines of the trace."""
        height = max(1, self.size.height or 10)
        lines = list(self.session.trace)[-height:]
        t = Text(no_wrap=True, overflow="ellipsis")
        if not lines:
            t.append("trace: nothing yet (events appear as you step)", DIM)
        for i, line in enumerate(lines):
            style = "bold" if i == len(lines) - 1 else ("italic" if line.startswith("#") else "")
            t.append(line + ("\n" if i < len(lines) - 1 else ""), style)
        return t
