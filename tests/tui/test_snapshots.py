"""Screen snapshots of every screen at 80x24 and 120x40."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from migratelab.tui.app import MigrateLabApp
from migratelab.tui.world import load_play_level

from .conftest import FIRST, fixed_levels

SIZES = [(80, 24), (120, 40)]


async def _nothing(pilot: Pilot[None]) -> None:
    await pilot.pause()


async def _levels(pilot: Pilot[None]) -> None:
    await pilot.press("enter")
    await pilot.pause()


async def _help(pilot: Pilot[None]) -> None:
    await pilot.press("f1")
    await pilot.pause()


async def _play_mid_call(pilot: Pilot[None]) -> None:
    await pilot.press("home", "v", *["right"] * 7, "1", "enter", "s", "s", "s")
    await pilot.pause()


async def _results(pilot: Pilot[None]) -> None:
    await pilot.press("home", "v", *["right"] * 7, "1", "enter", "e")
    await pilot.pause()


CASES: dict[str, tuple[bool, Callable[[Pilot[None]], Awaitable[None]]]] = {
    "title": (False, _nothing),
    "levels": (False, _levels),
    "help": (False, _help),
    "play": (True, _play_mid_call),
    "results": (True, _results),
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", list(CASES))
def test_screen_snapshot(snap_compare: Any, name: str, size: tuple[int, int]) -> None:
    with_level, run_before = CASES[name]
    app = MigrateLabApp(level=load_play_level(FIRST) if with_level else None,
                        levels=fixed_levels())
    assert snap_compare(app, terminal_size=size, run_before=run_before)
