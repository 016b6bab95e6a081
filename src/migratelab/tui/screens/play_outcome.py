"""What the play screen does when a call ends: a win, or a wrong prediction shown.

A win posts :class:`~migratelab.tui.messages.Won` to the app (which records it
and opens the results). A predicted call that ended with a different answer
opens the results modal over the screen with the prediction table, so the
differing cells can be read; "retry" undoes the call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from migratelab.game.commands import EXAMPLE_PREDICTION
from migratelab.tui.messages import Won
from migratelab.tui.widgets.prediction_table import verdict

if TYPE_CHECKING:
    from migratelab.tui.screens.play import PlayScreen


class Outcome:
    """Judges each finished call of one screen once."""

    def __init__(self, screen: PlayScreen) -> None:
        self.screen = screen
        self._judged: object | None = None

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
            from migratelab.tui.screens.results import results_of

            screen.post_message(Won(results_of(screen.level, session)))

    def _wrong_prediction(self) -> bool:
        """A predicted call just ended with a wrong answer: say so and show the table."""
        screen = self.screen
        session = screen.session
        record = session.last_record
        if record is None or record is self._judged or session.prediction is None:
            return False
        self._judged = record
        from migratelab.tui.screens.results import ResultsScreen, results_of

        res = results_of(screen.level, session, solved=False)
        if not res.prediction or all(c.same for c in res.prediction):
            return False
        screen.stop()
        screen.say(f"wrong prediction: {verdict(res.prediction)[2:]}; "
                   "u to undo and predict again", error=True)
        screen.app.push_screen(ResultsScreen(res), self._after_results)
        return True

    def _after_results(self, choice: str | None) -> None:
        if choice == "retry":
            self.screen.action_undo()
            self.screen.say(f"undone: predict again ({EXAMPLE_PREDICTION} is the form), "
                            "then watch the request run")
            self.screen.action_command()
