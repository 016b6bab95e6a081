"""Screen snapshots: every screen at 80x24 and 120x40, the play screen at all four sizes.

Play cases: the start of a level, mid-call with a batch open (06: A[1] refused
from the pagevec), just after a THP split (09's world on v6.12), and the
results over the play screen.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from migratelab.tui.app import MigrateLabApp
from migratelab.tui.screens.play import PlayScreen
from migratelab.tui.world import PlayLevel, load_play_level

from .conftest import FIRST, LEVELS_DIR, fixed_levels, split_level

SMALL = [(80, 24), (120, 40)]
SIZES = [(80, 24), (120, 40), (160, 45), (200, 50)]
Run = Callable[[Pilot[None]], Awaitable[None]]


async def _nothing(pilot: Pilot[None]) -> None:
    await pilot.pause()


async def _levels(pilot: Pilot[None]) -> None:
    await pilot.press("enter")
    await pilot.pause()


async def _help(pilot: Pilot[None]) -> None:
    await pilot.press("f1")
    await pilot.pause()


async def _batch_open(pilot: Pilot[None]) -> None:
    await pilot.press("colon", *"predict ret=0 status=1,-EBUSY,1,1", "enter",
                      *["s"] * 8)
    await pilot.pause()


async def _after_split(pilot: Pilot[None]) -> None:
    await pilot.press("colon", *"predict ret=0 status=1,1", "enter")
    screen = pilot.app.screen
    assert isinstance(screen, PlayScreen)
    for _ in range(40):  # to the step that splits the THP
        await pilot.press("s")
        last = screen.session.last_event
        if last is not None and last.kind == "thp_split":
            break
    await pilot.pause()


async def _results(pilot: Pilot[None]) -> None:
    await pilot.press("home", "v", *["right"] * 7, "1", "enter", "e")
    await pilot.pause()


def _first() -> PlayLevel:
    return load_play_level(FIRST)


def _thp_tail() -> PlayLevel:
    return load_play_level(LEVELS_DIR / "02_thp_tail_ebusy.toml")


def _pagevec() -> PlayLevel:
    return load_play_level(LEVELS_DIR / "06_lost_in_the_pagevec.toml")


SCREENS: dict[str, Run] = {"title": _nothing, "levels": _levels, "help": _help}
PLAY: dict[str, tuple[Callable[[], PlayLevel], Run]] = {
    "play-start": (_thp_tail, _nothing),
    "play-batch": (_pagevec, _batch_open),
    "play-split": (split_level, _after_split),
    "results": (_first, _results),
}


@pytest.mark.parametrize("size", SMALL, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", list(SCREENS))
def test_screen_snapshot(snap_compare: Any, name: str, size: tuple[int, int]) -> None:
    app = MigrateLabApp(levels=fixed_levels())
    assert snap_compare(app, terminal_size=size, run_before=SCREENS[name])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", list(PLAY))
def test_play_snapshot(snap_compare: Any, name: str, size: tuple[int, int]) -> None:
    make, run_before = PLAY[name]
    level = make()
    app = MigrateLabApp(level=level, levels=[level])
    assert snap_compare(app, terminal_size=size, run_before=run_before)
