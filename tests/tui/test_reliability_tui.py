"""What a user types is shown as text, never parsed as markup (issue 14 §5)."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from migratelab.tui.app import MigrateLabApp
from migratelab.tui.world import load_play_level

from .conftest import FIRST, fixed_levels


@pytest.mark.parametrize("typed", ["[a=b", "[bold]x[/]", "[/]", "[link=x]y", "[" * 30])
async def test_unknown_command_with_markup_is_echoed_as_text(typed: str) -> None:
    app = MigrateLabApp(level=load_play_level(FIRST), levels=fixed_levels())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("colon", *typed, "enter")
        await pilot.pause()
        assert app._exception is None
        shown = str(app.screen.query_one("#msg", Static).render())
        # the parser may drop leading brackets; what it echoes is shown verbatim
        assert shown.strip() and typed.lstrip("[") in shown


async def test_a_level_title_with_brackets_is_text(tmp_path: object) -> None:
    from pathlib import Path

    text = FIRST.read_text().replace('title = "First move"', 'title = "First [move=x"')
    path = Path(str(tmp_path)) / "bracket.toml"
    path.write_text(text)
    app = MigrateLabApp(level=load_play_level(path), levels=fixed_levels())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app._exception is None
        assert "First [move=x" in str(app.screen.query_one("#titlebar", Static).render())


async def _burst(app: MigrateLabApp, keys: list[str]) -> None:
    """``keys`` queued at once, as a fast typist or a paste sends them."""
    from textual import events

    assert app._driver is not None
    for key in keys:
        event = events.Key(key, key if len(key) == 1 else None)
        event.set_sender(app)
        app._driver.send_message(event)


@pytest.mark.parametrize("keys", [["pageup"], ["pagedown"], ["down", "pageup", "pagedown"]])
async def test_page_keys_on_a_level_list_with_no_room(keys: list[str]) -> None:
    # a short terminal leaves the list no line: Textual 8.2.8's OptionList._move_page
    # raised KeyError (found by the key fuzz: palette at 120x40, seed 'fuzz-palette-(120, 40)')
    app = MigrateLabApp(levels=fixed_levels())
    async with app.run_test(size=(80, 12)) as pilot:
        await pilot.press("p", *keys)
        await pilot.pause()
        assert app._exception is None
        assert type(app.screen).__name__ == "LevelSelectScreen"
        await pilot.resize_terminal(80, 24)  # room again: the page keys page
        await pilot.pause()
        await pilot.press("pagedown")
        assert app.screen.query_one("#level-list").highlighted == 3  # the last level


@pytest.mark.parametrize("after", [["x"], ["p", "pageup"], ["x", "ctrl+p"], ["f1"]])
async def test_keys_typed_right_after_quit_end_the_app_cleanly(after: list[str]) -> None:
    # Quit chosen on the title menu with keys queued behind it (found by the key
    # fuzz: play at 80x24, seed 'migratelab-play-(80, 24)'): the screen those keys
    # pushed was torn down half-mounted and the exit printed a traceback
    app = MigrateLabApp(level=load_play_level(FIRST), levels=fixed_levels())
    async with app.run_test(size=(80, 24)) as pilot:
        await _burst(app, ["q", "end", "enter", *after])
        for _ in range(5):
            await pilot.pause()
    assert app._exception is None
    assert app.return_code == 0


@pytest.mark.parametrize("level", ["02_thp_tail_ebusy", "06_lost_in_the_pagevec"])
async def test_resizing_mid_call_keeps_the_call(level: str) -> None:
    """Crossing every breakpoint mid-call recomposes the panes around the same session."""
    from migratelab.tui.screens.play import PlayScreen

    from .conftest import LEVELS_DIR
    from .test_key_fuzz import check_invariants

    app = MigrateLabApp(level=load_play_level(LEVELS_DIR / f"{level}.toml"),
                        levels=fixed_levels())
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.press("colon", *"predict ret=0", "enter", "s", "s", "s", "s")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PlayScreen)
        before = screen.session.version
        for size in ((80, 24), (120, 40), (160, 45), (200, 50), (80, 24)):
            await pilot.resize_terminal(*size)
            await pilot.pause()
            await pilot.pause()
            assert screen.has_class({80: "-narrow", 120: "-medium"}.get(size[0], "-wide"))
            check_invariants(app, f"resized to {size}")
        assert screen.session.busy and screen.session.version == before
        await pilot.press("e")
        await pilot.pause()
        assert not screen.session.busy


async def test_a_key_with_no_screen_left_is_dropped() -> None:
    # once shut down the stack is empty; Textual 8.2.8's App.on_event reads
    # self.screen for a key and raised ScreenStackError
    from textual import events

    app = MigrateLabApp(levels=fixed_levels())
    async with app.run_test(size=(80, 24)):
        pass
    assert not app.screen_stack
    for key in ("a", "escape"):
        await app.on_event(events.Key(key, key if len(key) == 1 else None))
    assert app._exception is None
