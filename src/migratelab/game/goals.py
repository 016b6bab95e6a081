"""Goals as the game sees them: build a level's world, judge a goal, replay a solution.

The rules live in :mod:`migratelab.scenario.level_goals` so that the scenario
tools (``migratelab check``, the pytest plugin) do not import upward; this module
is the game's stable entry point and the names the TUI uses.

- :func:`build_world` ``(level) -> ScenarioRunner``: a kernel with the setup applied.
- :func:`evaluate` ``(goal, runner, history, prediction=None) -> GoalResult``.
- :func:`replay_solution` ``(level) -> (runner, history)``.
- ``goal.describe()`` says exactly what :func:`evaluate` checks.
"""

from __future__ import annotations

from migratelab.scenario.level_goals import (
    GoalResult,
    LevelRunError,
    PartResult,
    build_world,
    evaluate,
    page_folio,
    play,
    replay_solution,
)
from migratelab.scenario.levels import Goal, Prediction

__all__ = [
    "Goal", "GoalResult", "LevelRunError", "PartResult", "Prediction", "build_world",
    "evaluate", "page_folio", "play", "replay_solution",
]
