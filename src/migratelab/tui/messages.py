"""Messages screens send up to the app ("attributes down, messages up").

Screens never call methods of the app by name; they post one of these and the
app decides what to do (open a level, record a win, go on after the results).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from migratelab.tui.screens.results import Results
    from migratelab.tui.world import PlayLevel


class LevelChosen(Message):
    """The player chose a level to play (level select, results' "next level")."""

    def __init__(self, level: PlayLevel) -> None:
        super().__init__()
        self.level = level


class Won(Message):
    """A level's goal was met; ``result`` is the score of the win."""

    def __init__(self, result: Results) -> None:
        super().__init__()
        self.result = result


class ResultsChosen(Message):
    """On a win's results panel the player chose ``choice`` ("next" or "levels")."""

    def __init__(self, result: Results, choice: str) -> None:
        super().__init__()
        self.result = result
        self.choice = choice


class PracticeNext(Message):
    """The player asked for the next practice problem (``next`` on a practice level)."""

    def __init__(self, seed: int, profile: str, topic: str) -> None:
        super().__init__()
        self.seed = seed
        self.profile = profile
        self.topic = topic
