"""Redraw the README's screenshots from the game itself (Pilot, then rsvg-convert).

Run: ``python docs/screenshots/redraw.py`` (needs ``rsvg-convert``, Debian's
``librsvg2-bin``). The browser screenshot comes from the browser test:
``MIGRATELAB_SCREENSHOT=docs/screenshots/serve-browser.png pytest tests/tui/test_browser.py``.
"""

from __future__ import annotations

import asyncio
import subprocess
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot

from migratelab.tui.app import MigrateLabApp
from migratelab.tui.world import PlayLevel, demo_level, load_play_level, practice_level

HERE = Path(__file__).parent
LEVELS = HERE.parent.parent / "levels"
Run = Callable[[Pilot[None]], Awaitable[None]]


async def _mid_call(pilot: Pilot[None]) -> None:
    # level 02: A[0]'s THP has moved, A[100] (its head already isolated) got -EBUSY
    await pilot.press("colon", *"predict ret=0 status=1,-EBUSY", "enter")
    session = getattr(pilot.app.screen, "session", None)
    for _ in range(30):  # to the step that moves the THP
        await pilot.press("s")
        last = session.last_event if session is not None else None
        if last is not None and last.kind == "mm_migrate_folio_move":
            break


async def _practice(pilot: Pilot[None]) -> None:
    await pilot.press("colon", *"predict ret=0 status=-EBUSY,1,-EBUSY,1", "enter",
                      *["s"] * 9)


async def _compare(pilot: Pilot[None]) -> None:
    await pilot.press("home", "1", "right", "0", "right", "1", "right", "1")
    await pilot.press("colon", *"compare v4.14 v6.12", "enter")
    await pilot.pause()
    await pilot.press("e")


#: file -> (level, size, keys)
SHOTS: dict[str, tuple[Callable[[], PlayLevel], tuple[int, int], Run]] = {
    "play-wide-mid-call.png": (lambda: load_play_level(LEVELS / "02_thp_tail_ebusy.toml"),
                               (200, 50), _mid_call),
    "practice.png": (lambda: practice_level(7, "v4.17", "pagevec"), (160, 45), _practice),
    "compare.png": (lambda: demo_level(8), (120, 30), _compare),
}


async def _shoot(name: str, make: Callable[[], PlayLevel], size: tuple[int, int],
                 run: Run, tmp: Path) -> None:
    app = MigrateLabApp(level=make(), levels=[])
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await run(pilot)
        await pilot.pause()
        svg = tmp / (name + ".svg")
        app.save_screenshot(svg.name, path=str(tmp))
    subprocess.run(["rsvg-convert", str(svg), "-o", str(HERE / name)], check=True)
    print(f"{HERE / name}: {size[0]}x{size[1]}")


def main() -> None:
    """Every screenshot in SHOTS."""
    with tempfile.TemporaryDirectory() as tmp:
        for name, (make, size, run) in SHOTS.items():
            asyncio.run(_shoot(name, make, size, run, Path(tmp)))


if __name__ == "__main__":
    main()
