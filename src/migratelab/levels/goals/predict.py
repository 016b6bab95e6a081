"""``[goal.predict]``: the player predicts a request's result before it runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Literal

import msgspec

from migratelab.levels.base import LevelStruct, Request, request_text
from migratelab.levels.compare import field_diffs
from migratelab.levels.goals.part import GoalContext, PartResult, Played
from migratelab.levels.rules import Problem

PredictField = Literal["ret", "errno", "status", "after_nodes"]


class Prediction(LevelStruct):
    """A predicted result (the solution of a ``predict`` goal, or the player's answer)."""

    ret: int | None = None
    errno: str | None = None
    status: list[str] | None = None
    after_nodes: list[str] | None = None

    def diffs(self, rec: dict[str, Any], check: Sequence[str]) -> list[str]:
        """Differences from a call's record in the checked fields (empty: right)."""
        return field_diffs({fname: getattr(self, fname) for fname in check}, rec)


def compare_prediction(pred: Prediction, rec: dict[str, Any], check: Sequence[str]
                       ) -> list[str]:
    """Differences between a prediction and a call's record, for the checked fields."""
    return pred.diffs(rec, check)


class Predict(LevelStruct):
    """A request whose result the player must predict before it runs (it runs after the
    solution's ops, as the game runs it after the player's answer)."""

    positive: ClassVar[bool] = True

    request: Request
    check: list[PredictField] = msgspec.field(
        default_factory=lambda: ["ret", "errno", "status"])

    def describe(self) -> str:
        """``predict ret, errno, status[] of move_pages(...)``."""
        fields = ", ".join("status[]" if f == "status" else f for f in self.check)
        return f"predict {fields} of {request_text(self.request)}"

    def validate(self, where: str, ctx: GoalContext) -> None:
        """The request is valid after the solution; the solution holds the right answer."""
        ctx.rules.request(f"{where}.request", self.request, ctx.world)
        if not self.check:
            raise Problem(f"{where}.check", "name at least one field to predict")
        pred = ctx.solution.prediction
        if pred is None:
            raise Problem("$.solution", "a predict goal needs solution.prediction")
        for fname in self.check:
            if fname != "errno" and getattr(pred, fname) is None:
                raise Problem("$.solution.prediction",
                              f"the goal checks {fname} but the prediction has none")
        if pred.errno is not None:
            ctx.rules.errno("$.solution.prediction.errno", pred.errno)
        for fname in ("status", "after_nodes"):
            values: list[str] | None = getattr(pred, fname)
            for i, v in enumerate(values or []):
                ctx.rules.status(f"$.solution.prediction.{fname}[{i}]", v)

    def evaluate(self, played: Played) -> PartResult:
        """The last call was this request, and the answer matches it in every checked field."""
        text = self.describe()
        if not played.history:
            return PartResult(text, False, "the request has not run yet")
        if played.prediction is None:
            return PartResult(text, False, "no prediction was made")
        diffs = played.prediction.diffs(played.history[-1], self.check)
        if diffs:
            return PartResult(text, False, "; ".join(d.splitlines()[0] for d in diffs))
        return PartResult(text, True, "every predicted field matches")
