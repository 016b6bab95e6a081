"""Key fuzzing at every layout size, fixed seeds, invariants checked after each burst.

The default run is short (50 keys per case, the play screen at every size);
set ``MIGRATELAB_FUZZ_KEYS=5000`` (keys per case) for a long soak of every
screen at every size.
"""

from __future__ import annotations

import os
import random

import pytest
from textual import events
from textual.app import ScreenStackError
from textual.pilot import Pilot

from migratelab.kernel.invariants import violations
from migratelab.tui.app import MigrateLabApp
from migratelab.tui.screens.play import PlayScreen
from migratelab.tui.world import load_play_level

from .conftest import FIRST, LEVELS_DIR, fixed_levels

KEYS = [*"abcdefghijklmnopqrstuvwxyz0123456789", "R", "colon", "slash", "enter", "escape",
        "tab", "shift+tab", "up", "down", "left", "right", "home", "end", "pageup",
        "pagedown", "space", "backspace", "plus", "minus", "question_mark", "f1",
        "left_square_bracket", "right_square_bracket", "greater_than_sign", "comma"]
#: Play keys weighted up, so calls are made and stepped, not only typed.
PLAY_KEYS = [*KEYS, *"sssnnnevv1111", "enter", "enter", "home", "end"]
PRESSES = int(os.environ.get("MIGRATELAB_FUZZ_KEYS", "50"))
#: A long run (the variable set) fuzzes every screen at every size; the default
#: run fuzzes the play screen at every size and the others at the two extremes.
LONG = "MIGRATELAB_FUZZ_KEYS" in os.environ
BURST = 25
CHARS = {"colon": ":", "slash": "/", "space": " ", "plus": "+", "minus": "-",
         "question_mark": "?", "left_square_bracket": "[", "right_square_bracket": "]",
         "greater_than_sign": ">", "comma": ","}
SIZES = [(80, 24), (120, 40), (160, 45), (200, 50)]


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


def check_invariants(app: MigrateLabApp) -> None:
    """The app runs, and a play screen's machine and panes agree with the session."""
    assert app.return_code is None or app.return_code == 0
    for screen in app.screen_stack:
        if not isinstance(screen, PlayScreen):
            continue
        s = screen.session
        assert violations(s.runner.k) == []
        assert screen.version == s.version  # every pane was told about the last change
        live = s.live
        if live is not None:
            assert len(live.status) == live.count
            assert live.cursor is None or 0 <= live.cursor < max(live.count, 1)


START = {"title": [], "levels": ["enter"], "play": None, "help": ["f1"]}


CASES = [(screen, size) for screen in START for size in SIZES
         if LONG or screen == "play" or size in ((80, 24), (200, 50))]


@pytest.mark.parametrize(("screen", "size"), CASES,
                         ids=[f"{sc}-{w}x{h}" for sc, (w, h) in CASES])
async def test_random_keys(screen: str, size: tuple[int, int]) -> None:
    rng = random.Random(f"migratelab-{screen}-{size}")
    level = load_play_level(FIRST) if START[screen] is None else None
    app = MigrateLabApp(level=level, levels=fixed_levels())
    keys = PLAY_KEYS if screen == "play" else KEYS
    quit_cleanly = False
    try:
        async with app.run_test(size=size) as pilot:
            await pilot.press(*(START[screen] or []))
            for _ in range(max(1, PRESSES // BURST)):
                await fast_keys(pilot, [rng.choice(keys) for _ in range(BURST)])
                check_invariants(app)
    except ScreenStackError:
        # "q" on the title screen quit the app while keys were still queued
        quit_cleanly = not app.screen_stack
    assert quit_cleanly or app.return_code in (None, 0)


@pytest.mark.parametrize("level", ["02_thp_tail_ebusy", "06_lost_in_the_pagevec"])
async def test_resizing_mid_call_keeps_the_call(level: str) -> None:
    """Crossing every breakpoint mid-call recomposes the panes around the same session."""
    app = MigrateLabApp(level=load_play_level(LEVELS_DIR / f"{level}.toml"),
                        levels=fixed_levels())
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.press("colon", *"predict ret=0", "enter", "s", "s", "s", "s")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PlayScreen)
        before = screen.session.version
        for size in ((80, 24), (120, 40), (160, 45), (200, 50), (80, 24)):
            await pilot.resize_terminal(*size)
            await pilot.pause()
            await pilot.pause()
            assert screen.has_class({80: "-narrow", 120: "-medium"}.get(size[0], "-wide"))
            check_invariants(app)
        assert screen.session.busy and screen.session.version == before
        await pilot.press("e")
        await pilot.pause()
        assert not screen.session.busy
