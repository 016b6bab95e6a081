"""Widgets that hand back their last lines when nothing in them changed.

Textual paints a frame by asking every widget that overlaps the box around all
the dirty regions for its lines (``render_lines``). A step dirties the narration
at the top of the play screen and the trace at the bottom, so that box is the
whole screen, and every pane is asked, also the panes the step left alone.
Textual keeps each widget's lines (its ``StylesCache``) but still, per widget
and frame, works out the backgrounds, walks the cached lines and applies the
line filters to each: about 0.1 ms a widget, 1 to 2 ms of a 200x50 frame.

A :class:`KeptLines` widget counts every invalidation of that cache. Each of
Textual's repaint paths (``refresh``, a scroll, a style change, a new size) goes
through the cache's ``set_dirty`` or ``clear``. Asked for the same crop at the
same size, with the same line filters and no invalidation since, the widget
returns the list it returned last time: the lines Textual would have rebuilt
from the same cache.

The play screen's own compositor (:mod:`migratelab.tui.compositor`) no longer
asks the widgets no dirty row crosses, which was most of the saving: on a step
the frame costs the same with and without this mixin (measured). Whether it
still saves anything on other frames (a scroll, a redraw while ``r`` runs) has
not been measured.
"""

from __future__ import annotations

from typing import Any

from textual._styles_cache import StylesCache
from textual.containers import Horizontal, VerticalScroll
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget


class CountedStylesCache(StylesCache):
    """Textual's line cache of one widget, counting the times it is invalidated."""

    def __init__(self) -> None:
        super().__init__()
        #: Goes up on every invalidation.
        self.generation = 0

    def set_dirty(self, *regions: Region) -> None:
        """Mark lines to render again (all of them with no region)."""
        self.generation += 1
        super().set_dirty(*regions)

    def clear(self) -> None:
        """Drop every cached line."""
        self.generation += 1
        super().clear()


class KeptLines(Widget):
    """Mixin: ``render_lines`` returns the last lines while nothing invalidated them.

    List it after the Textual class it extends (``class Pane(Static, KeptLines)``):
    Textual takes a widget's default CSS and CSS type names from the first base
    class only, so ``Static`` must come first.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._counted = CountedStylesCache()
        self._styles_cache = self._counted
        self._kept_key: tuple[object, ...] | None = None
        self._kept: list[Strip] = []

    def render_lines(self, crop: Region) -> list[Strip]:
        """The widget's lines in ``crop`` (the last ones, if still valid)."""
        key: tuple[Region, int, Size, tuple[object, ...]] = (
            crop, self._counted.generation, self.size, tuple(self.app.get_line_filters()))
        if key == self._kept_key:
            return self._kept
        lines = super().render_lines(crop)
        # a render that invalidated the cache (a pane refreshing itself as it
        # draws) leaves nothing kept: the next frame renders again
        self._kept_key = key if self._counted.generation == key[1] else None
        self._kept = lines
        return lines


class KeptHorizontal(Horizontal, KeptLines):
    """A ``Horizontal`` that keeps its lines (the play screen's row of columns)."""


class KeptVerticalScroll(VerticalScroll, KeptLines):
    """A ``VerticalScroll`` that keeps its lines (a play screen column)."""
