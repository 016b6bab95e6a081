"""Show solution and show goal: the level's own answer, replayed or pictured.

:class:`SolutionReplay` feeds a level's reference solution into a session one
engine event at a time: each op is submitted when the previous call has ended, a
predict level's answer is entered before its request runs, and the replay stops
after each op that a ``[[solution.marks]]`` entry names, until :meth:`resume`.
The session it drives is marked ``assisted``: a win reached this way is shown
but never recorded as the player's.

:func:`goal_picture` says what the goal wants as rows a screen can draw: for a
placement, each named page and the node it must end on; for the other kinds,
the result the goal asks for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from migratelab.game.commands import Predict
from migratelab.game.session import Intent, Session, SessionError
from migratelab.scenario import ops as O


@dataclass(frozen=True, slots=True)
class ReplayStep:
    """What one :meth:`SolutionReplay.advance` did, in words."""

    text: str
    #: The replay stopped at a presenter's mark (its text is in ``text``).
    paused: bool = False
    done: bool = False


class SolutionReplay:
    """The reference solution, driven into ``session`` step by step."""

    def __init__(self, session: Session, ops: Sequence[object], prediction: object | None,
                 marks: Sequence[tuple[int, str]] = ()) -> None:
        self.session = session
        self.ops = list(ops)
        self.prediction = prediction
        #: op index -> what the presenter says after it
        self.marks = dict(marks)
        self.next_op = 0
        self.paused = False
        self._predicted = False
        self._shown: set[int] = set()
        session.assisted = True

    @property
    def done(self) -> bool:
        """Every op has run, the prediction (if any) has been entered and its call ended."""
        need_predict = self.prediction is not None and not self._predicted
        return self.next_op >= len(self.ops) and not need_predict and not self.session.busy

    def resume(self) -> None:
        """Go on after a mark."""
        self.paused = False

    def _after_op(self, text: str) -> ReplayStep:
        index = self.next_op - 1
        if not self.session.busy and index in self.marks and index not in self._shown:
            self._shown.add(index)
            self.paused = True
            return ReplayStep(f"mark: {self.marks[index]}", paused=True)
        return ReplayStep(text)

    def advance(self) -> ReplayStep:
        """One engine event of the call in progress, or the next op of the solution."""
        s = self.session
        if self.paused:
            return ReplayStep("paused at a mark: go on to continue", paused=True)
        if s.busy:
            s.step()
            return self._after_op("step")
        if self.next_op < len(self.ops):
            op = self.ops[self.next_op]
            if not isinstance(op, (O.MovePages, O.Query, O.LruAddDrain, O.LruAddDrainAll)):
                raise SessionError(f"solution op {self.next_op} is not a call or a drain")
            self.next_op += 1
            intent: Intent = op
            s.submit(intent, f"solution: {O.op_name(op)}")
            return self._after_op(f"solution op {self.next_op - 1}: {O.op_name(op)}")
        if self.prediction is not None and not self._predicted:
            self._predicted = True
            s.predict(self.prediction, "solution: the reference prediction")
            return ReplayStep("the reference prediction is entered; the level's request runs")
        return ReplayStep("the solution has run", done=True)


def as_answer(prediction: Any) -> Predict | None:
    """A level's ``[solution].prediction`` as the answer the player would type."""
    if prediction is None:
        return None
    return Predict(ret=prediction.ret, errno=prediction.errno,
                   status=tuple(prediction.status) if prediction.status is not None else None,
                   after_nodes=tuple(prediction.after_nodes)
                   if prediction.after_nodes is not None else None)


class GoalRow(msgspec.Struct, frozen=True):
    """One line of the goal picture: what, and the wanted value."""

    what: str
    want: str


def goal_picture(goal: Any) -> list[GoalRow]:
    """Rows that draw what ``goal`` (a level ``Goal``) asks for."""
    rows: list[GoalRow] = []
    for pl in getattr(goal, "placement", []) or []:
        pages = pl.pages
        if pages == "all":
            what = f"{pl.id}[*]"
        elif isinstance(pages, tuple):
            what = f"{pl.id}[{pages[0]}:{pages[0] + pages[1]}]"
        else:
            what = f"{pl.id}[" + ", ".join(
                str(p) if isinstance(p, int) else f"{p[0]}:{p[0] + p[1]}" for p in pages) + "]"
        shape = "" if pl.huge is None else (" as one THP" if pl.huge else " as base pages")
        rows.append(GoalRow(what=what, want=f"on node {pl.node}{shape}"))
    predict = getattr(goal, "predict", None)
    if predict is not None:
        fields = ", ".join("status[]" if f == "status" else f for f in predict.check)
        rows.append(GoalRow(what="your prediction", want=f"{fields} as the kernel answers"))
    for o in getattr(goal, "provoke", []) or []:
        rows.append(GoalRow(what="some call", want=_outcome(o)))
    for o in getattr(goal, "avoid", []) or []:
        rows.append(GoalRow(what="no call", want=_outcome(o)))
    if getattr(goal, "max_syscalls", None) is not None:
        rows.append(GoalRow(what="move_pages calls", want=f"at most {goal.max_syscalls}"))
    if getattr(goal, "max_migrate_calls", None) is not None:
        rows.append(GoalRow(what="migrate_pages() calls",
                            want=f"at most {goal.max_migrate_calls}"))
    return rows


def _outcome(o: Any) -> str:
    if o.errno:
        return f"fails with {o.errno}"
    if o.status:
        return f"has a status[] slot {o.status}"
    if o.positive_return:
        return "returns a number > 0 (pages not migrated)"
    if o.thp_split:
        return "splits a THP"
    return "happens"
