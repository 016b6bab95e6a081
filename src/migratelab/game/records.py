"""Typed records that cross from the game into the UI.

The UI draws these values and never sees the engine's dicts or objects:
:class:`CallRecord` is one finished syscall, :class:`LiveCall` the call being
stepped (built from the engine's events only), and :class:`Change` says which
parts of the picture the last step changed, so the UI can map it to panes.
"""

from __future__ import annotations

import enum
from typing import Any

import msgspec

from migratelab.scenario import ops as O


class Change(enum.Flag):
    """What the last step changed (the UI maps each flag to a pane)."""

    NONE = 0
    REQUEST = enum.auto()
    BATCH = enum.auto()
    STATUS = enum.auto()
    NODES = enum.auto()
    LRU = enum.auto()
    PAGEVECS = enum.auto()
    TRACE = enum.auto()
    VMSTAT = enum.auto()
    ADDRESS = enum.auto()
    #: Everything: after undo, reset or a sandbox change of the machine.
    ALL = REQUEST | BATCH | STATUS | NODES | LRU | PAGEVECS | TRACE | VMSTAT | ADDRESS


class BatchRecord(msgspec.Struct, frozen=True):
    """One flushed run of entries: ``[start, end)`` sent to ``node``, and why it closed."""

    node: int
    start: int
    end: int
    why: str


class CallRecord(msgspec.Struct, frozen=True):
    """One finished ``move_pages``/query call as the UI shows it."""

    op: str
    command: str
    count: int
    flags: int
    ret: int
    errno: str | None
    status: list[int]
    batches: list[BatchRecord]
    migrate_calls: int
    vmstat_delta: dict[str, int]

    @classmethod
    def from_history(cls, rec: dict[str, Any], command: str,
                     batches: list[BatchRecord]) -> CallRecord:
        """Build from the runner's history entry (the one place that reads its keys)."""
        return cls(op=str(rec.get("op", "")), command=command, count=int(rec.get("count", 0)),
                   flags=int(rec.get("flags", 0)), ret=int(rec.get("ret", 0)),
                   errno=rec.get("errno"), status=list(rec.get("status") or []),
                   batches=batches, migrate_calls=int(rec.get("migrate_calls", 0)),
                   vmstat_delta={str(k): int(v)
                                 for k, v in (rec.get("vmstat_delta") or {}).items()})


class PredictionRow(msgspec.Struct, frozen=True):
    """One cell of a prediction checked against the kernel's answer."""

    slot: str
    predicted: str
    actual: str
    same: bool


class Outcome(msgspec.Struct, frozen=True):
    """What ``migrate_pages()`` did with one folio on the list (by address label)."""

    label: str
    result: str
    ok: bool


class MigrateState(msgspec.Struct):
    """The ``migrate_pages()`` call in progress (or the last one of this syscall)."""

    node: int
    folios: int
    mode: str
    reason: str
    number: int
    passes: int = 0
    phase: str = ""
    left: int = 0
    moved: int = 0
    failed: int = 0
    split: int = 0
    done: bool = False
    ret: int | None = None
    outcomes: list[Outcome] = msgspec.field(default_factory=list)


class FrameChange(msgspec.Struct, frozen=True):
    """A frame the last step allocated (``+``) or freed (``-``), for the frame map."""

    node: int
    block: int
    sign: str
    label: str
    pfn: int


class LiveCall(msgspec.Struct):
    """The syscall being stepped, derived only from the engine's events.

    ``cursor`` is the entry being processed; ``batch`` the open (or last)
    batch as ``(node, start, end)`` with ``end`` None while open (v4.14
    chunks have node -1); ``queued`` the address labels of the folios on the
    migration list of that batch.
    """

    command: str
    count: int
    addrs: list[int]
    nodes: list[int]
    flags: int
    status: list[int]
    #: The request as the session started it (compare replays it on other kernels).
    op: O.MovePages | O.Query
    query: bool = False
    cursor: int | None = None
    batch: tuple[int, int, int | None] | None = None
    chunk: bool = False
    queued: list[str] = msgspec.field(default_factory=list)
    queued_total: int = 0
    flushes: list[BatchRecord] = msgspec.field(default_factory=list)
    migrate: MigrateState | None = None
    migrate_calls: int = 0
    frames: list[FrameChange] = msgspec.field(default_factory=list)
    refused: list[str] = msgspec.field(default_factory=list)
    events: int = 0
    done: bool = False
    ret: int | None = None
    errno: str | None = None
    narration: str = ""
