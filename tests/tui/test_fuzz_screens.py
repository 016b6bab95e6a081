"""Random key bursts on every screen, at three sizes, with invariants after each burst.

Short by default (a few hundred keys per screen and size). The long run behind
``MIGRATELAB_FUZZ_LONG=1`` sends 5,000 keys per screen per size
(``MIGRATELAB_FUZZ_KEYS`` overrides the count) and prints the totals.

Keys go straight to the driver in bursts, without waiting for the app to settle
after each, because that is how races show (a query running while a screen is
being torn down, the command palette closing while its list updates). The
invariants: the app is still running with no exception, a screen of ours (or the
command palette) is on top, and focus, if any, is inside the top screen.
"""

from __future__ import annotations

import os
import random

import pytest
from textual import events
from textual.command import CommandPalette
from textual.pilot import Pilot

from migratelab.tui.app import MigrateLabApp
from migratelab.tui.screens.help import HelpScreen
from migratelab.tui.screens.level_select import LevelSelectScreen
from migratelab.tui.screens.play import PlayScreen
from migratelab.tui.screens.title import TitleScreen
from migratelab.tui.world import load_play_level

from .conftest import FIRST, fixed_levels

LONG = bool(os.environ.get("MIGRATELAB_FUZZ_LONG"))
KEYS_PER_RUN = int(os.environ.get("MIGRATELAB_FUZZ_KEYS", 5000 if LONG else 250))
BURST = int(os.environ.get("MIGRATELAB_FUZZ_BURST", 25))
SIZES = [(80, 24), (120, 40), (200, 50)]

#: Printable keys (with their characters) and named keys. No ctrl+q / ctrl+c: quitting
#: ends the run, it is not a failure.
CHARS = {"colon": ":", "slash": "/", "space": " ", "plus": "+", "minus": "-",
         "question_mark": "?", "left_square_bracket": "[", "right_square_bracket": "]",
         "equals_sign": "=", "greater_than_sign": ">", "comma": ",", "full_stop": ".",
         "backslash": "\\", "at": "@", "exclamation_mark": "!"}
NAMED = ["enter", "escape", "tab", "shift+tab", "up", "down", "left", "right", "home",
         "end", "pageup", "pagedown", "backspace", "delete", "f1", "ctrl+p", "ctrl+a",
         "ctrl+e", "ctrl+k", "ctrl+u", "ctrl+w", "ctrl+up", "ctrl+down", "shift+up"]
KEYS = [*"abcdefghijklmnopqrstuvwxyzR0123456789", *CHARS, *NAMED]
#: Typed text a user might enter on the command line (markup look-alikes first).
TYPED = ["[a=b", "[bold]x[/]", "[/]", "[link=x]", "move A[0:8] -> 1", "explain 99999999",
         "mmap Z 999999999999", "\\[", "[" * 50, "touch A all"]

#: How each run reaches its screen: keys after start, and whether a level is open.
START: dict[str, tuple[list[str], bool]] = {
    "title": ([], False),
    "levels": (["p"], False),
    "play": ([], True),
    "sandbox": (["x"], False),
    "help": (["f1"], False),
    "palette": (["ctrl+p"], True),
    "command-line": (["colon"], True),
}
OURS = (TitleScreen, LevelSelectScreen, PlayScreen, HelpScreen, CommandPalette)


def _event(key: str) -> events.Key:
    char = CHARS.get(key, key if len(key) == 1 else None)
    return events.Key(key, char)


async def burst(pilot: Pilot[None], keys: list[str]) -> None:
    """Send ``keys`` without waiting in between, then let the app settle."""
    driver = pilot.app._driver
    assert driver is not None
    for key in keys:
        event = _event(key)
        event.set_sender(pilot.app)
        driver.send_message(event)
    await pilot.pause()


def _typed(rng: random.Random) -> list[str]:
    text = rng.choice(TYPED)
    names = {v: k for k, v in CHARS.items()}
    return ["colon", *[names.get(c, c) for c in text], "enter"]


def check_invariants(app: MigrateLabApp, where: str) -> None:
    """What must hold after every burst."""
    assert app._exception is None, f"{where}: {app._exception!r}"
    assert app.is_running, f"{where}: the app stopped"
    screen = app.screen
    assert app.screen_stack, where
    names = [type(s).__name__ for s in app.screen_stack]
    assert isinstance(screen, (*OURS, type(app.screen_stack[-1]))), f"{where}: {names}"
    focused = app.focused
    if focused is not None:
        assert focused.screen is screen, f"{where}: focus on {focused!r} outside {screen!r}"


async def run_screen(screen: str, size: tuple[int, int], presses: int, seed: str) -> int:
    """Fuzz one screen at one size; returns the number of keys sent."""
    rng = random.Random(seed)
    sent = 0
    while sent < presses:  # a clean quit (the palette's Quit) starts a new app
        sent = await _one_app(screen, size, presses, seed, rng, sent)
    return sent


async def _one_app(screen: str, size: tuple[int, int], presses: int, seed: str,
                   rng: random.Random, sent: int) -> int:
    keys, with_level = START[screen]
    level = load_play_level(FIRST) if with_level else None
    app = MigrateLabApp(level=level, levels=fixed_levels())
    async with app.run_test(size=size) as pilot:
        await pilot.press(*keys)
        while sent < presses and app.is_running and app.return_code is None:
            chunk = _typed(rng) if rng.random() < 0.1 else \
                [rng.choice(KEYS) for _ in range(BURST)]
            # come back to the screen under test now and then
            if rng.random() < 0.15 and keys:
                chunk += ["escape", "escape", *keys]
            await burst(pilot, chunk)
            sent += len(chunk)
            if app._exit or app.return_code is not None:
                break  # quit cleanly
            check_invariants(app, f"{screen} {size} after {sent} keys (seed {seed})")
            if LONG and sent // 500 != (sent - len(chunk)) // 500:
                print(f"FUZZ-PROGRESS {screen} {size[0]}x{size[1]}: {sent} keys, invariants "
                      f"held", flush=True)
    assert app._exception is None
    return sent


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("screen", list(START))
async def test_random_keys_keep_invariants(screen: str, size: tuple[int, int]) -> None:
    sent = await run_screen(screen, size, KEYS_PER_RUN, f"fuzz-{screen}-{size}")
    if LONG:
        print(f"FUZZ-KEYS {screen} {size[0]}x{size[1]}: {sent} keys, 0 failures")
