"""``provoke`` and ``avoid``: something a call does, which must happen or must not."""

from __future__ import annotations

from typing import Any, ClassVar

from migratelab.levels.base import LevelStruct
from migratelab.levels.goals.part import GoalContext, PartResult, Played
from migratelab.levels.rules import Problem


class Outcome(LevelStruct):
    """Something a call can do. Set exactly one field."""

    #: The syscall fails with this errno, e.g. ``"ENODEV"``.
    errno: str | None = None
    #: Some ``status[]`` slot holds this value, e.g. ``"-EBUSY"`` or ``"UNSET"``.
    status: str | None = None
    #: The syscall returns a number greater than zero.
    positive_return: bool = False
    #: A THP is split during the call (vmstat ``thp_split_page`` goes up).
    thp_split: bool = False

    def text(self) -> str:
        """The outcome as a sentence fragment."""
        if self.errno is not None:
            return f"move_pages fails with errno {self.errno}"
        if self.status is not None:
            return f"some status[] slot is {self.status}"
        if self.positive_return:
            return "move_pages returns a positive number (pages it could not move)"
        return "a THP is split (vmstat thp_split_page goes up)"

    def happened(self, rec: dict[str, Any]) -> bool:
        """Whether the call of record ``rec`` did this."""
        if self.errno is not None:
            return bool(rec.get("errno") == self.errno)
        if self.status is not None:
            return self.status in (rec.get("status_str") or rec.get("status_hist") or [])
        if self.positive_return:
            return int(rec.get("ret", 0)) > 0
        return int(rec.get("vmstat_delta", {}).get("thp_split_page", 0)) > 0

    def validate(self, where: str, ctx: GoalContext) -> None:
        """Exactly one field is set, and it names a known errno or status."""
        given = sum([self.errno is not None, self.status is not None, self.positive_return,
                     self.thp_split])
        if given != 1:
            raise Problem(where, "set exactly one of errno, status, positive_return, "
                                 f"thp_split (got {given})")
        if self.errno is not None:
            ctx.rules.errno(f"{where}.errno", self.errno)
        if self.status is not None:
            ctx.rules.status(f"{where}.status", self.status)

    def _hits(self, played: Played) -> list[int]:
        return [n for n, rec in enumerate(played.history) if self.happened(rec)]


def outcome_text(o: Outcome) -> str:
    """One outcome as a sentence fragment."""
    return o.text()


class Provoke(Outcome):
    """``provoke``: at least one call does this."""

    positive: ClassVar[bool] = True

    def describe(self) -> str:
        """``make at least one call where ...``."""
        return f"make at least one call where {self.text()}"

    def evaluate(self, played: Played) -> PartResult:
        """Some call in the history did it."""
        hits = self._hits(played)
        return PartResult(self.describe(), bool(hits), f"call {hits[0] + 1} does" if hits
                          else f"none of {len(played.history)} call(s) did")


class Avoid(Outcome):
    """``avoid``: no call does this."""

    positive: ClassVar[bool] = False

    def describe(self) -> str:
        """``no call may end where ...``."""
        return f"no call may end where {self.text()}"

    def evaluate(self, played: Played) -> PartResult:
        """No call in the history did it."""
        hits = self._hits(played)
        return PartResult(self.describe(), not hits, f"call {hits[0] + 1}: {self.text()}"
                          if hits else "no call did")
