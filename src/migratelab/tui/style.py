"""Glyphs and colours shared by the panes (colour is never the only signal)."""

from __future__ import annotations

from rich.style import Style

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
CHANGED_MARK = "◆ "
