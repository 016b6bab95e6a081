"""Snapshots of the tools: compare, practice, show goal and the show-solution question."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from migratelab.tui.app import MigrateLabApp
from migratelab.tui.world import PlayLevel, demo_level, load_play_level, practice_level

from .conftest import FIRST, fixed_levels

SIZES = [(80, 24), (120, 40)]
Run = Callable[[Pilot[None]], Awaitable[None]]


async def _compare(pilot: Pilot[None]) -> None:
    await pilot.press("home", "1", "right", "0", "right", "1", "right", "1")
    await pilot.press("colon", *"compare v4.14 v6.12", "enter")
    await pilot.pause()
    await pilot.press("e")
    await pilot.pause()


async def _practice(pilot: Pilot[None]) -> None:
    await pilot.press("colon", *"predict ret=0 status=-EBUSY,1,-EBUSY,1", "enter",
                      *["s"] * 9)
    await pilot.pause()


async def _goal(pilot: Pilot[None]) -> None:
    await pilot.press("G")
    await pilot.pause()


async def _ask(pilot: Pilot[None]) -> None:
    await pilot.press("S")
    await pilot.pause()


TOOLS: dict[str, tuple[Callable[[], PlayLevel], Run]] = {
    "compare": (lambda: demo_level(8), _compare),
    "practice": (lambda: practice_level(7, "v4.17", "pagevec"), _practice),
    "goal": (lambda: load_play_level(FIRST), _goal),
    "solution-ask": (lambda: load_play_level(FIRST), _ask),
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", list(TOOLS))
def test_tool_snapshot(snap_compare: Any, name: str, size: tuple[int, int]) -> None:
    make, run = TOOLS[name]
    app = MigrateLabApp(level=make(), levels=fixed_levels())
    assert snap_compare(app, terminal_size=size, run_before=run)
