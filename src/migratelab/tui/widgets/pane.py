"""Base of the info panes: a Static redrawn from the session when its version changes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import RenderableType
from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

if TYPE_CHECKING:
    from migratelab.game.session import Session


class LivePane(Static):
    """A pane that renders session state; ``version`` is bound to the screen's."""

    DEFAULT_CLASSES = "pane"
    #: The pane's height is set by the layout, not by its content (never re-layout).
    FIXED_HEIGHT = False
    version: reactive[int] = reactive(-1, repaint=False)

    def __init__(self, session: Session, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.session = session
        self._drawn: RenderableType | None = None
        self._height = -1

    def watch_version(self) -> None:
        """Redraw; ask for a (whole-screen) layout only when the height changed.

        Panes are ``height: auto``, so a new line must reflow the screen, but most
        steps change text in place and a repaint of this pane is enough.
        """
        self.redraw()

    def redraw(self) -> None:
        """Draw again from the session."""
        self._drawn = None
        if not self.is_mounted:
            return
        if not self.size.width:
            # in a hidden tab: showing the tab lays it out and measures it anyway
            self._height = -1
            return
        self._drawn = self.draw()
        self.refresh()  # drops the cached visual and height, so the height below is new
        if self.FIXED_HEIGHT:
            return
        height = self.get_content_height(self.size, self.app.size, self.content_size.width)
        if height < self._height and self.session.busy and isinstance(self._drawn, Text):
            # while a call runs a pane keeps the tallest height it needed: a layout of
            # the whole screen per step costs more than a blank line
            self._drawn.append("\n" * (self._height - height))
            return
        if height != self._height:
            self._height = height
            self.refresh(layout=True)

    def on_resize(self) -> None:
        """A new width: draw again (panes wrap and window to their width)."""
        self._drawn = None

    def render(self) -> RenderableType:
        """Draw the pane from the session."""
        if self._drawn is None:
            self._drawn = self.draw()
        return self._drawn

    @property
    def inner_width(self) -> int:
        """Columns inside the border (a guess before the first layout)."""
        return self.content_size.width or 60

    def draw(self) -> RenderableType:
        """Subclasses return what to show."""
        raise NotImplementedError
