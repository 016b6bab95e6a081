"""Presenter mode: demo pacing for a workshop, in a terminal or a browser tab.

Slower default speed, heavier highlights of what the last step changed (the
``-presenter`` class; see ``app.tcss``), and one "next" key (space) that walks
the level's reference solution with :class:`migratelab.game.solution.SolutionReplay`:
a press starts the next step, the following presses run the call batch by batch,
and after a step that a ``[[solution.marks]]`` entry names the replay stops with
the mark's text on screen until the presenter presses again. The session is
marked assisted by the replay, so a win shown this way is never recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from migratelab.game.session import BOUNDARY, SessionError
from migratelab.game.solution import SolutionReplay, as_answer

if TYPE_CHECKING:
    from migratelab.tui.screens.play import PlayScreen

#: Index into the play screen's SPEEDS (2 events per second).
PRESENTER_SPEED = 0


@dataclass(slots=True)
class Presenter:
    """The replay a presenter walks with the "next" key (None: nothing to replay)."""

    replay: SolutionReplay | None
    #: A predict level's mark (``after = 0``) is shown once its request has run.
    predict_mark: str | None = None
    started: bool = False

    @classmethod
    def for_screen(cls, screen: PlayScreen) -> Presenter:
        """Presenter mode on the screen's level (the replay starts at the first press)."""
        return cls(None)

    def _start(self, screen: PlayScreen) -> SolutionReplay | None:
        sol = screen.level.solution
        if sol is None:
            return None
        marks = [(int(m.after), str(m.text)) for m in getattr(sol, "marks", None) or []]
        prediction = as_answer(getattr(sol, "prediction", None))
        if prediction is not None and not sol.ops:
            self.predict_mark = dict(marks).get(0)
        screen.session.reset()
        return SolutionReplay(screen.session, list(sol.ops), prediction, marks)

    def next(self, screen: PlayScreen) -> str:
        """One press of the "next" key; returns what the message line should say."""
        if not self.started:
            self.started = True
            self.replay = self._start(screen)
        replay = self.replay
        if replay is None:
            return "this level has no reference solution to replay"
        if replay.paused:
            replay.resume()
            screen.show_answer("")
        if replay.done:
            return "the solution has been replayed to its end"
        session = screen.session
        was_busy = session.busy
        try:
            step = replay.advance()
            # within a call, one press runs to the end of the batch (or of the call)
            while was_busy and session.busy and not step.paused:
                if session.last_event is not None and session.last_event.kind in BOUNDARY:
                    break
                step = replay.advance()
        except SessionError as exc:
            return f"replay stopped: {exc}"
        if step.paused:
            screen.show_answer(f"▌ {step.text.removeprefix('mark: ')}\n(space: go on)")
            return "paused at a mark: space goes on"
        if replay.done and self.predict_mark:
            screen.show_answer(f"▌ {self.predict_mark}")
            self.predict_mark = None
        if session.busy:
            return f"{step.text}: space runs the next batch"
        return step.text


def toggle_presenter(screen: PlayScreen) -> None:
    """Presenter mode on or off on ``screen`` (its speed, look and "next" key)."""
    on = screen.presenter is None
    screen.presenter = Presenter.for_screen(screen) if on else None
    screen.set_class(on, "-presenter")
    screen.driver.speed = PRESENTER_SPEED if on else 2
    screen.refresh_bindings()
    screen.say("presenter mode: space = next step of the solution" if on
               else "presenter mode off")
    screen.sync()
