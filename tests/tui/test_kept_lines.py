"""A KeptLines widget hands back its last lines only while nothing could change them.

Each test changes the widget the way the play screen does (new content, a new
class that restyles it, a new size, a scroll) and checks that the lines asked
for afterwards are new and show the change, and that lines asked for twice
with nothing in between are the very same list (the saving).
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.geometry import Region
from textual.widgets import Static

from migratelab.tui.widgets.kept_lines import KeptLines, KeptVerticalScroll


class KeptStatic(Static, KeptLines):
    """A Static that keeps its lines, as the panes do."""


class _App(App[None]):
    CSS = """
    KeptStatic { height: 3; }
    KeptStatic.-hot { color: red; }
    KeptVerticalScroll { height: 4; }
    """

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield KeptStatic("first", id="pane")
        with KeptVerticalScroll(id="col"):
            yield Static("\n".join(f"line {i}" for i in range(20)))


def _text(lines: list[object]) -> str:
    return "\n".join(getattr(strip, "text", "") for strip in lines)


def _whole(widget: KeptLines) -> Region:
    return Region(0, 0, widget.size.width, widget.size.height)


async def test_lines_are_kept_until_the_content_changes() -> None:
    app = _App()
    async with app.run_test(size=(40, 12)) as pilot:
        pane = app.query_one("#pane", KeptStatic)
        first = pane.render_lines(_whole(pane))
        assert "first" in _text(first)
        assert pane.render_lines(_whole(pane)) is first  # nothing changed: kept
        pane.update("second")
        await pilot.pause()
        second = pane.render_lines(_whole(pane))
        assert second is not first and "second" in _text(second)
        # a smaller crop is not the kept one
        assert len(pane.render_lines(Region(0, 0, pane.size.width, 1))) == 1


async def test_a_style_change_or_a_new_size_renders_again() -> None:
    app = _App()
    async with app.run_test(size=(40, 12)) as pilot:
        pane = app.query_one("#pane", KeptStatic)
        plain = pane.render_lines(_whole(pane))
        pane.add_class("-hot")
        await pilot.pause()
        hot = pane.render_lines(_whole(pane))
        assert hot is not plain
        colours = {seg.style.color.name for strip in hot for seg in strip
                   if seg.text.strip() and seg.style and seg.style.color}
        assert colours == {"#ff0000"}
        await pilot.resize_terminal(30, 12)
        await pilot.pause()
        narrow = pane.render_lines(_whole(pane))
        assert narrow is not hot and narrow[0].cell_length == 30


def _screen_text(app: _App) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_a_scrolled_column_renders_its_new_lines() -> None:
    app = _App()
    async with app.run_test(size=(40, 12)) as pilot:
        col = app.query_one("#col", KeptVerticalScroll)
        await pilot.pause()
        assert "line 0 " in _screen_text(app)
        col.scroll_to(y=10, animate=False)
        await pilot.pause()
        shown = _screen_text(app)
        assert "line 10" in shown and "line 0 " not in shown
