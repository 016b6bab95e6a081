"""What every goal kind is given and gives back, and the interface it has."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from migratelab.levels.rules import Rules, World
from migratelab.scenario.runner import ScenarioRunner

if TYPE_CHECKING:
    from migratelab.levels.format import Solution
    from migratelab.levels.goals.predict import Prediction


@dataclass(frozen=True, slots=True)
class PartResult:
    """One check of a goal: its sentence, whether it holds, and why."""

    text: str
    met: bool
    detail: str


@dataclass(frozen=True, slots=True)
class GoalContext:
    """What validating a goal part may look at: the rules, and the world after the
    reference solution's ops."""

    rules: Rules
    world: World
    solution: Solution
    #: move_pages/query calls the reference solution makes.
    calls: int


@dataclass(frozen=True, slots=True)
class Played:
    """What judging a goal part looks at: the machine, the player's calls, the answer."""

    runner: ScenarioRunner
    #: Records of the player's move_pages/query calls, in order (drains left out).
    history: list[dict[str, Any]]
    #: The player's answer to a ``predict`` goal.
    prediction: Prediction | None = None


class GoalPart(Protocol):
    """The interface every goal kind has (see the module docstring)."""

    positive: ClassVar[bool]

    def describe(self) -> str:
        """One sentence: exactly what :meth:`evaluate` checks."""
        ...

    def validate(self, where: str, ctx: GoalContext) -> None:
        """Raise :class:`Problem` (at ``where`` or below) if the part means nothing."""
        ...

    def evaluate(self, played: Played) -> PartResult:
        """Whether the part holds after the player's calls."""
        ...
