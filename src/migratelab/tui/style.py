"""Glyphs and colours shared by the panes (colour is never the only signal)."""

from __future__ import annotations

from collections.abc import Iterable

from rich.style import Style
from rich.text import Text

from migratelab.tui.widgets.rows import Rows, cells

NODE_COLOURS = ("cyan", "magenta", "yellow", "green", "bright_blue", "red", "bright_cyan",
                "bright_magenta")


def node_colour(node: int) -> str:
    """The colour of a node (cycled)."""
    return NODE_COLOURS[node % len(NODE_COLOURS)]


def node_glyph(node: int) -> str:
    """One character naming a node: 0-9 then a-z."""
    return "0123456789abcdefghijklmnopqrstuvwxyz"[node] if 0 <= node < 36 else "?"


def node_style(node: int) -> Style:
    """Style of text naming a node."""
    return Style(color=node_colour(node))


DIM = Style(color="bright_black")
BOLD = Style(bold=True)
ERROR = Style(color="red", bold=True)
OK = Style(color="green", bold=True)
#: The entry being processed (the kernel's cursor): reverse video, by shape too.
NOW = Style(reverse=True, bold=True)
#: Marks of the last step (frames that changed, the current trace line).
LAST = Style(color="black", bgcolor="yellow", bold=True)
CHANGED_MARK = "◆ "


def legend(entries: list[tuple[str, Style, str]], width: int) -> Text:
    """Legend entries ``glyph meaning`` packed into lines of ``width``, never split."""
    out = Text(no_wrap=True)
    flow = Flow(out, width, sep="  ")
    for glyph, style, words in entries:
        flow.item([(glyph, style), (" " + words, DIM)])
    return out


def window_start(cursor: int | None, size: int, count: int) -> int:
    """First entry of a ``size``-entry window over ``count`` that shows ``cursor``.

    The window turns like a page, by half its size, with a quarter of it before
    the cursor: an entry stays in its place while the kernel passes over it
    (easier to follow than a window that slides every step, and a step repaints
    the row the cursor is on, not every row).
    """
    if cursor is None:
        return 0
    half = max(1, size // 2)
    start = (cursor // half) * half - size // 4
    return max(0, min(start, count - size))


class Flow:
    """Items appended to a text in rows of ``width`` cells; an item is never split.

    The pane breaks its own rows (rich's wrap is slow, and would break anywhere
    a mark such as ``▶`` glues two items together). An item may reserve more
    room than it draws, so a mark that comes and goes with the kernel's cursor
    does not move the items after it to another row.
    """

    def __init__(self, text: Text | Rows, width: int, sep: str = "") -> None:
        self.text, self.width, self.col = text, max(1, width), 0
        #: Drawn between two items of a row (not at a row's start).
        self.sep = sep

    def item(self, parts: Iterable[tuple[str, Style | str]], spare: int = 0) -> None:
        """Append one item: ``parts`` (text, style), plus ``spare`` cells reserved."""
        parts = list(parts)
        room = sum(cells(text) for text, _ in parts) + spare
        gap = cells(self.sep) if self.col else 0
        if self.col and self.col + gap + room > self.width:
            self.text.append("\n")
            self.col = 0
        elif gap:
            self.text.append(self.sep)
            self.col += gap
        for text, style in parts:
            self.text.append(text, style)
        self.col += room
