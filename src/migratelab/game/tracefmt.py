"""Trace lines in the kernel's own formats, and one plain-words line per event.

Where a tracepoint exists the line is printed as ``perf``/``trace-cmd`` would show
it (``mm_migrate_pages: nr_succeeded=1 nr_failed=0 ... mode=MIGRATE_SYNC
reason=syscall_or_cpuset``); the other events are named after the kernel
function that does the work. :class:`TraceLine` marks per-page events as
``detail`` so a viewer can fold them under their batch.
"""

from __future__ import annotations

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


def trace_text(event: ev.Event) -> str:
    """The event as one trace line."""
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
                f"mode={event.mode} reason={reason_name(event.reason)}")
    if isinstance(event, ev.StatusStore):
        return (f"store_status: status[{event.start}:{event.end}] = "
                f"{E.status_str(event.value)}")
    if isinstance(event, ev.Note):
        return f"# {event.text}"
    parts = " ".join(f"{k}={v}" for k, v in event.as_dict().items() if k != "event")
    return f"{event.kind}: {parts}".rstrip(": ")


def trace_line(event: ev.Event) -> TraceLine:
    """The event as a :class:`TraceLine`."""
    return TraceLine(trace_text(event), detail=event.detail,
                     note=isinstance(event, ev.Note))
