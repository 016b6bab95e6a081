"""Base of the info panes: a Static redrawn from the session when its version changes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import RenderableType
from textual.reactive import reactive
from textual.widgets import Static

if TYPE_CHECKING:
    from migratelab.game.session import Session


class LivePane(Static):
    """A pane that renders session state; set ``version`` (attribute down) to redraw."""

    DEFAULT_CLASSES = "pane"
    version: reactive[int] = reactive(-1, repaint=True, layout=True)

    def __init__(self, session: Session, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.session = session

    def render(self) -> RenderableType:
        """Draw the pane from the session."""
        return self.draw()

    def draw(self) -> RenderableType:
        """Subclasses return what to show."""
        raise NotImplementedError
