"""Benchmark the play screen at 200x50, every pane on screen, a 1 GiB process in view.

Run: ``python benchmarks/bench_tui.py`` (``BENCH_PRESSES=50`` for a quick run).
Prints:

* startup: a fresh ``python`` process that imports the app and shows the title
  screen, from process start to the first frame written, median of 5;
* the play screen's first frame with the 1 GiB world (262,144 base pages on
  node 0), minus the time the engine spent building that world;
* keypress -> next frame written, median and p95: scrolling the address space
  (``down``), stepping a 512-entry call one event at a time (``s``), and
  scrolling while ``r`` runs a 4,096-entry call at 2,000 events/s. Keys are
  typed 20-50 ms apart, as a person types or a held key repeats; scroll and
  step are also timed with each key sent the moment the last frame is out,
  which Textual's frame clock (120 frames a second here, one or two periods
  after a long frame) holds back;
* ``e`` on the 262,144-entry call: time to the end, the longest gap between two
  frames written until the end is drawn, and the longest stall of the event
  loop (a 5 ms probe timer), counted until the results panel (the call met
  the level's goal) is drawn over the screen.

Targets: keypress median <= 16 ms and p95 <= 33 ms; no frame gap over 100 ms.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import statistics
import subprocess
import sys
import time
from typing import Any

from migratelab.game.commands import parse
from migratelab.tui.app import MigrateLabApp
from migratelab.tui.screens.play import PlayScreen
from migratelab.tui.screens.results import shown_results
from migratelab.tui.world import demo_level

GIB_PAGES = int(os.environ.get("BENCH_PAGES", 262_144))
PRESSES = int(os.environ.get("BENCH_PRESSES", 150))
SIZE = (200, 50)


def _p95(xs: list[float]) -> float:
    return sorted(xs)[max(0, int(len(xs) * 0.95) - 1)]


def _send(app: MigrateLabApp, key: str) -> None:
    # (textual is imported through migratelab.tui, which sets the frame rate the
    # app runs at: TEXTUAL_FPS is read when textual is first imported)
    from textual import events

    event = events.Key(key, key if len(key) == 1 else None)
    event.set_sender(app)
    assert app._driver is not None
    app._driver.send_message(event)


class Frames:
    """Frames the app writes to its (headless) display, and a wait for the next one.

    Waiting on a future, not polling: a polling loop costs the process CPU that
    would be counted against the key.
    """

    def __init__(self, app: MigrateLabApp) -> None:
        self.times: list[float] = []
        self._next: asyncio.Future[float] | None = None
        original = app._display

        def display(*args: object, **kwargs: object) -> None:
            original(*args, **kwargs)  # type: ignore[arg-type]
            now = time.perf_counter()
            self.times.append(now)
            if self._next is not None and not self._next.done():
                self._next.set_result(now)

        app._display = display  # type: ignore[method-assign]

    def arm(self) -> asyncio.Future[float]:
        """A future the next frame resolves (armed before the key is sent)."""
        self._next = asyncio.get_running_loop().create_future()
        return self._next


#: CPU seconds the process spent per keypress (wall time on a loaded machine is
#: mostly waiting for a core; this says what the app itself costs).
CPU: dict[str, list[float]] = {}
#: Pauses between typed keys: a person types (and a held key repeats) at most
#: 20-50 keys a second, so the last frame is older than Textual's frame period.
PACE = random.Random(14)


async def _press(app: MigrateLabApp, key: str, frames: Frames, name: str,
                 typed: bool = True) -> float:
    """Send one key; seconds until the next frame is written to the display.

    ``typed``: after a pause of 20-50 ms, as a person types. Otherwise the key
    goes out the moment the last frame is written, and waits for Textual's
    frame clock (60 frames a second: a frame at most every 16.7 ms).
    """
    if typed:
        await asyncio.sleep(PACE.uniform(0.02, 0.05))
    frame = frames.arm()
    t = time.perf_counter()
    c = time.process_time()
    _send(app, key)
    try:
        done = await asyncio.wait_for(frame, 2)
    except TimeoutError:
        done = time.perf_counter()
    CPU.setdefault(name, []).append(time.process_time() - c)
    return done - t


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


def _line(name: str, xs: list[float]) -> str:
    ms = [x * 1000 for x in xs]
    cpu = [x * 1000 for x in CPU.get(name, [0.0])]
    return (f"keypress -> frame, {name:<26} median {statistics.median(ms):6.2f} ms   "
            f"p95 {_p95(ms):6.2f} ms   (n={len(ms)}; targets 16 / 33 ms); CPU per key "
            f"median {statistics.median(cpu):5.2f} ms")


async def _wait_idle_call(screen: PlayScreen, limit: float = 600) -> None:
    t = time.perf_counter()
    while (screen.session.busy or screen.driver.working) and time.perf_counter() - t < limit:
        await asyncio.sleep(0.01)


async def main() -> None:
    """Build the world, start the app, time keys, step, run and finish."""
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
    frames = Frames(app)
    painted = frames.times
    lines: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        t_world = world_times[0]
        t_start = (painted[0] if painted else time.perf_counter()) - t1 - t_world
        screen = app.screen
        assert isinstance(screen, PlayScreen) and screen.has_class("-wide")
        session = screen.session

        scroll = [await _press(app, "down", frames, "scroll (down)") for _ in range(PRESSES)]
        lines.append(_line("scroll (down)", scroll))
        name = "scroll, keys back to back"
        scroll = [await _press(app, "down", frames, name, typed=False) for _ in range(PRESSES)]
        lines.append(_line(name, scroll))

        session.submit(parse("move A[0:512] -> 1", session.regions()))
        screen.after_step()
        await pilot.pause()
        step = [await _press(app, "s", frames, "step (s), 512-entry call")
                for _ in range(PRESSES)]
        lines.append(_line("step (s), 512-entry call", step))
        name = "step, keys back to back"
        step = [await _press(app, "s", frames, name, typed=False) for _ in range(PRESSES)]
        lines.append(_line(name, step))
        await pilot.press("e")
        await _wait_idle_call(screen)

        session.submit(parse("move A[512:4608] -> 1", session.regions()))
        screen.after_step()
        screen.driver.speed = 4  # 2,000 events/s
        await pilot.press("r")
        await asyncio.sleep(0.3)
        rate0, t0 = session.live.events if session.live else 0, time.perf_counter()
        running: list[float] = []
        for _ in range(PRESSES):
            if not session.busy:
                break
            running.append(await _press(app, "down", frames, "scroll while running"))
        rate = ((session.live.events if session.live else 0) - rate0) / (
            time.perf_counter() - t0)
        lines.append(_line("scroll while running", running) +
                     f"  [{rate:,.0f} events/s measured]")
        await pilot.press("r")
        await pilot.press("e")
        await _wait_idle_call(screen)

        t = time.perf_counter()
        session.submit(parse(f"move A[0:{GIB_PAGES}] -> 1", session.regions()))
        t_submit = time.perf_counter() - t
        screen.after_step()
        await pilot.pause()
        stalls: list[float] = []
        stop = False

        async def probe() -> None:
            last = time.perf_counter()
            while not stop:
                await asyncio.sleep(0.005)
                now = time.perf_counter()
                stalls.append(now - last - 0.005)
                last = now

        probe_task = asyncio.create_task(probe())
        first = len(painted)
        t = time.perf_counter()
        _send(app, "e")
        await asyncio.sleep(0.05)
        await _wait_idle_call(screen)
        t_end = time.perf_counter()
        t_e = t_end - t
        # the call met the level's goal: its end and the results panel over the
        # screen are drawn; then nothing is left to draw
        while shown_results(screen) is None and time.perf_counter() - t_end < 5:
            await asyncio.sleep(0.005)
        await asyncio.sleep(0.3)
        stop = True
        await probe_task
        written = [t, *painted[first:]]
        gaps = [b - a for a, b in itertools.pairwise(written)]
        worst = max(range(len(gaps)), key=gaps.__getitem__)
        # while the engine works, apart from the hand-back at the end
        running_gaps = [g for g, a in zip(gaps, written, strict=False) if a < t_end - 0.3]
        moved = session.view().pages_on_node("A", 1)
        lines.append(f"e on the {GIB_PAGES:,}-entry call: {t_e:.2f} s to the end, "
                     f"{len(written) - 1} frames until the results are drawn, longest "
                     f"frame gap {max(gaps) * 1000:.0f} ms (from {written[worst] - t:.2f} s; "
                     f"before the last 0.3 s: {max(running_gaps, default=0) * 1000:.0f} ms), "
                     f"longest event-loop stall {max(stalls) * 1000:.0f} ms "
                     f"(target: no gap over 100 ms); A on node 1: {moved[0]:,}/{moved[1]:,}")
        lines.append(f"the results panel: last frame {(written[-1] - t_end) * 1000:.0f} ms "
                     "after the call went idle")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"startup, process start -> title screen's first frame: {title_startup():.3f} s "
          "(median of 5)")
    print(f"world setup (engine, 1 GiB process):  {t_world:.3f} s")
    print(f"play screen first frame, minus world: {t_start:.3f} s  (200x50, every pane)")
    print(f"submit of the 262,144-entry call (incl. undo snapshot): {t_submit:.3f} s")
    for line in lines:
        print(line)


if __name__ == "__main__":
    asyncio.run(main())
