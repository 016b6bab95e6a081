"""The play screen keeps the cycle collector off the world, and still frees dropped worlds.

``tui.heap`` freezes what the session holds after each change (so collections
never scan a 1 GiB world mid-keypress). A world is full of reference cycles
(doubly linked LRU lists), so one that undo or reset drops would stay frozen
forever unless it is collected when it is dropped.
"""

from __future__ import annotations

import gc
import weakref

from migratelab.game.commands import parse
from migratelab.kernel.folio import Folio
from migratelab.tui.app import MigrateLabApp
from migratelab.tui.screens.play import PlayScreen
from migratelab.tui.world import demo_level


def dead_folios() -> int:
    """Folios no one can reach, frozen or not (the collector is shown everything)."""
    gc.unfreeze()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        return sum(isinstance(o, Folio) for o in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


async def test_the_world_an_undo_drops_is_freed_at_once() -> None:
    app = MigrateLabApp(level=demo_level(pages=64, mem_mb=16))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, PlayScreen)
        session = screen.session
        session.submit(parse("move A[0:32] -> 1", session.regions()))  # not the goal: no results
        session.finish()
        screen.after_step()
        await pilot.pause()
        assert gc.get_freeze_count() > 0  # the screen froze what it showed
        dropped = weakref.ref(session.runner)  # undo restores the snapshot before the call
        await pilot.press("u")
        await pilot.pause()
        assert session.runner is not dropped()
        assert dropped() is None
        assert dead_folios() == 0, "the undone world's folios are kept frozen in cycles"


async def test_reset_frees_the_played_world_too() -> None:
    app = MigrateLabApp(level=demo_level(pages=64, mem_mb=16))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, PlayScreen)
        dropped = weakref.ref(screen.session.runner)
        del screen
        await pilot.press("R")
        await pilot.pause()
        assert dropped() is None
        assert dead_folios() == 0


async def test_leaving_the_level_hands_everything_back_to_the_collector() -> None:
    app = MigrateLabApp(level=demo_level(pages=64, mem_mb=16), levels=[])
    async with app.run_test(size=(120, 40)) as pilot:
        assert gc.get_freeze_count() > 0
        await pilot.press("q")
        await pilot.pause()
        assert not isinstance(app.screen, PlayScreen)
        assert gc.get_freeze_count() == 0
