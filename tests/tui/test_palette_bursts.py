"""Reproducers of the command palette's races in Textual 8.2.8 (issue 14 §5).

Each sends its keys in one burst, as a fast typist or a pasted sequence does: the
keys are queued before the palette has finished closing. Before the workaround in
``migratelab.tui.palette`` the second Enter dismissed the palette again, which
popped the screen under it (ScreenStackError with a third Enter) and ran the
command twice; a command that pushed a screen left the palette underneath, so the
next ctrl+p raised DuplicateIds.
"""

from __future__ import annotations

import pytest
from textual import events
from textual.command import CommandPalette
from textual.pilot import Pilot

from migratelab.tui.app import MigrateLabApp
from migratelab.tui.screens.level_select import LevelSelectScreen
from migratelab.tui.screens.play import PlayScreen
from migratelab.tui.screens.title import TitleScreen

from .conftest import fixed_levels


async def _burst(pilot: Pilot[None], keys: list[str]) -> None:
    driver = pilot.app._driver
    assert driver is not None
    for key in keys:
        event = events.Key(key, key if len(key) == 1 else None)
        event.set_sender(pilot.app)
        driver.send_message(event)
    for _ in range(3):
        await pilot.pause()


async def _palette_then(keys: list[str], query: str) -> list[type]:
    """The screen stack's types after opening the palette, typing, then ``keys``."""
    app = MigrateLabApp(levels=fixed_levels())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p", *query)
        await pilot.pause(0.2)
        await _burst(pilot, keys)
        stack = [type(s) for s in app.screen_stack]
    assert app._exception is None
    return stack


@pytest.mark.parametrize("enters", [2, 3, 5])
async def test_repeated_enter_runs_the_command_once_and_pops_nothing_else(
        enters: int) -> None:
    stack = await _palette_then(["enter"] * enters, "levels")
    assert stack[1:] == [TitleScreen, LevelSelectScreen]  # the title is still there


async def test_command_that_pushes_a_screen_leaves_no_palette_below() -> None:
    stack = await _palette_then(["enter", "enter", "ctrl+p"], "sandbox")
    assert stack[1:3] == [TitleScreen, PlayScreen]
    assert CommandPalette not in stack[:-1]  # a palette, if any, only on top


async def test_theme_picker_closes_once() -> None:
    stack = await _palette_then(["enter"] * 5, "theme")
    assert stack[1] is TitleScreen


async def test_ctrl_p_twice_opens_one_palette() -> None:
    app = MigrateLabApp(levels=fixed_levels())
    async with app.run_test(size=(80, 24)) as pilot:
        await _burst(pilot, ["ctrl+p", "ctrl+p", "ctrl+p"])
        palettes = [s for s in app.screen_stack if isinstance(s, CommandPalette)]
        assert len(palettes) == 1


@pytest.mark.parametrize("keys", [["down", "pageup"], ["down", "pagedown"],
                                  ["down", "pageup", "pagedown", "pageup"]])
async def test_page_keys_before_the_list_is_laid_out(keys: list[str]) -> None:
    # Textual 8.2.8: OptionList._move_page raised KeyError: 0 here
    app = MigrateLabApp(levels=fixed_levels())
    async with app.run_test(size=(80, 24)) as pilot:
        await _burst(pilot, ["ctrl+p", *keys])
        assert app._exception is None
        assert isinstance(app.screen, CommandPalette)


@pytest.mark.parametrize("enters", [1, 3])
async def test_quit_from_the_palette_quits(enters: int) -> None:
    # App.action_quit is a coroutine: the run-once wrapper dropped it unawaited, so
    # Quit did nothing (found by the long key fuzz as "never awaited" warnings)
    app = MigrateLabApp(levels=fixed_levels())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p", *"quit")
        await pilot.pause(0.2)
        await _burst(pilot, ["enter"] * enters)
        assert app.return_code == 0 and not app.is_running
    assert app._exception is None
