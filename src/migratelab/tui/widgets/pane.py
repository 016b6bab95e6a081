"""Base of the info panes: a Static redrawn from the session when its version changes.

A pane's drawing is a :class:`~.rows.Rows` (or a rich Text). The pane cuts it into rows
at its own width (a row too long is wrapped, or cut with "…" when the text is
``no_wrap``) and, after a step, repaints only the rows that differ from the
last drawing: most steps change a row or two of three panes, and Textual
re-renders (border, background, colour filters) every line it is told is dirty.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Generic, TypeVar

from rich.console import RenderableType
from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.strip import Strip
from textual.widgets import Static

from migratelab.tui.widgets.rows import Rows, row_segments, text_rows

if TYPE_CHECKING:
    from migratelab.game.session import Session


T = TypeVar("T")


class SeenThisCall(Generic[T]):
    """What a pane has shown during the current call, kept until the call is over.

    Something that appeared once stays drawn for the rest of the call (a list
    that empties, a node's "last step" row): rows that come and go would lay the
    whole screen out again at each step, and the player sees a folio leave.
    """

    def __init__(self) -> None:
        self._call: object = None
        self._seen: set[T] = set()

    def see(self, call: object, items: Iterable[T]) -> set[T]:
        """Add ``items``; everything seen in ``call`` (a new call starts afresh)."""
        if call is not self._call:
            self._call, self._seen = call, set()
        self._seen.update(items)
        return self._seen


def _same(a: Text, b: Text) -> bool:
    return a is b or (a.plain == b.plain and a.spans == b.spans and a.style == b.style)


class LivePane(Static):
    """A pane that renders session state; ``version`` is bound to the screen's."""

    DEFAULT_CLASSES = "pane"
    #: The pane's height is set by the layout, not by its content (never re-layout).
    FIXED_HEIGHT = False
    version: reactive[int] = reactive(-1, repaint=False)

    def __init__(self, session: Session, *, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.session = session
        #: The last drawing as draw() made it (None: draw again when painted).
        self._fresh: RenderableType | None = None
        #: ``_fresh`` cut into rows at ``_rows_width``, padded (see :meth:`redraw`).
        self._rows: list[Text] | None = None
        self._rows_width = 0
        self._strips: LRUCache[tuple[object, ...], Strip] = LRUCache(256)
        #: Rows the layout last made room for (-1: not laid out with a drawing yet).
        self._height = -1
        #: The pane's own style (Textual works it out from every ancestor's CSS per call).
        self._base: Style | None = None

    def watch_version(self) -> None:
        """Redraw from the session."""
        self.redraw()

    def redraw(self) -> None:
        """Draw again; repaint the rows that changed; lay out only for a new height.

        Panes are ``height: auto``, so a new row must reflow the screen, but most
        steps change rows in place.
        """
        if not self.is_mounted or not self.size.width:
            # in a hidden tab: showing the tab lays it out and measures it anyway
            self._fresh = self._rows = None
            self._height = -1
            if self.is_mounted:
                self.refresh()  # drop Textual's cached picture: the next paint draws anew
            return
        fresh = self.draw()
        last = self._fresh
        if isinstance(fresh, Rows) and isinstance(last, Rows):
            if fresh.reuse(last):
                return  # drawn the same way, part by part
        elif last is not None and fresh == last:  # (a Text drawing)
            return
        width = self.content_size.width
        old = self._rows if self._rows_width == width else None
        self._fresh, self._rows = fresh, None
        if not isinstance(fresh, (Text, Rows)) or not width:
            self.refresh(layout=not self.FIXED_HEIGHT)
            return
        rows = self._rows_at(width)
        if not self.FIXED_HEIGHT and len(rows) < self._height and self.session.busy:
            # while a call runs a pane keeps the tallest height it needed: a layout of
            # the whole screen per step costs more than a blank row
            rows.extend(Text() for _ in range(self._height - len(rows)))
        if self.FIXED_HEIGHT or len(rows) == self._height:
            if old is None:
                self.refresh()
                return
            # (a pane of fixed height may draw fewer rows than it has: the rows one
            # drawing has and the other lacks are blank in the other)
            changed = [Region(0, y, width, 1)
                       for y, (was, now) in enumerate(zip(old, rows, strict=False))
                       if not _same(was, now)]
            changed.extend(Region(0, y, width, 1)
                           for y in range(min(len(old), len(rows)), max(len(old), len(rows))))
            if changed:
                self.refresh(*changed)  # one call: each call costs as much as a row
            return
        self._height = len(rows)
        self.refresh(layout=True)

    def _current(self) -> RenderableType:
        if self._fresh is None:
            self._fresh, self._rows = self.draw(), None
        return self._fresh

    def _rows_at(self, width: int) -> list[Text]:
        """The drawing's rows at ``width`` (cut once per drawing and width)."""
        drawn = self._current()
        assert isinstance(drawn, (Text, Rows))
        if self._rows is None or self._rows_width != width:
            self._rows, self._rows_width = text_rows(drawn, width, self.app.console), width
        return self._rows

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """Rows the drawing takes at ``width`` (without asking rich to wrap it again)."""
        if isinstance(self._current(), (Text, Rows)) and width:
            return len(self._rows_at(width))
        return super().get_content_height(container, viewport, width)

    def on_resize(self) -> None:
        """A new width: draw again (panes wrap and window to their width)."""
        self._fresh = self._rows = None

    def notify_style_update(self) -> None:
        """The CSS changed: the pane's style must be worked out again."""
        self._base = None
        super().notify_style_update()

    def _base_style(self) -> Style:
        if self._base is None:
            self._base = self.rich_style
        return self._base

    def render(self) -> RenderableType:
        """Draw the pane from the session."""
        return self._current()

    def render_line(self, y: int) -> Strip:
        """One row of the drawing, from a cache keyed on the row's text and styles.

        A step changes a row or two of a pane; Textual's own path turns the whole
        text into strips again on every repaint.
        """
        width = self.content_size.width
        if not isinstance(self._current(), (Text, Rows)) or not width:
            return super().render_line(y)
        rows = self._rows_at(width)
        base = self._base_style()
        if y >= len(rows) or not rows[y].plain:  # (an empty row renders as nothing)
            return Strip.blank(width, base)
        row = rows[y]
        key = (width, base, row.plain, tuple(row.spans), row.style)
        strip = self._strips.get(key)
        if strip is None:
            strip = Strip(row_segments(row, self.app.console, base)) \
                .extend_cell_length(width, base)
            self._strips[key] = strip
        return strip

    @property
    def inner_width(self) -> int:
        """Columns inside the border (a guess before the first layout)."""
        return self.content_size.width or 60

    def draw(self) -> Rows | RenderableType:
        """Subclasses return what to show (rows are cheapest to repaint)."""
        raise NotImplementedError
