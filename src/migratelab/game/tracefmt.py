"""Trace lines in the kernel's own formats, and one plain-words line per event.

Where a tracepoint exists the line is printed as ``perf``/``trace-cmd`` would show
it (``mm_migrate_pages: nr_succeeded=1 nr_failed=0 ... mode=MIGRATE_SYNC
reason=syscall_or_cpuset``); the other events are named after the kernel
function that does the work. :class:`TraceLine` marks per-page events as
``detail`` so a viewer can fold them under their batch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import msgspec

from migratelab.kernel import errno as E
from migratelab.kernel import events as ev

#: ``enum migrate_reason`` names as the mm_migrate_pages tracepoint prints them.
MIGRATE_REASONS = {"MR_COMPACTION": "compaction", "MR_MEMORY_FAILURE": "memory_failure",
                   "MR_MEMORY_HOTPLUG": "memory_hotplug", "MR_SYSCALL": "syscall_or_cpuset",
                   "MR_MEMPOLICY_MBIND": "mempolicy_mbind", "MR_NUMA_MISPLACED": "numa_misplaced",
                   "MR_CONTIG_RANGE": "contig_range", "MR_LONGTERM_PIN": "longterm_pin",
                   "MR_DEMOTION": "demotion"}


class TraceLine(msgspec.Struct, frozen=True):
    """One line of the trace; ``detail``: a per-page event (folded by default)."""

    text: str
    detail: bool = False
    note: bool = False


def reason_name(reason: str) -> str:
    """``MR_SYSCALL`` -> ``syscall_or_cpuset`` (names already in that form pass through)."""
    return MIGRATE_REASONS.get(reason, reason)


def trace_text(event: ev.Event, start: ev.MigrateStart | None = None) -> str:
    """The event as one trace line (``start``: the migrate_pages() call it belongs to)."""
    if isinstance(event, ev.SyscallEnter):
        return (f"sys_enter_move_pages: pid: {event.pid}, nr_pages: {event.count}, "
                f"nodes: {'NULL' if event.nodes_null else 'set'}, flags: {event.flags:#x}")
    if isinstance(event, ev.SyscallExit):
        return f"sys_exit_move_pages: {event.ret}" + (f" ({event.errno})" if event.errno else "")
    if isinstance(event, ev.MigrateStart):
        return (f"mm_migrate_pages_start: mode={event.mode} "
                f"reason={reason_name(event.reason)}")
    if isinstance(event, ev.MigrateEnd):
        nr_split = event.thp_split
        return (f"mm_migrate_pages: nr_succeeded={event.succeeded} nr_failed={event.failed} "
                f"nr_thp_succeeded={event.thp_succeeded} nr_thp_failed={event.thp_failed} "
                f"nr_thp_split={event.thp_split} nr_split={nr_split} "
                f"mode={start.mode if start else 'MIGRATE_SYNC'} "
                f"reason={reason_name(start.reason) if start else 'syscall_or_cpuset'}")
    if isinstance(event, ev.StatusStore):
        return (f"store_status: status[{event.start}:{event.end}] = "
                f"{E.status_str(event.value)}")
    if isinstance(event, ev.Note):
        return f"# {event.text}"
    parts = " ".join(f"{k}={v}" for k, v in event.as_dict().items() if k != "event")
    return f"{event.kind}: {parts}".rstrip(": ")


def trace_line(event: ev.Event, start: ev.MigrateStart | None = None) -> TraceLine:
    """The event as a :class:`TraceLine`."""
    return TraceLine(trace_text(event, start), detail=event.detail,
                     note=isinstance(event, ev.Note))


def _fallback(event: ev.Event, label: Callable[[int], str], addrs: Sequence[int],
              pfn_label: Callable[[int], str]) -> str:
    def entry(i: int) -> str:
        return label(addrs[i]) if 0 <= i < len(addrs) else f"entry {i}"

    if isinstance(event, ev.SyscallEnter):
        return f"kernel_move_pages(): {event.count} entries, checks the nodes and the caller"
    if isinstance(event, ev.LruDrain):
        return f"lru_add_drain_all(): {event.pages} pages moved from pagevecs to the LRU lists"
    if isinstance(event, ev.BatchStart):
        return f"do_pages_move(): a batch for node {event.node} opens at entry {event.start}"
    if isinstance(event, ev.ChunkStart):
        return (f"do_pages_move(): a fixed chunk of {event.count} entries starts at "
                f"entry {event.start}")
    if isinstance(event, ev.PageIsolated):
        return (f"add_page_for_migration(): {entry(event.index)} isolated from node "
                f"{event.node}'s LRU onto the migration list")
    if isinstance(event, ev.EntryResult):
        return (f"add_page_for_migration(): {entry(event.index)}: {event.why}: "
                f"{E.status_str(event.status)}")
    if isinstance(event, ev.NodeInvalid):
        return f"do_pages_move(): entry {event.index} names node {event.node}: -{event.errno}"
    if isinstance(event, ev.BatchFlush):
        return (f"do_move_pages_to_node(): entries [{event.start}, {event.end}) go to "
                f"migrate_pages() ({event.why})")
    if isinstance(event, ev.StatusStore):
        return (f"store_status(): status[{event.start}:{event.end}] = "
                f"{E.status_str(event.value)}")
    if isinstance(event, ev.MigrateStart):
        return f"migrate_pages(): {event.folios} folios on the list, {event.mode}"
    if isinstance(event, ev.MigratePass):
        return f"migrate_pages(): pass {event.number} ({event.phase}), {event.folios} folios left"
    if isinstance(event, ev.AllocTarget):
        return (f"alloc_migration_target(): frame {event.pfn} on node {event.node}"
                if event.ok else f"alloc_migration_target(): node {event.node}: {event.why}")
    if isinstance(event, ev.FolioMigrated):
        return (f"migrate_folio_move(): {pfn_label(event.old_pfn)} copied from node "
                f"{event.src} to node {event.dst}; the old frame is freed")
    if isinstance(event, ev.FolioFailed):
        return f"migrate_pages(): {pfn_label(event.pfn)}: {event.why}: -{event.errno}"
    if isinstance(event, ev.ThpSplit):
        return (f"split_folio_to_list(): {pfn_label(event.pfn)} split into {event.pieces} "
                f"base pages ({event.why})")
    if isinstance(event, ev.MigrateEnd):
        return (f"migrate_pages(): {event.succeeded} pages moved, {event.failed} failed, "
                f"returns {event.ret}")
    if isinstance(event, ev.Putback):
        return f"putback_movable_pages(): {event.folios} folios back on their LRU lists"
    if isinstance(event, ev.SyscallExit):
        return (f"move_pages() returns {event.ret}" +
                (f", errno {event.errno}" if event.errno else ""))
    if isinstance(event, ev.Note):
        return event.text
    return trace_text(event)


def narrate(event: ev.Event, label: Callable[[int], str], addrs: Sequence[int],
            pfn_label: Callable[[int], str]) -> str:
    """One plain-words line for an event, naming the kernel function."""
    return _fallback(event, label, addrs, pfn_label)
