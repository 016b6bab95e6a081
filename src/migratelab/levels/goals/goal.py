"""``[goal]``: the parts, walked in field order, combined with AND."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from migratelab.levels.base import SYSCALL_OPS, LevelStruct
from migratelab.levels.goals.limits import LIMITS
from migratelab.levels.goals.outcomes import Avoid, Provoke
from migratelab.levels.goals.part import GoalContext, GoalPart, PartResult, Played
from migratelab.levels.goals.placement import Placement
from migratelab.levels.goals.predict import Predict, Prediction
from migratelab.levels.rules import MAX_TEXT, Problem
from migratelab.scenario.runner import ScenarioRunner


@dataclass(frozen=True, slots=True)
class GoalResult:
    """Whether a goal is met, with one line per check in ``detail``."""

    met: bool
    detail: str
    parts: tuple[PartResult, ...] = ()


class Goal(LevelStruct):
    """``[goal]``: every part that is given must hold (they combine with AND)."""

    #: Prose shown above the exact checks (optional).
    text: str = ""
    placement: list[Placement] = []
    predict: Predict | None = None
    provoke: list[Provoke] = []
    avoid: list[Avoid] = []
    #: At most this many move_pages/query calls.
    max_syscalls: int | None = None
    #: At most this many ``migrate_pages`` calls, summed over every syscall.
    max_migrate_calls: int | None = None

    def items(self) -> list[tuple[str, GoalPart]]:
        """Every part with its path in the file (``$.goal.placement[0]``), in field order."""
        out: list[tuple[str, GoalPart]] = []
        for name in self.__struct_fields__:
            value = getattr(self, name)
            if name == "text" or value is None:
                continue
            if isinstance(value, list):
                out.extend((f"$.goal.{name}[{i}]", part) for i, part in enumerate(value))
            elif isinstance(value, int):
                out.append((f"$.goal.{name}", LIMITS[name](value)))
            else:
                out.append((f"$.goal.{name}", value))
        return out

    def parts(self) -> list[str]:
        """One sentence per check."""
        return [part.describe() for _, part in self.items()]

    def describe(self) -> str:
        """Exactly what :meth:`evaluate` checks, one per line (under the prose, if any)."""
        lines = [self.text.strip()] if self.text.strip() else []
        lines.extend(f"- {part}" for part in self.parts())
        return "\n".join(lines)

    def validate(self, ctx: GoalContext) -> None:
        """Every part means something, and the goal asks for something to happen."""
        if len(self.text) > MAX_TEXT:
            raise Problem("$.goal.text", f"longer than {MAX_TEXT} characters")
        items = self.items()
        if not any(part.positive for _, part in items):
            raise Problem("$.goal", "a goal needs placement, predict or provoke (avoid and "
                                    "limits alone are met by doing nothing)")
        for where, part in items:
            part.validate(where, ctx)

    def evaluate(self, played: Played) -> GoalResult:
        """Judge every part; met when all are."""
        parts = tuple(part.evaluate(played) for _, part in self.items())
        detail = "\n".join(f"[{'x' if p.met else ' '}] {p.text}: {p.detail}" for p in parts)
        return GoalResult(all(p.met for p in parts), detail, parts)


def evaluate(goal: Goal, runner: ScenarioRunner, history: list[dict[str, Any]],
             prediction: Prediction | None = None) -> GoalResult:
    """Judge ``goal`` on the runner's current state and the player's ``history``.

    ``prediction`` is the player's answer to a ``predict`` goal; the goal's request
    must be the last move_pages/query call in ``history``. Records of other ops
    (drains) may be in ``history``; limits count only move_pages/query calls.
    """
    calls = [rec for rec in history if rec.get("op") in SYSCALL_OPS]
    return goal.evaluate(Played(runner, calls, prediction))
