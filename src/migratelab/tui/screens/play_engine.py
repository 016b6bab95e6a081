"""How the play screen advances the engine without freezing.

A small call (up to :data:`~migratelab.game.session.WATCH_MAX_ENTRIES` entries,
per-page events on) is stepped on the UI's own loop: one event per ``s``, a
batch per ``n``, and ``e`` in slices of :data:`SLICE` seconds with a frame
between them. A big call (a 1 GiB process: 262,144 entries) runs without
per-page events, and one engine step can be a long loop (every isolation of a
batch happens before ``batch_flush``), so ``s``, ``n`` and ``e`` hand it to a
thread worker. While the thread runs the panes keep the last picture (they do
not read the machine being changed), a progress line counts events, and the
screen answers keys; when it ends the screen redraws once.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Literal

from textual.timer import Timer

from migratelab.game.records import Change
from migratelab.game.session import WATCH_MAX_ENTRIES
from migratelab.tui import heap
from migratelab.tui.widgets.status_pane import histogram

if TYPE_CHECKING:
    from migratelab.tui.screens.play import PlayScreen

#: Events per second at each speed setting.
SPEEDS = (2, 10, 50, 250, 2000)
#: ``r`` steps the events it owes this often: in small slices, so a key typed
#: while it runs waits for a slice, not for a whole frame's worth of events ...
TICK = 0.01
#: ... and shows them at most this often (a redraw costs more than a slice).
SHOW = 0.05
#: Events owed for more than this (a stall) are dropped, not run in one burst.
CATCH_UP = 0.1
#: A key typed while ``r`` runs holds the ticks until its frame is out, for at most
#: this long (the events of the time held are owed, and stepped by the next tick).
HOLD = 0.05
#: ``e`` on a small call works in slices this long, so a frame goes out between them.
SLICE = 0.02
How = Literal["step", "over", "finish"]
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"



class Driver:
    """Steps, runs and finishes the session's call for one play screen."""

    def __init__(self, screen: PlayScreen) -> None:
        self.screen = screen
        self.speed = 2
        #: A thread or a sliced finish is advancing the call: other intents wait.
        self.working = False
        #: ... and it is a thread: the screen must not read the machine meanwhile.
        self.threaded = False
        self._timer: Timer | None = None
        self._progress: Timer | None = None
        self._budget = self._last_tick = self._shown = 0.0
        #: What the steps since the last redraw changed.
        self._unshown = Change.NONE
        self._spin, self._started = 0, 0.0
        #: When a key held the ticks (0: not held).
        self._held = 0.0

    @property
    def running(self) -> bool:
        """``r`` is running the call at the chosen speed."""
        return self._timer is not None

    def _big(self) -> bool:
        live = self.screen.session.live
        return live is not None and live.count > WATCH_MAX_ENTRIES

    # -- intents --------------------------------------------------------------------
    def advance(self, how: How) -> None:
        """One event, to the end of the batch, or to the end of the call."""
        session = self.screen.session
        if self.working:
            self.screen.say("the engine is working: a moment…")
            return
        if not session.busy:
            self.screen.say("no call in progress: compose a request and press Enter")
            return
        if how == "finish":
            self.stop()
        if self._big():
            self._in_thread(how)
        elif how == "step":
            session.step()
            self.screen.after_step(follow=True)
        elif how == "over":
            session.step_over()
            self.screen.after_step(follow=True)
        elif self._slice():
            self.working = True
            self.screen.run_worker(self._finish_in_slices(), exclusive=True, group="engine")
        else:
            self.screen.finished()

    def toggle_run(self) -> None:
        """Run at the current speed, or pause."""
        if self._timer is not None:
            self.stop()
        elif self._big():
            self.screen.say("a call this big runs without per-page events: e runs it "
                            "to the end, n to the end of the batch")
        elif self.screen.session.busy:
            self._budget, self._last_tick, self._unshown = 0.0, 0.0, Change.NONE
            self._timer = self.screen.set_interval(TICK, self._tick)
        else:
            self.screen.say("no call in progress")

    def hold(self) -> None:
        """A key arrived: while ``r`` runs, step nothing more until its frame is out.

        A tick (a few ms of events) that fires between the key's action and the
        frame showing it would make the player wait for events they did not ask
        to see yet.
        """
        if self._timer is None or self._held:
            return
        self._held = time.perf_counter()
        self.screen.call_after_refresh(self._release)

    @property
    def held(self) -> bool:
        """A key is waiting for its frame: the run steps nothing meanwhile."""
        return bool(self._held)

    def _release(self) -> None:
        self._held = 0.0

    def stop(self) -> None:
        """Stop running (a thread already started goes on to its end)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self._unshown:  # the next redraw marks every pane the run changed
            self.screen.session.changed, self._unshown = self._unshown, Change.NONE

    def faster(self, delta: int) -> None:
        """Change the run speed."""
        self.speed = max(0, min(len(SPEEDS) - 1, self.speed + delta))

    # -- small calls on the UI loop ----------------------------------------------------
    def _tick(self) -> None:
        session = self.screen.session
        # events owed for the time that really passed (a tick made late by a
        # redraw does not lose them)
        now = time.perf_counter()
        if self._held and now - self._held < HOLD:
            return
        self._held = 0.0
        elapsed = min(now - self._last_tick, CATCH_UP) if self._last_tick else TICK
        self._last_tick = now
        self._budget += SPEEDS[self.speed] * elapsed
        while self._budget >= 1 and session.busy:
            self._budget -= 1
            session.step()
            self._unshown |= session.changed
        if not session.busy:
            self.stop()  # (which hands the unshown changes to the session)
        elif not self._unshown or now - self._shown < SHOW:
            return
        else:
            session.changed, self._unshown = self._unshown, Change.NONE
        self._shown = now
        self.screen.after_step()

    def _slice(self) -> bool:
        """Step for up to :data:`SLICE` seconds; True while the call goes on."""
        session = self.screen.session
        deadline = time.perf_counter() + SLICE
        changed = Change.NONE
        while session.busy and time.perf_counter() < deadline:
            session.finish(limit=32)
            changed |= session.changed
        session.changed = changed
        return session.busy

    async def _finish_in_slices(self) -> None:
        try:
            while self._slice():
                self.screen.after_step()
                await asyncio.sleep(0.001)  # let the frame out, and keys in
        finally:
            self.working = False
        self.screen.finished()

    # -- big calls in a thread ---------------------------------------------------------------
    def _in_thread(self, how: How) -> None:
        self.working = self.threaded = True
        self.screen.say(f"the engine is working ({how})…")
        self._spin, self._started = 0, time.perf_counter()
        self._progress = self.screen.set_interval(0.05, self._show_progress)
        self.screen.run_worker(lambda: self._work(how), thread=True, exclusive=True,
                               group="engine")

    def _work(self, how: How) -> None:
        session = self.screen.session
        try:
            with heap.collector_paused():
                if how == "step":
                    session.step()
                elif how == "over":
                    session.step_over()
                else:
                    session.finish()
                # judged here, not on the UI's loop: on a 1 GiB world the check
                # walks 262,144 pages (the session keeps the answer per version);
                # status[] is counted here for the same reason
                session.goal()
                histogram(session)
        finally:
            self.screen.app.call_from_thread(self._thread_done, how)

    def _show_progress(self) -> None:
        live = self.screen.session.live
        if live is not None:
            # the spinner turns even in phases without events (the final status[]
            # pass): the player sees the engine alive, not a frozen line
            self._spin += 1
            spinner = SPINNER[self._spin % len(SPINNER)]
            self.screen.say(f"{spinner} the engine is working: {live.events:,} events, "
                            f"{time.perf_counter() - self._started:.1f} s")

    def _thread_done(self, how: How) -> None:
        self.working = self.threaded = False
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
        self.screen.say("done" if not self.screen.session.busy else "")
        if how == "finish" or not self.screen.session.busy:
            self.screen.finished()
        else:
            self.screen.after_step(follow=True)
