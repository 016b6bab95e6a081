"""A legend that wraps between entries, never inside one."""

from __future__ import annotations

from rich.console import RenderableType
from rich.style import Style
from textual.geometry import Size
from textual.widget import Widget

from migratelab.tui.style import legend


class Legend(Widget):
    """``glyph meaning`` entries packed into as many lines as the width needs."""

    DEFAULT_CSS = "Legend { height: auto; }"

    def __init__(self, entries: list[tuple[str, Style, str]], *,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.entries = entries

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """Lines the entries need at ``width``."""
        return len(legend(self.entries, max(1, width)).split("\n"))

    def render(self) -> RenderableType:
        """The packed legend."""
        return legend(self.entries, max(1, self.content_size.width))
