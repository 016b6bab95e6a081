"""The footer is rebuilt when the keys it shows change, and only then."""

from __future__ import annotations

from textual.widgets._footer import FooterKey

from migratelab.tui.app import MigrateLabApp
from migratelab.tui.widgets.footer import KeysFooter
from migratelab.tui.world import load_play_level

from .conftest import LEVELS_DIR


def _keys(app: MigrateLabApp) -> dict[str, FooterKey]:
    return {k.key: k for k in app.screen.query_one(KeysFooter).query(FooterKey)}


async def test_the_footer_follows_the_keys_and_skips_rebuilds_that_change_nothing() -> None:
    app = MigrateLabApp(level=load_play_level(LEVELS_DIR / "01_first_move.toml"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        before = _keys(app)
        assert "s" in before and not before["s"].disabled
        # told the bindings may have changed (Textual says so twice per focus change)
        # when they have not: the same key widgets stay
        app.screen.refresh_bindings()
        app.screen.refresh_bindings()
        await pilot.pause()
        assert all(_keys(app)[k] is w for k, w in before.items())
        # in the command line the screen's keys are characters typed into it
        await pilot.press("colon")
        await pilot.pause()
        typing = _keys(app)
        assert "s" not in typing and "slash" in typing
        await pilot.press("escape")
        await pilot.pause()
        assert set(_keys(app)) == set(before)
