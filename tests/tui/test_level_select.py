"""Level select previews the highlighted level: chapter, profile, source, story start."""

from __future__ import annotations

from rich.console import Console
from textual.widgets import OptionList, Static

from migratelab.game.progress import LevelRecord, Progress
from migratelab.tui.app import MigrateLabApp
from migratelab.tui.screens.level_select import (
    NARROW,
    LevelSelectScreen,
    preview,
    story_start,
)
from migratelab.tui.world import PlayLevel, shipped


def plain(renderable: object, width: int = 100) -> str:
    console = Console(width=width, color_system=None)
    with console.capture() as cap:
        console.print(renderable)
    return " ".join(cap.get().split())


def test_story_start_keeps_whole_paragraphs_then_stops() -> None:
    story = "First line\nof one paragraph.\n\nSecond paragraph.\n\n" + "x " * 300
    assert story_start(story, 60) == "First line of one paragraph.\n\nSecond paragraph.\n\n…"
    long = story_start("word " * 200, 50)
    assert long.endswith(" …") and len(long) <= 52


def test_preview_names_chapter_profile_source_and_score() -> None:
    level = next(lv for lv in shipped() if lv.profile != "v6.12")
    empty = plain(preview(level, Progress()))
    assert level.chapter in empty and level.title in empty
    assert f"profile {level.profile}" in empty and "not solved yet" in empty
    first_source_words = " ".join(level.source.split()[:4])
    assert f"Source: {first_source_words}" in empty
    assert " ".join(story_start(level.story, NARROW[0]).split()[:3]).replace("**", "") \
        in empty.replace("**", "")
    progress = Progress()
    progress.record(level.key(), LevelRecord(syscalls=2, stars=3))
    assert "✔ solved ★★★ (2 syscalls)" in plain(preview(level, progress))


async def test_the_preview_follows_the_highlight() -> None:
    levels: list[PlayLevel] = shipped()
    app = MigrateLabApp(levels=levels)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LevelSelectScreen)
        pane = screen.query_one("#level-preview", Static)
        ol = screen.query_one(OptionList)

        def shown() -> str:
            return plain(pane.content)

        assert levels[0].title in shown()
        seen = {levels[0].title}
        for _ in range(len(levels) + 8):  # past every chapter heading
            await pilot.press("down")
            await pilot.pause()
            text = shown()
            level = screen._level_at(ol.highlighted)
            assert level is not None, "a chapter heading was highlighted"
            assert level.title in text and level.chapter in text
            assert f"profile {level.profile}" in text
            seen.add(level.title)
        assert seen == {lv.title for lv in levels}


def test_a_level_without_a_goal_shows_no_not_yet() -> None:
    from migratelab.tui.widgets.goal_pane import GoalPane
    from migratelab.tui.world import demo_level

    sandbox = demo_level()
    sandbox.goal_check = None  # as the title screen's sandbox does
    text = plain(GoalPane(sandbox.session(), sandbox).draw())
    assert "not yet" not in text and "met" not in text.replace("migrate", "")
    level = demo_level()
    assert "✘ not yet" in plain(GoalPane(level.session(), level).draw())
