"""Key fuzzing: a few thousand random keys per screen, fixed seed, no exception."""

from __future__ import annotations

import random

import pytest
from textual import events
from textual.pilot import Pilot

from migratelab.tui.app import MigrateLabApp
from migratelab.tui.world import load_play_level

from .conftest import FIRST, fixed_levels

KEYS = [*"abcdefghijklmnopqrstuvwxyz0123456789", "R", "colon", "slash", "enter", "escape",
        "tab", "shift+tab", "up", "down", "left", "right", "home", "end", "pageup",
        "pagedown", "space", "backspace", "plus", "minus", "question_mark", "f1",
        "left_square_bracket", "right_square_bracket", "greater_than_sign", "comma"]
PRESSES = 2000
CHARS = {"colon": ":", "slash": "/", "space": " ", "plus": "+", "minus": "-",
         "question_mark": "?", "left_square_bracket": "[", "right_square_bracket": "]",
         "greater_than_sign": ">", "comma": ","}


async def fast_keys(pilot: Pilot[None], keys: list[str]) -> None:
    """Send a burst of key events without waiting for idle after each, then settle."""
    driver = pilot.app._driver
    assert driver is not None
    for key in keys:
        char = CHARS.get(key, key if len(key) == 1 else None)
        event = events.Key(key, char)
        event.set_sender(pilot.app)
        driver.send_message(event)
    await pilot.pause()

START = {"title": [], "levels": ["enter"], "play": None, "help": ["f1"]}


@pytest.mark.parametrize("screen", list(START))
async def test_random_keys(screen: str) -> None:
    rng = random.Random(f"migratelab-{screen}")
    level = load_play_level(FIRST) if START[screen] is None else None
    app = MigrateLabApp(level=level, levels=fixed_levels())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*(START[screen] or []))
        for _ in range(PRESSES // 25):
            await fast_keys(pilot, [rng.choice(KEYS) for _ in range(25)])
        await pilot.pause()
        assert app.return_code is None or app.return_code == 0
