"""Presenter mode: demo pacing for a workshop, in a terminal or a browser tab.

Slower default speed, heavier highlights of what the last step changed (the
``-presenter`` class; see ``app.tcss``), and one "next" key (space) that walks
the level's reference solution: it starts the next step, then steps the call
batch by batch, and after a step that carries a ``[[solution.marks]]`` entry it
stops with the mark's text on screen until the presenter presses it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from migratelab.game.replay import ReplayStep, solution_steps
from migratelab.game.session import SessionError

if TYPE_CHECKING:
    from migratelab.tui.screens.play import PlayScreen

#: Index into the play screen's SPEEDS (2 events per second).
PRESENTER_SPEED = 0


@dataclass(slots=True)
class Presenter:
    """Where the replay of one level's solution is."""

    steps: list[ReplayStep]
    done: int = 0
    #: A mark's text is on screen; the next press goes on.
    paused: bool = False
    said: list[str] = field(default_factory=list)

    @classmethod
    def for_screen(cls, screen: PlayScreen) -> Presenter:
        """The replay of the screen's level."""
        return cls(solution_steps(screen.level.solution, screen.level.predict_request))

    def next(self, screen: PlayScreen) -> str:
        """One press of the "next" key; returns what the message line should say."""
        session = screen.session
        if session.busy:
            session.step_over()
            return "next: to the end of this batch (space again)"
        if self.paused:
            self.paused = False
            screen.show_answer("")
        if self.done >= len(self.steps):
            return ("the solution has been replayed to its end" if self.steps
                    else "this level has no reference solution to replay")
        step = self.steps[self.done]
        text = step.describe(session.regions())
        try:
            if step.prediction is not None:
                session.predict(step.prediction, text)
            else:
                session.submit(step.op, text)
        except SessionError as exc:
            return f"replay stopped: {exc}"
        self.done += 1
        return f"step {self.done}/{len(self.steps)}: {text}  (space: next batch)"

    def after_call(self, screen: PlayScreen) -> None:
        """The call of the last step ended: pause at its mark, if it has one."""
        if self.paused or not self.done or screen.session.busy:
            return
        mark = self.steps[self.done - 1].mark
        if mark and (not self.said or self.said[-1] != f"{self.done}:{mark}"):
            self.said.append(f"{self.done}:{mark}")
            self.paused = True
            screen.show_answer(f"▌ {mark}\n(space: go on)")
