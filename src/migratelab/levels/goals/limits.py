"""Limits: ``max_syscalls`` and ``max_migrate_calls`` (plain ints in the file)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from migratelab.levels.goals.part import GoalContext, PartResult, Played
from migratelab.levels.rules import Problem
from migratelab.scenario.limits import MAX_OPS


@dataclass(frozen=True, slots=True)
class SyscallLimit:
    """``max_syscalls``: at most this many move_pages/query calls (drains do not count)."""

    positive: ClassVar[bool] = False
    limit: int

    def describe(self) -> str:
        """``use at most N move_pages call(s)``."""
        return f"use at most {self.limit} move_pages call(s)"

    def validate(self, where: str, ctx: GoalContext) -> None:
        """A sane number that the reference solution itself keeps to."""
        ctx.rules.int_in(where, self.limit, 1, MAX_OPS)
        if ctx.calls > self.limit:
            raise Problem(where, f"the solution itself makes {ctx.calls} calls")

    def evaluate(self, played: Played) -> PartResult:
        """The player made no more calls than the limit."""
        n = len(played.history)
        return PartResult(self.describe(), n <= self.limit, f"{n} call(s) made")


@dataclass(frozen=True, slots=True)
class MigrateCallLimit:
    """``max_migrate_calls``: the kernel calls ``migrate_pages()`` at most this often,
    summed over every call (the batching puzzles)."""

    positive: ClassVar[bool] = False
    limit: int

    def describe(self) -> str:
        """``the kernel may call migrate_pages() at most N time(s) in total``."""
        return f"the kernel may call migrate_pages() at most {self.limit} time(s) in total"

    def validate(self, where: str, ctx: GoalContext) -> None:
        """A sane number (the replay checks that the solution keeps to it)."""
        ctx.rules.int_in(where, self.limit, 0, MAX_OPS * 64)

    def evaluate(self, played: Played) -> PartResult:
        """The calls so far made no more migrate_pages() calls than the limit."""
        total = sum(int(rec.get("migrate_calls", 0)) for rec in played.history)
        return PartResult(self.describe(), total <= self.limit,
                          f"migrate_pages() was called {total} time(s)")


#: ``[goal]`` keys whose value is an int, and the kind that judges it.
LIMITS: dict[str, type[SyscallLimit] | type[MigrateCallLimit]] = {
    "max_syscalls": SyscallLimit,
    "max_migrate_calls": MigrateCallLimit,
}
