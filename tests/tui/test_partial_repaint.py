"""Panes repaint only what a step or a key changed; the screen must still be right.

After every step (and cursor moves with and without a selection) the screen is
compared with the same state painted from scratch (every cache dropped, every
widget repainted): a pane or row left stale by the partial repaints shows as a
difference.
"""

from __future__ import annotations

import re

import pytest
from textual.pilot import Pilot

from migratelab.tui.app import MigrateLabApp
from migratelab.tui.screens.play import PlayScreen
from migratelab.tui.screens.results import ResultsHost, shown_results
from migratelab.tui.widgets.address_space import AddressSpace
from migratelab.tui.widgets.frame_map import FrameMap
from migratelab.tui.widgets.pane import LivePane
from migratelab.tui.world import load_play_level

from .conftest import LEVELS_DIR


def _text(app: MigrateLabApp) -> str:
    """The screen as SVG, without the ids Textual makes up per export."""
    return re.sub(r"terminal-\d+", "terminal", app.export_screenshot())


async def _settled(app: MigrateLabApp, pilot: Pilot[None]) -> None:
    """Paused until a results panel on its way up (after the call's last frame) is up."""
    await pilot.pause()
    screen = app.screen
    if not isinstance(screen, PlayScreen):
        return
    host = screen.query_one(ResultsHost)
    for _ in range(100):
        panel = shown_results(screen)
        if not screen.outcome.is_open or (not host.pending and panel is not None
                                          and panel.is_mounted):
            break
        await pilot.pause(0.01)
    await pilot.pause()


async def _same_as_from_scratch(app: MigrateLabApp, pilot: Pilot[None], where: str) -> None:
    await _settled(app, pilot)
    # the panel grows into its height over a few frames: wait for the screen to stop
    # changing (a stale row does not change by waiting)
    shown = _text(app)
    for _ in range(20):
        await pilot.pause(0.05)
        again = _text(app)
        if again == shown:
            break
        shown = again
    app.update_styles(app.screen)  # styles too (a focus change restyles widgets)
    for w in app.screen.query("*"):
        if isinstance(w, LivePane):
            w._fresh = w._rows = None
        if isinstance(w, (AddressSpace, FrameMap)):
            w._cache.clear()
        w.refresh()
    await pilot.pause()
    assert shown == _text(app), f"stale after {where}"


@pytest.mark.parametrize("size", [(80, 24), (200, 50)], ids=["80x24", "200x50"])
@pytest.mark.parametrize("level", ["02_thp_tail_ebusy.toml", "06_lost_in_the_pagevec.toml"])
async def test_every_step_shows_what_a_fresh_paint_shows(level: str,
                                                         size: tuple[int, int]) -> None:
    app = MigrateLabApp(level=load_play_level(LEVELS_DIR / level))
    async with app.run_test(size=size) as pilot:
        screen = app.screen
        assert isinstance(screen, PlayScreen)
        await pilot.press("colon", *"predict ret=0", "enter")
        for i in range(40):
            if not screen.session.busy or app.screen is not screen:
                break
            await pilot.press("s")
            await _same_as_from_scratch(app, pilot, f"step {i + 1}")


async def test_cursor_moves_and_a_growing_selection_repaint_their_rows() -> None:
    app = MigrateLabApp(level=load_play_level(LEVELS_DIR / "02_thp_tail_ebusy.toml"))
    async with app.run_test(size=(120, 40)) as pilot:
        for keys in (["down"], ["down", "right"], ["v", "pagedown"], ["down", "down"],
                     ["up"], ["escape", "end"], ["home"]):
            await pilot.press(*keys)
            await _same_as_from_scratch(app, pilot, " ".join(keys))


@pytest.mark.parametrize("size", [(80, 24), (200, 50)], ids=["80x24", "200x50"])
async def test_the_focus_moving_repaints_what_it_changes(size: tuple[int, int]) -> None:
    """The play screen does not repaint all of itself when the focus moves: the
    widgets that gain and lose it must show it."""
    app = MigrateLabApp(level=load_play_level(LEVELS_DIR / "01_first_move.toml"))
    async with app.run_test(size=size) as pilot:
        for keys, where in ((["colon"], "into the command line"),
                            (["escape"], "back to the address space"),
                            (["home", "v", *["right"] * 7, "1", "enter", "e"],
                             "the results panel taking the focus"),
                            (["tab"], "the next button"),
                            (["escape"], "the results closed")):
            await pilot.press(*keys)
            await _same_as_from_scratch(app, pilot, where)
        assert isinstance(app.focused, AddressSpace)
