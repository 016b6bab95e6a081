"""Random key bursts on every screen and layout size, invariants checked after each.

Every screen (title, level select, play, sandbox, help, the command palette and
the play screen's command line) is fuzzed at 80x24 and 200x50 by default, the
play screen also at 120x40 and 160x45 (the medium and wide breakpoints), with a
short run of keys per case to keep the suite fast. ``MIGRATELAB_FUZZ_LONG=1``
fuzzes every screen at 80x24, 120x40 and 200x50 with 5,000 keys each and prints
the totals; ``MIGRATELAB_FUZZ_KEYS`` sets the keys per case either way.

Keys go straight to the driver in bursts, without waiting for the app to settle
after each, because that is how races show (a query running while a screen is
torn down, the palette closing while its list updates, a key queued behind Quit).
The invariants: no exception, the app still running with a screen on top, focus
inside the top screen, and on every play screen the machine is consistent and
every pane was told about the session's last change. Quitting (the title's Quit,
the palette's Quit) is not a failure: the run goes on in a new app.
"""

from __future__ import annotations

import os
import random

import pytest
from textual import events
from textual.pilot import Pilot

from migratelab.kernel.invariants import violations
from migratelab.tui.app import MigrateLabApp
from migratelab.tui.screens.play import PlayScreen
from migratelab.tui.world import load_play_level

from .conftest import FIRST, fixed_levels

LONG = bool(os.environ.get("MIGRATELAB_FUZZ_LONG"))
KEYS_PER_RUN = int(os.environ.get("MIGRATELAB_FUZZ_KEYS", 5000 if LONG else 100))
BURST = 25

#: Printable keys (with their characters) and named keys. No ctrl+q / ctrl+c: that
#: quit would end most runs after a few bursts.
CHARS = {"colon": ":", "slash": "/", "space": " ", "plus": "+", "minus": "-",
         "question_mark": "?", "left_square_bracket": "[", "right_square_bracket": "]",
         "equals_sign": "=", "greater_than_sign": ">", "comma": ",", "full_stop": ".",
         "backslash": "\\", "at": "@", "exclamation_mark": "!"}
NAMED = ["enter", "escape", "tab", "shift+tab", "up", "down", "left", "right", "home",
         "end", "pageup", "pagedown", "backspace", "delete", "f1", "ctrl+p", "ctrl+a",
         "ctrl+e", "ctrl+k", "ctrl+u", "ctrl+w", "ctrl+up", "ctrl+down", "shift+up"]
KEYS = [*"abcdefghijklmnopqrstuvwxyzR0123456789", *CHARS, *NAMED]
#: On a play screen the play keys weigh more, so calls are made and stepped, not only typed.
PLAY_KEYS = [*KEYS, *"sssnnnevv1111", "enter", "enter", "home", "end"]
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
LONG_SIZES = [(80, 24), (120, 40), (200, 50)]
CASES = ([(screen, size) for screen in START for size in LONG_SIZES] if LONG else
         [(screen, size) for screen in START for size in ((80, 24), (200, 50))]
         + [("play", (120, 40)), ("play", (160, 45))])


def _event(key: str) -> events.Key:
    char = CHARS.get(key, key if len(key) == 1 else None)
    return events.Key(key, char)


async def fast_keys(pilot: Pilot[None], keys: list[str]) -> None:
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
    assert app.screen_stack, where
    screen = app.screen
    focused = app.focused
    if focused is not None:
        assert focused.screen is screen, f"{where}: focus on {focused!r} outside {screen!r}"
    for play in app.screen_stack:
        if not isinstance(play, PlayScreen) or not play.children:
            continue
        s = play.session
        assert violations(s.runner.k) == [], where
        assert play.version == s.version, f"{where}: a pane missed the last change"
        live = s.live
        if live is not None:
            assert len(live.status) == live.count, where
            assert live.cursor is None or 0 <= live.cursor < max(live.count, 1), where


async def run_screen(screen: str, size: tuple[int, int], presses: int, seed: str) -> int:
    """Fuzz one screen at one size; returns the number of keys sent."""
    rng = random.Random(seed)
    sent = 0
    while sent < presses:  # a clean quit starts a new app
        sent = await _one_app(screen, size, presses, seed, rng, sent)
    return sent


async def _one_app(screen: str, size: tuple[int, int], presses: int, seed: str,
                   rng: random.Random, sent: int) -> int:
    start, with_level = START[screen]
    keys = PLAY_KEYS if with_level or screen == "sandbox" else KEYS
    app = MigrateLabApp(level=load_play_level(FIRST) if with_level else None,
                        levels=fixed_levels())
    async with app.run_test(size=size) as pilot:
        await pilot.press(*start)
        while sent < presses:
            chunk = _typed(rng) if rng.random() < 0.1 else \
                [rng.choice(keys) for _ in range(BURST)]
            if rng.random() < 0.15 and start:  # back to the screen under test now and then
                chunk += ["escape", "escape", *start]
            await fast_keys(pilot, chunk)
            sent += len(chunk)
            if app.return_code is not None:
                break  # quit cleanly (checked below)
            check_invariants(app, f"{screen} {size} after {sent} keys (seed {seed})")
            if LONG and sent // 500 != (sent - len(chunk)) // 500:
                print(f"FUZZ-PROGRESS {screen} {size[0]}x{size[1]}: {sent} keys, invariants "
                      f"held", flush=True)
    assert app._exception is None, f"{screen} {size} after {sent} keys: {app._exception!r}"
    assert app.return_code in (None, 0)
    return sent


@pytest.mark.parametrize(("screen", "size"), CASES,
                         ids=[f"{sc}-{w}x{h}" for sc, (w, h) in CASES])
async def test_random_keys_keep_invariants(screen: str, size: tuple[int, int]) -> None:
    sent = await run_screen(screen, size, KEYS_PER_RUN, f"fuzz-{screen}-{size}")
    assert sent >= KEYS_PER_RUN
    if LONG:
        print(f"FUZZ-KEYS {screen} {size[0]}x{size[1]}: {sent} keys, 0 failures")
