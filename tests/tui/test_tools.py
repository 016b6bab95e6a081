"""Pilot tests of the play screen's tools: compare, show solution, show goal, save as
level, and practice's "next"."""

from __future__ import annotations

import json
from pathlib import Path

from migratelab.levels.check import check_level
from migratelab.tui.app import MigrateLabApp
from migratelab.tui.screens.compare import CompareScreen
from migratelab.tui.screens.play import PlayScreen
from migratelab.tui.screens.play_tools import ConfirmScreen, GoalScreen
from migratelab.tui.screens.results import shown_results
from migratelab.tui.world import demo_level, load_play_level, practice_level

from .conftest import FIRST, LEVELS_DIR, fixed_levels


async def _command(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("colon", *text, "enter")
    await pilot.pause()


async def test_compare_steps_each_side_and_marks_differences() -> None:
    app = MigrateLabApp(level=demo_level(8), levels=fixed_levels())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        # alternating targets: one fixed chunk on v4.14, one run per target on v4.17
        await _command(pilot, "compare v4.14 v4.17")
        assert isinstance(app.screen, PlayScreen)
        assert "nothing to compare" in str(app.screen.query_one("#msg").render())
        await pilot.press("home", "1", "right", "0", "right", "1")
        await _command(pilot, "compare v4.14 v4.17")
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        await pilot.press("left_square_bracket")
        left, right = screen.comparison.sides
        assert left.live is not None and left.live.events == 1
        assert right.live is not None and right.live.events == 0
        await pilot.press("e")
        table = screen.comparison.table()
        assert table is not None
        calls = next(r for r in table.summary if r.label == "migrate_pages calls")
        assert calls.values == ["1", "2"] and calls.differs
        shot = app.export_screenshot()
        assert "≠" in shot and "row(s)&#160;differ" in shot
        await pilot.press("escape")
        assert isinstance(app.screen, PlayScreen)


async def test_show_solution_asks_first_and_its_win_is_not_recorded(data_dir: Path) -> None:
    app = MigrateLabApp(level=load_play_level(FIRST), levels=fixed_levels())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("S")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, PlayScreen) and not app.screen.session.assisted
        await pilot.press("S", "y")
        for _ in range(300):
            await pilot.pause(0.02)
            if shown_results(app.screen):
                break
        shown = shown_results(app.screen)
        assert shown is not None and shown.results.assisted
        assert "not recorded" in str(shown.query_one("#results-body").render())
        await pilot.press("escape")
    assert not (data_dir / "progress.json").exists()
    # a real solve afterwards is recorded
    app = MigrateLabApp(level=load_play_level(FIRST), levels=fixed_levels())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await _command(pilot, "move A[0:8] -> 1")
        await pilot.press("e")
        await pilot.pause()
        shown = shown_results(app.screen)
        assert shown is not None and not shown.results.assisted
    saved = json.loads((data_dir / "progress.json").read_text())
    assert "first-move" in saved["solved"]


async def test_show_goal_pictures_the_placement() -> None:
    app = MigrateLabApp(level=load_play_level(FIRST), levels=fixed_levels())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("G")
        await pilot.pause()
        assert isinstance(app.screen, GoalScreen)
        body = str(app.screen.query_one("#goalpic-body").render())
        assert "A[*]" in body and "on node 1" in body


async def test_save_as_level_from_the_sandbox_passes_check_and_plays(tmp_path: Path) -> None:
    out = tmp_path / "mine.toml"
    app = MigrateLabApp(levels=fixed_levels())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.action_sandbox()
        await pilot.pause()
        await _command(pilot, "pin A[3]")
        await _command(pilot, "move A[0:6] -> 1")
        await pilot.press("e")
        await _command(pilot, f"save {out} goal=provoke title=\"Pinned\"")
        msg = str(app.screen.query_one("#msg").render())
        assert "saved" in msg, msg
        await _command(pilot, f"save {out} goal=provoke")
        assert "exists" in str(app.screen.query_one("#msg").render())
    report = check_level(out)
    assert report.ok, report.items
    app = MigrateLabApp(level=load_play_level(out), levels=fixed_levels())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, PlayScreen) and app.screen.level.title == "Pinned"


async def test_next_draws_the_next_practice_problem() -> None:
    app = MigrateLabApp(level=practice_level(7, "v6.12", "thp"), levels=fixed_levels())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, PlayScreen)
        assert app.screen.level.extra["practice"]["seed"] == 7
        await _command(pilot, "next")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PlayScreen)
        assert screen.level.extra["practice"] == {"seed": 8, "profile": "v6.12",
                                                  "topic": "thp"}
        assert "seed 8" in screen.level.chapter


def test_levels_dir_fixture_is_the_shipped_one() -> None:
    assert (LEVELS_DIR / FIRST.name).exists()
