"""Glyphs and colours shared by the panes (colour is never the only signal)."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

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
    col = 0
    for glyph, style, words in entries:
        size = len(glyph) + 1 + len(words)
        if col and col + 2 + size > width:
            out.append("\n")
            col = 0
        elif col:
            out.append("  ")
            col += 2
        out.append(glyph, style)
        out.append(" " + words, DIM)
        col += size
    return out
