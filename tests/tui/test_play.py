"""Pilot tests: play a shipped level to a win, by selection and by command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path

import pytest

from migratelab.tui import cli_play
from migratelab.tui.app import MigrateLabApp
from migratelab.tui.screens.level_select import LevelSelectScreen
from migratelab.tui.screens.play import PlayScreen
from migratelab.tui.screens.results import shown_results
from migratelab.tui.widgets.address_space import AddressSpace
from migratelab.tui.world import load_play_level

from .conftest import FIRST, fixed_levels


async def test_win_by_page_selection(data_dir: Path) -> None:
    app = MigrateLabApp(level=load_play_level(FIRST), levels=fixed_levels())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, PlayScreen)
        # A[0] .. A[7]: mark, move right seven times, send to node 1, call, step through
        await pilot.press("home", "v", *["right"] * 7, "1", "enter")
        screen = app.screen
        assert isinstance(screen, PlayScreen) and screen.session.busy
        await pilot.press("s", "s", "n")
        await pilot.press("e")
        await pilot.pause()
        shown = shown_results(app.screen)
        assert shown is not None and app.focused is not None and shown in app.focused.ancestors
        assert shown.results.syscalls == 1 and shown.results.pages_moved == 8
    saved = json.loads((data_dir / "progress.json").read_text())
    assert saved["solved"]["first-move"]["stars"] == 3


async def test_win_by_command_line_then_next_level() -> None:
    app = MigrateLabApp(level=load_play_level(FIRST), levels=fixed_levels())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("colon")
        await pilot.press(*"move Q[0] -> 1", "enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PlayScreen) and not screen.session.busy
        assert "no region named 'Q'" in str(screen.query_one("#msg").render())
        screen.query_one("#cmd").value = ""  # type: ignore[attr-defined]
        await pilot.press(*"move A[0:8] -> 1", "enter", "r")
        for _ in range(200):
            await pilot.pause(0.02)
            if shown_results(app.screen):
                break
        assert shown_results(app.screen)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, PlayScreen) and app.screen.level.id == "demo"


async def test_play_keys_type_into_the_command_line() -> None:
    """The screen's keys are priority bindings (they skip the trip down to the
    focused widget and back): with the command line focused they are letters."""
    app = MigrateLabApp(level=load_play_level(FIRST), levels=fixed_levels())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("home", "v", "right", "1", "enter")
        screen = app.screen
        assert isinstance(screen, PlayScreen) and screen.session.busy
        live = screen.session.live
        assert live is not None
        seen = live.events
        typed = "snertuqhfcaSR-+=/:"
        await pilot.press("colon", *typed)
        await pilot.pause()
        assert screen.query_one("#cmd").value == typed  # type: ignore[attr-defined]
        assert app.screen is screen and screen.session.busy and live.events == seen
        await pilot.press("escape", "s")  # back on the address space: s steps
        assert isinstance(app.focused, AddressSpace) and live.events > seen


async def test_a_key_typed_while_running_is_answered_before_more_events() -> None:
    """While ``r`` runs, a key holds the engine's ticks until the frame that answers
    it is out; the events owed for the time held run at the next tick."""
    app = MigrateLabApp(level=load_play_level(FIRST), levels=fixed_levels())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("home", "v", *["right"] * 7, "1", "enter")
        screen = app.screen
        assert isinstance(screen, PlayScreen)
        live, driver = screen.session.live, screen.driver
        assert live is not None
        driver.speed = 2  # 50 events a second (a pilot key would wait for the run's end)
        driver.toggle_run()
        await asyncio.sleep(0.1)
        assert driver.running and live.events > 0
        driver.hold()
        seen = live.events
        time.sleep(0.04)
        driver._tick()
        assert driver.held and live.events == seen  # nothing stepped before the frame
        for _ in range(100):  # the frame goes out (or, on a slow machine, the hold ends)
            if not driver.held:
                break
            await asyncio.sleep(0.01)
        assert not driver.held
        driver._tick()
        assert live.events >= seen + 1  # the 0.04 s held were owed (2 events)


async def test_undo_does_not_count_and_title_to_levels() -> None:
    app = MigrateLabApp(levels=fixed_levels())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")  # "Play" on the title menu
        await pilot.pause()
        assert isinstance(app.screen, LevelSelectScreen)
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PlayScreen)
        await pilot.press("home", "2", "enter", "e")  # node 2 does not exist
        assert screen.session.syscalls == 1
        await pilot.press("u")
        assert screen.session.syscalls == 0


def test_cli_bad_level_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[level]\nid = 3\n")
    assert cli_play.main(argparse.Namespace(level=str(bad))) == 2
    err = capsys.readouterr().err
    assert err.startswith("migratelab play: ") and err.count("\n") == 1
    assert cli_play.main(argparse.Namespace(level=str(tmp_path / "missing.toml"))) == 2


async def test_explain_a_status_from_the_command_line() -> None:
    """``explain N`` answers with the kernel function in a pane that stays (not a
    notification that times out), and the focus goes back to the address space."""
    app = MigrateLabApp(level=load_play_level(FIRST), levels=fixed_levels())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("colon", *"explain 0", "enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PlayScreen)
        assert "no move_pages call" in str(screen.query_one("#msg").render())
        assert isinstance(app.focused, AddressSpace)  # refused: back to the play screen
        screen.query_one("#cmd").value = ""  # type: ignore[attr-defined]
        await pilot.press("colon", *"move A[0:2] -> 1", "enter", "e")
        await pilot.pause()
        await pilot.press("colon", *"explain 1", "enter")
        await pilot.pause()
        assert "status[1] = 1" in str(screen.query_one("#msg").render())
        answer = screen.query_one("#pane-explain")
        assert answer.display and "add_page_for_migration isolated" in str(answer.render())
        assert not list(app._notifications)
        assert isinstance(app.focused, AddressSpace)
        await pilot.press("colon", *"query A[0]", "enter")
        await pilot.pause()
        assert not answer.display  # the next command replaces it


async def test_sandbox_command_line_changes_the_machine() -> None:
    app = MigrateLabApp(levels=fixed_levels())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("x")  # title screen: sandbox
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PlayScreen)
        await pilot.press("colon", *"mmap H 512 hugetlb", "enter")
        await pilot.press("colon", *"touch H[0:1]", "enter")  # done: focus went back
        await pilot.pause()
        assert "touch H[0:1]: done" in str(screen.query_one("#msg").render())
        assert "H" in screen.session.regions()
        await pilot.press("colon", *"mmap H 4", "enter")
        await pilot.pause()
        assert "exists already" in str(screen.query_one("#msg").render())


async def test_win_a_predict_level_from_the_command_line() -> None:
    """Predict first; the level's own request then runs and the answer is judged."""
    from .conftest import LEVELS_DIR

    level = load_play_level(LEVELS_DIR / "02_thp_tail_ebusy.toml")
    app = MigrateLabApp(level=level, levels=fixed_levels())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("colon", *"predict ret=0 status=1,-EBUSY", "enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PlayScreen) and screen.session.busy
        await pilot.press("e")
        for _ in range(100):
            await pilot.pause(0.02)
            if shown_results(app.screen):
                break
        assert shown_results(app.screen)


async def test_keys_sent_in_one_burst_keep_their_order() -> None:
    """'1' then Enter delivered together: the assignment lands before the call."""
    from .test_key_fuzz import fast_keys

    app = MigrateLabApp(level=load_play_level(FIRST), levels=fixed_levels())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await fast_keys(pilot, ["home", "v", *["right"] * 7, "1", "enter"])
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PlayScreen) and screen.session.busy
