"""Goal kinds: each part of ``[goal]`` is one class that describes, validates and judges itself.

Every kind has

- ``describe()``: one sentence, exactly what ``evaluate`` checks;
- ``validate(where, ctx)``: raise :class:`~migratelab.levels.rules.Problem` for a
  part that means nothing (an unmapped region, an unknown errno...);
- ``evaluate(played)``: a :class:`PartResult` for the state after the player's calls;
- ``positive``: whether the part asks for something to happen (a goal made only of
  parts that doing nothing meets, such as ``avoid`` and limits, is refused).

Kinds written as tables in the file (``placement``, ``predict``, ``provoke``,
``avoid``) are Structs; limits are plain ints in the file and get a small wrapper
class listed in :data:`LIMITS`. :class:`Goal` walks its own fields in order, so a
new kind is one class (in a module of its own here) and one field of :class:`Goal`
(plus a :data:`LIMITS` entry for an int-valued one). ``part`` holds the interface
(:class:`GoalPart`) and what kinds are given (:class:`GoalContext`, :class:`Played`)
and give back (:class:`PartResult`).
"""

from __future__ import annotations

from migratelab.levels.goals.goal import Goal, GoalResult, evaluate
from migratelab.levels.goals.limits import LIMITS, MigrateCallLimit, SyscallLimit
from migratelab.levels.goals.outcomes import Avoid, Outcome, Provoke, outcome_text
from migratelab.levels.goals.part import GoalContext, GoalPart, PartResult, Played
from migratelab.levels.goals.placement import Placement, page_folio
from migratelab.levels.goals.predict import (
    Predict,
    PredictField,
    Prediction,
    compare_prediction,
)

__all__ = [
    "LIMITS", "Avoid", "Goal", "GoalContext", "GoalPart", "GoalResult", "MigrateCallLimit",
    "Outcome", "PartResult", "Placement", "Played", "Predict", "PredictField", "Prediction",
    "Provoke", "SyscallLimit", "compare_prediction", "evaluate", "outcome_text", "page_folio",
]
