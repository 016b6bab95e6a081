"""Undo snapshots of a session's world.

A small world is kept as a deep copy of its runner. A big one (a 1 GiB process:
its LRU lists are linked objects, and deep-copying them overflows Python's
recursion limit) is kept as the ops applied so far, and rebuilt by replaying
them on a fresh world: the engine is deterministic.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from migratelab.scenario import ops as O
from migratelab.scenario.runner import ScenarioRunner

#: Worlds with at most this many folios are snapshotted with deepcopy.
DEEPCOPY_MAX_FOLIOS = 4096


@dataclass(slots=True)
class Snapshot:
    """A session's state before one intent."""

    runner: ScenarioRunner | None  # None: rebuild by replaying ``ops``
    history: list[dict[str, Any]]
    commands: list[str]
    ops: list[O.Op]


def take(runner: ScenarioRunner, history: list[dict[str, Any]], commands: list[str],
         ops: list[O.Op]) -> Snapshot:
    """The state as it is now (copies: the session goes on changing its own)."""
    small = len(runner.k.folios) <= DEEPCOPY_MAX_FOLIOS
    return Snapshot(copy.deepcopy(runner) if small else None, list(history), list(commands),
                    list(ops))


def rebuild(snap: Snapshot, fresh: Callable[[], ScenarioRunner]) -> ScenarioRunner:
    """The snapshot's runner: the copy, or a fresh world with its ops replayed."""
    if snap.runner is not None:
        return snap.runner
    runner = fresh()
    runner.detail = False
    for i, op in enumerate(snap.ops):
        runner.apply(op, i, runner.proc)
    runner.detail = True
    return runner
