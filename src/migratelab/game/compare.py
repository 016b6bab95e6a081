"""One request on two kernel profiles, each side a session that can be stepped.

Both sides start from the same world: the level's setup built for that side's
profile, then every op the player has applied so far, replayed in order. The
request is submitted to both; each side steps on its own, and once both calls
have ended :meth:`Comparison.table` gives the rows of
:func:`migratelab.scenario.compare.compare_calls`, the one comparison that
``migratelab run --compare`` prints too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from migratelab.game.session import Intent, Session, SessionError
from migratelab.kernel.profiles import PROFILES
from migratelab.scenario import ops as O
from migratelab.scenario.compare import CallComparison, compare_calls
from migratelab.scenario.runner import RunError, ScenarioRunner

__all__ = ["CallComparison", "Comparison", "WorldFactory", "for_session"]

#: Builds a fresh world (setup applied) on the named profile.
WorldFactory = Callable[[str], ScenarioRunner]


def _replayed(make: WorldFactory, profile: str, ops: Sequence[O.Op]
              ) -> Callable[[], ScenarioRunner]:
    def build() -> ScenarioRunner:
        runner = make(profile)
        for i, op in enumerate(ops):
            runner.apply(op, i, runner.proc)
        return runner
    return build


class Comparison:
    """Two sessions, one per profile, running the same request."""

    def __init__(self, make_world: WorldFactory, applied: Sequence[O.Op],
                 request: O.MovePages | O.Query, profiles: Sequence[str]) -> None:
        if len(profiles) != 2:
            raise SessionError("compare takes two profiles, e.g. compare v4.17 v6.12")
        unknown = [p for p in profiles if p not in PROFILES]
        if unknown:
            raise SessionError(f"unknown profile {unknown[0]}; choose from "
                               f"{', '.join(PROFILES)}")
        self.profiles = list(profiles)
        self.request = request
        try:
            self.sides = [Session(_replayed(make_world, p, list(applied))) for p in profiles]
        except RunError as exc:
            raise SessionError(f"the world cannot be rebuilt on that profile: "
                               f"{exc.message}") from None
        intent: Intent = request
        for side in self.sides:
            side.submit(intent, O.op_name(request))

    @property
    def done(self) -> bool:
        """Both calls have ended."""
        return not any(s.busy for s in self.sides)

    def step(self, side: int | None = None) -> None:
        """One event on one side (0 or 1), or on both with ``None``."""
        for i in ([side] if side is not None else range(2)):
            self.sides[i].step()

    def finish(self, side: int | None = None) -> None:
        """Run one side (or both) to the end of the call."""
        for i in ([side] if side is not None else range(2)):
            self.sides[i].finish()

    def table(self) -> CallComparison | None:
        """The comparison rows, once both calls have ended."""
        if not self.done:
            return None
        records = [s.last_record or {} for s in self.sides]
        return compare_calls(self.profiles, records, [s.call_events for s in self.sides])


def for_session(session: Session, make_world: WorldFactory, profiles: Sequence[str],
                draft: O.MovePages | O.Query | None = None) -> Comparison:
    """Compare ``draft`` (a request not made yet) or else the session's last call.

    The last call is compared on the world as it was just before it was made.
    """
    applied = session.applied_ops
    if draft is not None:
        return Comparison(make_world, applied, draft, profiles)
    live = session.live
    if live is None:
        raise SessionError("nothing to compare yet: compose a request (or make a call) "
                           "first")
    last = max((i for i, op in enumerate(applied) if op is live.op), default=len(applied))
    return Comparison(make_world, applied[:last], live.op, profiles)
