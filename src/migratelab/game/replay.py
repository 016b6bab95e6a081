"""A level's reference solution as steps a presenter walks through, with its marks.

``[solution].ops`` are the player's actions (move_pages, query, drain); a
``[[solution.marks]]`` entry with ``after = N`` pauses the replay after op N with
what the presenter says there. A predict level's solution is its request run with
the solution's prediction, as one step (a mark ``after = 0`` pauses after it).
Nothing here imports a UI.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from migratelab.game.commands import Predict, request_command


@dataclass(frozen=True, slots=True)
class ReplayStep:
    """One action of the solution: an op, or a prediction then the level's request."""

    op: Any
    #: The answer to enter first (a predict level), else None.
    prediction: Predict | None = None
    #: What the presenter says when this step is done (a mark), else None.
    mark: str | None = None

    def describe(self, regions: dict[str, int] | None = None) -> str:
        """The command line this step stands for."""
        if self.prediction is not None:
            return _predict_text(self.prediction)
        name = type(self.op).__name__
        if name in ("MovePages", "Query"):
            return request_command(self.op, regions)
        return "drain"


def _predict_text(p: Predict) -> str:
    parts = [] if p.ret is None else [f"ret={p.ret}"]
    if p.errno:
        parts.append(f"errno={p.errno}")
    if p.status is not None:
        parts.append("status=" + ",".join(p.status))
    if p.after_nodes is not None:
        parts.append("after=" + ",".join(p.after_nodes))
    return "predict " + " ".join(parts)


def solution_steps(solution: Any, predict_request: Any = None) -> list[ReplayStep]:
    """The steps of a level's ``[solution]`` (empty when it has none)."""
    if solution is None:
        return []
    marks = {int(m.after): str(m.text) for m in getattr(solution, "marks", None) or []}
    answer = getattr(solution, "prediction", None)
    if predict_request is not None and answer is not None and not solution.ops:
        prediction = Predict(ret=answer.ret, errno=answer.errno,
                             status=tuple(answer.status) if answer.status is not None else None,
                             after_nodes=tuple(answer.after_nodes)
                             if answer.after_nodes is not None else None)
        return [ReplayStep(predict_request, prediction, marks.get(0))]
    return [ReplayStep(op, None, marks.get(i)) for i, op in enumerate(solution.ops)]
