"""Presenter mode: pacing, the one "next" key, and pauses at the solution's marks."""

from __future__ import annotations

from pathlib import Path

from migratelab.tui.app import MigrateLabApp
from migratelab.tui.screens.play import SPEEDS, PlayScreen
from migratelab.tui.screens.results import shown_results
from migratelab.tui.world import load_play_level

from .conftest import FIRST

MARK = "Eight entries, one node: one batch, one migrate_pages() call."


def _marked_level(tmp_path: Path) -> Path:
    path = tmp_path / "01_marked.toml"
    path.write_text(FIRST.read_text() + f'\n[[solution.marks]]\nafter = 0\ntext = "{MARK}"\n')
    return path


async def test_space_walks_the_solution_and_pauses_at_the_mark(tmp_path: Path) -> None:
    app = MigrateLabApp(level=load_play_level(_marked_level(tmp_path)), levels=[],
                        presenter=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        play = app.screen
        assert isinstance(play, PlayScreen) and play.has_class("-presenter")
        assert SPEEDS[play.driver.speed] == SPEEDS[0]  # the slow default
        await pilot.press("space")
        assert play.session.busy  # the solution's first call started
        for _ in range(20):
            if not play.session.busy:
                break
            await pilot.press("space")  # batch by batch
        await pilot.pause()
        # the mark's text stands in the explain pane until the presenter goes on
        assert MARK in play.answer
        assert play.presenter is not None and play.presenter.replay is not None
        assert play.presenter.replay.paused
        shown = shown_results(app.screen)
        assert shown is not None  # the replay solved the level...
        assert shown.results.assisted  # ...and the win is shown, not recorded
        await pilot.press("escape", "space")
        await pilot.pause()
        assert not play.answer
        assert "replayed to its end" in str(play.query_one("#msg").render())


async def test_without_presenter_mode_space_shows_no_solution() -> None:
    app = MigrateLabApp(level=load_play_level(FIRST), levels=[])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        play = app.screen
        assert isinstance(play, PlayScreen)
        await pilot.press("space")
        assert not play.session.busy and play.session.syscalls == 0
        await pilot.press("P")  # the key in the app
        assert play.has_class("-presenter")
        await pilot.press("space")
        assert play.session.busy
