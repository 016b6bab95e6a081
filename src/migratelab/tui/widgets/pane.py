"""Base of the info panes: a Static redrawn from the session when its version changes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import RenderableType
from rich.text import Text
from textual.cache import LRUCache
from textual.reactive import reactive
from textual.strip import Strip
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
        #: The last drawing as draw() made it (before any padding).
        self._fresh: RenderableType | None = None
        #: (drawing, width, its lines at that width); lines are drawn from ``_strips``.
        self._lines: tuple[Text, int, list[Text]] | None = None
        self._strips: LRUCache[tuple[object, ...], Strip] = LRUCache(256)
        self._height = -1

    def watch_version(self) -> None:
        """Redraw; ask for a (whole-screen) layout only when the height changed.

        Panes are ``height: auto``, so a new line must reflow the screen, but most
        steps change text in place and a repaint of this pane is enough.
        """
        self.redraw()

    def redraw(self) -> None:
        """Draw again from the session; repaint only if the drawing changed.

        Most steps of a call change two or three panes: painting the others again
        would cost most of the frame.
        """
        if not self.is_mounted or not self.size.width:
            # in a hidden tab: showing the tab lays it out and measures it anyway
            self._drawn = self._fresh = None
            self._height = -1
            if self.is_mounted:
                self.refresh()  # drop Textual's cached picture: the next paint draws anew
            return
        fresh = self.draw()
        if self._drawn is not None and self._fresh is not None and fresh == self._fresh:
            return
        self._fresh = fresh
        # padding (below) goes on a copy, so the next drawing compares with this one
        self._drawn = fresh.copy() if isinstance(fresh, Text) else fresh
        self.refresh()  # drops the cached visual and height, so the height below is new
        if self.FIXED_HEIGHT:
            return
        height = self._measure(self._drawn)
        if height < self._height and self.session.busy and isinstance(self._drawn, Text):
            # while a call runs a pane keeps the tallest height it needed: a layout of
            # the whole screen per step costs more than a blank line
            self._drawn.append("\n" * (self._height - height))
            return
        if height != self._height:
            self._height = height
            self.refresh(layout=True)

    def _measure(self, drawn: RenderableType) -> int:
        """Lines the drawing needs at this width (a text is wrapped once, here)."""
        width = self.content_size.width
        if isinstance(drawn, Text) and width:
            return len(self._wrapped(drawn, width))
        return self.get_content_height(self.size, self.app.size, width)

    def _wrapped(self, drawn: Text, width: int) -> list[Text]:
        """The drawing's lines at ``width``: wrapped, or cut with "…" if ``no_wrap``."""
        if self._lines is None or self._lines[0] is not drawn or self._lines[1] != width:
            lines = list(drawn.split("\n", allow_blank=True))
            if any(line.cell_len > width for line in lines):  # most drawings fit as drawn
                lines = list(drawn.wrap(self.app.console, width, overflow=drawn.overflow,
                                        no_wrap=drawn.no_wrap))
            self._lines = (drawn, width, lines)
        return self._lines[2]

    def on_resize(self) -> None:
        """A new width: draw again (panes wrap and window to their width)."""
        self._drawn = self._fresh = None

    def render(self) -> RenderableType:
        """Draw the pane from the session."""
        if self._drawn is None:
            self._drawn = self.draw()
        return self._drawn

    def render_line(self, y: int) -> Strip:
        """One line of the drawing, from a cache keyed on the line's text and styles.

        A step changes a line or two of a pane; Textual's own path turns the whole
        text into strips again on every repaint.
        """
        width = self.content_size.width
        drawn = self.render()
        if not isinstance(drawn, Text) or not width:
            return super().render_line(y)
        lines = self._wrapped(drawn, width)
        if y >= len(lines):
            return Strip.blank(width, self.rich_style)
        line = lines[y]
        key = (width, line.plain, tuple(line.spans), line.style)
        strip = self._strips.get(key)
        if strip is None:
            base = self.rich_style
            strip = Strip(list(line.render(self.app.console))).apply_style(base) \
                .extend_cell_length(width, base)
            self._strips[key] = strip
        return strip

    @property
    def inner_width(self) -> int:
        """Columns inside the border (a guess before the first layout)."""
        return self.content_size.width or 60

    def draw(self) -> RenderableType:
        """Subclasses return what to show."""
        raise NotImplementedError
