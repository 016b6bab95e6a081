"""What the play screen does when a call ends: a win, or a wrong prediction shown.

Both open the results panel over the screen (:class:`ResultsPanel`, a layer of
the play screen), so the final state stays in view. A win also posts
:class:`~migratelab.tui.messages.Won` to the app, which records it; the
player's choice on a win's panel goes up as
:class:`~migratelab.tui.messages.ResultsChosen` (the app opens the next level
or the level select). On a wrong prediction "retry" undoes the call here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from migratelab.game.commands import EXAMPLE_PREDICTION
from migratelab.tui.messages import ResultsChosen, Won
from migratelab.tui.screens.results import (
    Results,
    ResultsHost,
    results_of,
    shown_results,
)
from migratelab.tui.widgets.prediction_table import verdict

if TYPE_CHECKING:
    from migratelab.tui.screens.play import PlayScreen


class Outcome:
    """Judges each finished call of one screen once, and holds its results panel."""

    def __init__(self, screen: PlayScreen) -> None:
        self.screen = screen
        self._judged: object | None = None
        #: The results on show (kept so a recompose on resize can show them again).
        self._shown: Results | None = None

    @property
    def is_open(self) -> bool:
        """The results panel is up: the play screen's own keys wait."""
        return self._shown is not None

    def check(self) -> None:
        """After a step: has the level just been won, or a prediction missed?"""
        screen = self.screen
        session = screen.session
        if session.busy or screen.won or screen.level.goal_check is None:
            return
        if self._wrong_prediction():
            return
        met, _ = session.goal()
        if met:
            screen.won = True
            screen.stop()
            result = results_of(screen.level, session)
            screen.post_message(Won(result))
            self.show(result)

    def show(self, result: Results) -> None:
        """Open the results panel over the play screen."""
        self._shown = result
        self.remount()

    def remount(self) -> None:
        """The screen was composed again (a resize across a breakpoint): the panel
        on show goes back on top."""
        host = self.screen.query_one(ResultsHost)
        if self._shown is not None and shown_results(self.screen) is None and not host.pending:
            result = self._shown
            host.show(result, lambda choice: self._chosen(result, choice))

    def _chosen(self, result: Results, choice: str) -> None:
        self._shown = None
        self.screen.focus_address()
        if choice == "retry":
            self.screen.action_undo()
            self.screen.say(f"undone: predict again ({EXAMPLE_PREDICTION} is the form), "
                            "then watch the request run")
            self.screen.action_command()
        elif result.solved and choice != "stay":
            self.screen.post_message(ResultsChosen(result, choice))

    def _wrong_prediction(self) -> bool:
        """A predicted call just ended with a wrong answer: say so and show the table."""
        screen = self.screen
        session = screen.session
        record = session.last_record
        if record is None or record is self._judged or session.prediction is None:
            return False
        self._judged = record
        res = results_of(screen.level, session, solved=False)
        if not res.prediction or all(c.same for c in res.prediction):
            return False
        screen.stop()
        screen.say(f"wrong prediction: {verdict(res.prediction)[2:]}; "
                   "u to undo and predict again", error=True)
        self.show(res)
        return True
