"""Driving a solution replay (show solution, presenter mode) at the screen's speed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.timer import Timer

from migratelab.game.solution import SolutionReplay
from migratelab.tui.screens.play_engine import SHOW, SPEEDS

if TYPE_CHECKING:
    from migratelab.tui.screens.play import PlayScreen


class ReplayDriver:
    """Advances a :class:`SolutionReplay` a tick at a time; stops at its marks."""

    def __init__(self, screen: PlayScreen) -> None:
        self.screen = screen
        self.replay: SolutionReplay | None = None
        self._timer: Timer | None = None
        self._budget = 0.0

    @property
    def running(self) -> bool:
        """A replay is being driven."""
        return self._timer is not None

    def start(self, replay: SolutionReplay) -> None:
        """Drive ``replay`` from now on."""
        self.stop()
        self.replay = replay
        self._budget = 0.0
        self._timer = self.screen.set_interval(SHOW, self._tick)

    def go_on(self) -> bool:
        """Past a mark (``s``); False when no replay runs."""
        if self.replay is None:
            return False
        if self.replay.paused:
            self.replay.resume()
            self.screen.say("going on")
        return True

    def stop(self) -> None:
        """Stop driving (the replay is dropped at its end)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _tick(self) -> None:
        replay = self.replay
        if replay is None:
            return
        self._budget += SPEEDS[self.screen.driver.speed] * SHOW
        while self._budget >= 1 and not replay.done and not replay.paused:
            self._budget -= 1
            step = replay.advance()
            if step.paused:
                self.screen.say(f"{step.text} (s to go on)")
        if replay.done:
            self.replay = None
            self.stop()
        self.screen.after_step()
