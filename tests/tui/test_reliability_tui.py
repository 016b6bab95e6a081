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
