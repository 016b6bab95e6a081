"""Typed trace events: what the engine tells its watchers, one step at a time.

Every event is a frozen dataclass with a ``kind`` tag, so the union below is a
tagged union that ``msgspec`` (in the scenario layer) encodes as JSON without any
code here. Where a kernel tracepoint exists its name is the tag
(``mm_migrate_pages_start``, ``mm_migrate_pages``...); the other names follow the
kernel function that does the work. ``docs/events.md`` is generated from
:data:`EVENT_TYPES` and :data:`KERNEL_NAMES`, so the two cannot drift.

``detail`` events (one per page) are only produced when the engine runs with
``detail=True``; batch-level events are always produced.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields
from typing import ClassVar

from migratelab.kernel.reasons import Reason


def _plain(value: object) -> object:
    """An enum member as its name (JSON and trace lines show ``IN_PAGEVEC``)."""
    return value.name if isinstance(value, enum.Enum) else value


@dataclass(frozen=True, slots=True)
class Event:
    """Base of every trace event."""

    kind: ClassVar[str] = "event"
    #: Produced per page, only when detail tracing is on.
    detail: ClassVar[bool] = False

    def as_dict(self) -> dict[str, object]:
        """The event as a plain dict with its ``event`` tag first."""
        out: dict[str, object] = {"event": self.kind}
        for f in fields(self):
            out[f.name] = _plain(getattr(self, f.name))
        return out

    def render(self) -> str:
        """One human-readable line, as ``migratelab run --trace`` prints it."""
        parts = " ".join(f"{f.name}={_plain(getattr(self, f.name))}" for f in fields(self))
        return f"{self.kind:<24} {parts}".rstrip()


@dataclass(frozen=True, slots=True)
class SyscallEnter(Event):
    """``sys_move_pages`` entered (``nodes_null``: query mode)."""

    kind: ClassVar[str] = "sys_enter_move_pages"
    pid: int
    count: int
    flags: int
    nodes_null: bool


@dataclass(frozen=True, slots=True)
class SyscallExit(Event):
    """The syscall returns ``ret`` (``-1`` with ``errno`` on error)."""

    kind: ClassVar[str] = "sys_exit_move_pages"
    ret: int
    errno: str | None
    #: Why the call failed as a whole (None when it returned 0 or a count).
    reason: Reason | None = None


@dataclass(frozen=True, slots=True)
class LruDrain(Event):
    """Per-CPU LRU-add pagevecs emptied onto the LRU lists."""

    kind: ClassVar[str] = "lru_add_drain"
    reason: str
    cpus: tuple[int, ...]
    pages: int


@dataclass(frozen=True, slots=True)
class LruCacheDisable(Event):
    """``lru_cache_disable()``: drain, then bypass pagevecs until enabled again."""

    kind: ClassVar[str] = "lru_cache_disable"


@dataclass(frozen=True, slots=True)
class LruCacheEnable(Event):
    """``lru_cache_enable()``: LRU adds use the pagevecs again."""

    kind: ClassVar[str] = "lru_cache_enable"


@dataclass(frozen=True, slots=True)
class ChunkStart(Event):
    """v4.14: a fixed chunk of the request begins (``do_move_page_to_node_array``)."""

    kind: ClassVar[str] = "chunk_start"
    start: int
    count: int


@dataclass(frozen=True, slots=True)
class BatchStart(Event):
    """v4.17+: a run of consecutive same-node entries opens at ``start``."""

    kind: ClassVar[str] = "batch_start"
    node: int
    start: int


@dataclass(frozen=True, slots=True)
class BatchFlush(Event):
    """The run ``[start, end)`` is handed to ``do_move_pages_to_node``."""

    kind: ClassVar[str] = "batch_flush"
    node: int
    start: int
    end: int
    folios: int
    why: str


@dataclass(frozen=True, slots=True)
class PageIsolated(Event):
    """``add_page_for_migration`` queued the folio behind ``status[index]`` (``reason``:
    from the LRU, a hugetlb page, or a hugetlb failure v4.14-6.0 ignore). A failed
    isolation is an :class:`EntryResult` with the reason it failed."""

    kind: ClassVar[str] = "isolate_lru_page"
    detail: ClassVar[bool] = True
    index: int
    addr: int
    pfn: int
    node: int
    nr_pages: int
    folio: str
    reason: Reason


@dataclass(frozen=True, slots=True)
class EntryResult(Event):
    """An entry was classified without being queued (an error or already placed)."""

    kind: ClassVar[str] = "add_page_for_migration"
    detail: ClassVar[bool] = True
    index: int
    addr: int
    status: int
    reason: Reason


@dataclass(frozen=True, slots=True)
class NodeInvalid(Event):
    """An entry names a node that fails validation; the call will fail."""

    kind: ClassVar[str] = "node_invalid"
    index: int
    node: int
    errno: str
    reason: Reason


@dataclass(frozen=True, slots=True)
class StatusStore(Event):
    """``store_status``: ``status[start:end]`` receives ``value``."""

    kind: ClassVar[str] = "store_status"
    start: int
    end: int
    value: int


@dataclass(frozen=True, slots=True)
class StatusNotStored(Event):
    """``status[start:end]`` will never be written by this call (``reason`` says why)."""

    kind: ClassVar[str] = "status_not_stored"
    start: int
    end: int
    reason: Reason


@dataclass(frozen=True, slots=True)
class MigrateStart(Event):
    """Tracepoint ``mm_migrate_pages_start``: ``migrate_pages()`` begins."""

    kind: ClassVar[str] = "mm_migrate_pages_start"
    node: int
    folios: int
    mode: str
    #: The kernel's migrate_reason name (``syscall_or_cpuset``, ``mempolicy_mbind``).
    reason: str


@dataclass(frozen=True, slots=True)
class MigratePass(Event):
    """One pass of the retry loop over the folios still on the list."""

    kind: ClassVar[str] = "migrate_pass"
    phase: str
    number: int
    folios: int


@dataclass(frozen=True, slots=True)
class AllocTarget(Event):
    """The allocation callback asked the target node for a frame."""

    kind: ClassVar[str] = "alloc_migration_target"
    detail: ClassVar[bool] = True
    node: int
    order: int
    ok: bool
    pfn: int
    #: Why no frame was found (None when ``ok``).
    reason: Reason | None


@dataclass(frozen=True, slots=True)
class FolioMigrated(Event):
    """Unmap, copy and remap done: the folio now lives at ``new_pfn``."""

    kind: ClassVar[str] = "mm_migrate_folio_move"
    detail: ClassVar[bool] = True
    old_pfn: int
    new_pfn: int
    src: int
    dst: int
    nr_pages: int
    folio: str


@dataclass(frozen=True, slots=True)
class FolioFailed(Event):
    """One attempt at one folio failed (``retry``: it stays on the list)."""

    kind: ClassVar[str] = "mm_migrate_folio_fail"
    detail: ClassVar[bool] = True
    pfn: int
    errno: str
    retry: bool
    reason: Reason


@dataclass(frozen=True, slots=True)
class ThpSplit(Event):
    """A THP was split into base pages (``where``: where the pieces went)."""

    kind: ClassVar[str] = "thp_split"
    pfn: int
    pieces: int
    where: str
    reason: Reason


@dataclass(frozen=True, slots=True)
class MigrateEnd(Event):
    """Tracepoint ``mm_migrate_pages``: the totals of one ``migrate_pages()`` call."""

    kind: ClassVar[str] = "mm_migrate_pages"
    succeeded: int
    failed: int
    thp_succeeded: int
    thp_failed: int
    thp_split: int
    ret: int
    mode: str
    #: The kernel's migrate_reason name, as on :class:`MigrateStart`.
    reason: str


@dataclass(frozen=True, slots=True)
class Putback(Event):
    """Folios left on the list go back to the LRU (``putback_movable_pages``)."""

    kind: ClassVar[str] = "putback_movable_pages"
    folios: int


@dataclass(frozen=True, slots=True)
class Note(Event):
    """A remark about a simplification or a rule, shown in the trace log."""

    kind: ClassVar[str] = "note"
    text: str


@dataclass(frozen=True, slots=True)
class MbindEnter(Event):
    """``sys_mbind`` entered: set ``mode``/``nodes`` on ``npages`` pages at ``start``."""

    kind: ClassVar[str] = "sys_enter_mbind"
    start: int
    npages: int
    mode: str
    nodes: tuple[int, ...]
    flags: int


@dataclass(frozen=True, slots=True)
class MigratePagesEnter(Event):
    """``sys_migrate_pages`` entered: move ``pid``'s pages from ``old`` to ``new``."""

    kind: ClassVar[str] = "sys_enter_migrate_pages"
    pid: int
    old: tuple[int, ...]
    new: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class QueuePages(Event):
    """``queue_pages_range()`` walked the range: folios isolated onto the list,
    folios left alone because another process maps them (no MOVE_ALL), and
    folios it counted as failures (could not be isolated, or STRICT alone)."""

    kind: ClassVar[str] = "queue_pages_range"
    queued: int
    skipped_shared: int
    failed: int
    errno: str | None


@dataclass(frozen=True, slots=True)
class MigrateToNode(Event):
    """``do_migrate_pages()`` chose the pair ``source`` -> ``dest`` (``migrate_to_node``)."""

    kind: ClassVar[str] = "migrate_to_node"
    source: int
    dest: int


@dataclass(frozen=True, slots=True)
class PolicySyscallExit(Event):
    """``mbind`` or ``migrate_pages`` returns ``ret`` (``-1`` with ``errno``)."""

    kind: ClassVar[str] = "sys_exit_policy"
    syscall: str
    ret: int
    errno: str | None


EVENT_TYPES: tuple[type[Event], ...] = (
    SyscallEnter, LruDrain, LruCacheDisable, ChunkStart, BatchStart, NodeInvalid,
    PageIsolated, EntryResult, BatchFlush, MigrateStart, MigratePass, AllocTarget,
    FolioMigrated, FolioFailed, ThpSplit, MigrateEnd, Putback, StatusStore, StatusNotStored,
    LruCacheEnable, SyscallExit, Note, MbindEnter, MigratePagesEnter, QueuePages,
    MigrateToNode, PolicySyscallExit,
)

#: The kernel function or tracepoint each event stands for (docs/events.md).
KERNEL_NAMES: dict[str, str] = {
    "sys_enter_move_pages": "syscalls:sys_enter_move_pages; kernel_move_pages()",
    "sys_exit_move_pages": "syscalls:sys_exit_move_pages",
    "lru_add_drain": "lru_add_drain_all() / lru_add_drain(), mm/swap.c",
    "lru_cache_disable": "lru_cache_disable(), mm/swap.c (5.13+)",
    "lru_cache_enable": "lru_cache_enable(), include/linux/swap.h (5.13+)",
    "chunk_start": "do_pages_move() chunk loop, v4.14 (do_move_page_to_node_array)",
    "batch_start": "do_pages_move(): current_node/start bookkeeping (4.17+)",
    "node_invalid": "do_pages_move(): node_state(N_MEMORY) / cpuset check",
    "isolate_lru_page": "add_page_for_migration() -> isolate_lru_page()/folio_isolate_lru()",
    "add_page_for_migration": "add_page_for_migration() / add_folio_for_migration()",
    "batch_flush": "do_move_pages_to_node() (move_pages_and_store_status() 5.7+)",
    "mm_migrate_pages_start": "tracepoint migrate:mm_migrate_pages_start",
    "migrate_pass": "migrate_pages() pass loop / migrate_pages_batch() retries",
    "alloc_migration_target": "new_page_node() (v4.14), alloc_migration_target() (5.9+)",
    "mm_migrate_folio_move": "unmap_and_move() / migrate_folio_move()",
    "mm_migrate_folio_fail": "unmap_and_move() / migrate_folio_unmap() or "
                             "migrate_folio_move() failure",
    "thp_split": "split_huge_page_to_list() / try_split_folio()",
    "mm_migrate_pages": "tracepoint migrate:mm_migrate_pages",
    "putback_movable_pages": "putback_movable_pages() / putback_lru_page()",
    "store_status": "store_status()",
    "status_not_stored": "do_pages_move() / do_move_page_to_node_array(): a return "
                         "before store_status()",
    "note": "(simulator remark)",
    "sys_enter_mbind": "syscalls:sys_enter_mbind; do_mbind(), mm/mempolicy.c",
    "sys_enter_migrate_pages": "syscalls:sys_enter_migrate_pages; kernel_migrate_pages()",
    "queue_pages_range": "queue_pages_range(), mm/mempolicy.c",
    "migrate_to_node": "do_migrate_pages() -> migrate_to_node(), mm/mempolicy.c",
    "sys_exit_policy": "syscalls:sys_exit_mbind / sys_exit_migrate_pages",
}
