"""Benchmark the play screen with a 1 GiB process on screen (262,144 base pages on node 0).

Run: ``python benchmarks/bench_tui.py``. Prints:

* startup: a fresh ``python`` process that imports the app and shows the title
  screen, from process start to the first frame written (what ``migratelab``
  costs), median of 5;
* the play screen's first frame with the 1 GiB world, minus the time the engine
  spent building that world in the same run (the world is reported apart);
* keypress -> next frame written (step and scroll), median and p95 over many
  presses. Targets: keypress <= 16 ms median, startup <= 0.5 s.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
from typing import Any

from migratelab.game.commands import parse
from migratelab.tui.app import MigrateLabApp
from migratelab.tui.screens.play import PlayScreen
from migratelab.tui.world import demo_level

GIB_PAGES = int(os.environ.get("BENCH_PAGES", 262_144))
PRESSES = int(os.environ.get("BENCH_PRESSES", 200))


def _p95(xs: list[float]) -> float:
    return sorted(xs)[int(len(xs) * 0.95) - 1]


async def _press(app: MigrateLabApp, key: str, painted: list[float]) -> float:
    """Send one key; seconds until the next frame is written to the display."""
    from textual import events

    before = len(painted)
    t = time.perf_counter()
    event = events.Key(key, key if len(key) == 1 else None)
    event.set_sender(app)
    assert app._driver is not None
    app._driver.send_message(event)
    while len(painted) == before and time.perf_counter() - t < 2:
        await asyncio.sleep(0.0005)
    return (painted[-1] if len(painted) > before else time.perf_counter()) - t


_TITLE_PROBE = """
import asyncio, sys, time
from migratelab.tui.app import MigrateLabApp
async def main():
    app = MigrateLabApp()
    painted = []
    original = app._display
    def display(*args, **kwargs):
        original(*args, **kwargs)
        painted.append(time.time())
    app._display = display
    async with app.run_test(size=(120, 40)):
        while not painted:
            await asyncio.sleep(0.001)
    print(repr(painted[0]))
asyncio.run(main())
"""


def title_startup() -> float:
    """Seconds from starting a Python process to the title screen's first frame."""
    runs = []
    for _ in range(5):
        t = time.time()
        out = subprocess.run([sys.executable, "-c", _TITLE_PROBE], capture_output=True,
                             text=True, check=True)
        runs.append(float(out.stdout.strip().splitlines()[-1]) - t)
    return statistics.median(runs)


async def main() -> None:
    """Build the world, start the app, time keys."""
    level = demo_level(pages=GIB_PAGES, mem_mb=1100)
    build = level.make_runner
    world_times: list[float] = []

    def timed_build() -> Any:
        t = time.perf_counter()
        runner = build()
        world_times.append(time.perf_counter() - t)
        return runner

    level.make_runner = timed_build
    app = MigrateLabApp(level=level)
    t1 = time.perf_counter()
    painted: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        original = app._display

        def display(*args: object, **kwargs: object) -> None:
            original(*args, **kwargs)  # type: ignore[arg-type]
            painted.append(time.perf_counter())

        app._display = display  # type: ignore[method-assign]
        await pilot.pause()
        t_world = world_times[0]
        t_start = (painted[0] if painted else time.perf_counter()) - t1 - t_world
        screen = app.screen
        assert isinstance(screen, PlayScreen)
        results: dict[str, list[float]] = {"scroll (down)": [], "step (s)": []}
        for _ in range(PRESSES):
            t = time.perf_counter()
            results["scroll (down)"].append(await _press(app, "down", painted))
        await pilot.press("pagedown", "pagedown")
        t = time.perf_counter()
        request = f"move A[0:{min(GIB_PAGES, 65536)}] -> 1"
        screen.session.submit(parse(request, screen.session.regions()))
        t_submit = time.perf_counter() - t
        for _ in range(PRESSES):
            t = time.perf_counter()
            results["step (s)"].append(await _press(app, "s", painted))
    print(f"startup, process start -> title screen's first frame: {title_startup():.3f} s "
          "(median of 5; target <= 0.5 s)")
    print(f"world setup (engine, 1 GiB process):  {t_world:.3f} s")
    print(f"play screen first frame, minus world: {t_start:.3f} s")
    print(f"submit (incl. undo snapshot):        {t_submit:.3f} s")
    for name, xs in results.items():
        ms = [x * 1000 for x in xs]
        print(f"keypress -> frame, {name:<14} median {statistics.median(ms):6.2f} ms   "
              f"p95 {_p95(ms):6.2f} ms   (n={len(ms)}, target median <= 16 ms)")
    print("(keypress: key event sent -> next frame written by the app's display; "
          "the play screen's first frame excludes the world setup line above)")


if __name__ == "__main__":
    asyncio.run(main())
