"""Trace lines in the kernel's own formats, and one plain-words line per event.

Where a tracepoint exists the line is printed as ``perf``/``trace-cmd`` show it:
the event name, then the tracepoint's print format. Those formats changed over
the releases the profiles model, so the line depends on the kernel version:

* ``migrate:mm_migrate_pages`` printed ``nr_succeeded nr_failed mode reason``
  up to 5.8; 5.9 added ``nr_thp_succeeded nr_thp_failed nr_thp_split``
  ("mm/vmstat: add events for THP migration without split"); 6.7 added
  ``nr_split`` (Zi Yan, "mm/migrate: add nr_split to trace_mm_migrate_pages
  stats").
* ``migrate:mm_migrate_pages_start`` (``mode reason``) exists from 5.13
  ("mm: cma: add trace events for CMA alloc perf testing"); before that the
  same moment is printed under the function's name, ``migrate_pages``.
* ``syscalls:sys_enter_*`` print every argument as ``name: 0x%08lx`` and
  ``sys_exit_*`` print the raw return value ``0x%lx`` (a failure is ``-errno``
  in two's complement; a ``#`` comment names it). The simulator has no user
  addresses for the ``pages``/``nodes``/``status`` arrays, so those are shown
  by name (``pages[]``); ``mbind``'s and ``migrate_pages``' node masks are
  shown as node sets, and their ``maxnode`` is not modelled.

Events without a tracepoint are named after the kernel function that does the
work, with ``key=value`` fields in the tracepoints' style: virtual addresses
and pfns in hex (``addr=0x7f0000000000 pfn=0x4000``), as every mm tracepoint
prints them, and a ``status[]`` value as its node or errno name.
:class:`TraceLine` marks per-page events as ``detail`` so a viewer can fold
them under their batch.
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
#: ``enum mempolicy_mode`` values (include/uapi/linux/mempolicy.h).
MPOL_MODES = {"default": 0, "preferred": 1, "bind": 2, "interleave": 3, "local": 4}
#: Fields that hold a virtual address or a page frame number (printed in hex).
HEX_FIELDS = frozenset({"addr", "pfn", "old_pfn", "new_pfn"})
#: (major, minor) of the newest kernel modelled: the default format.
LATEST = (6, 12)
#: Releases where a tracepoint's format changed (see the module docstring).
THP_FIELDS_SINCE = (5, 9)
NR_SPLIT_SINCE = (6, 7)
START_TRACEPOINT_SINCE = (5, 13)
PAGE_SIZE = 4096


class TraceLine(msgspec.Struct, frozen=True):
    """One line of the trace; ``detail``: a per-page event (folded by default)."""

    text: str
    detail: bool = False
    note: bool = False


def kernel_version(profile: str) -> tuple[int, int]:
    """``v6.12`` -> ``(6, 12)``; anything unreadable is the newest kernel."""
    try:
        major, minor = profile.lstrip("v").split(".")[:2]
        return int(major), int(minor)
    except ValueError:
        return LATEST


def reason_name(reason: str) -> str:
    """``MR_SYSCALL`` -> ``syscall_or_cpuset`` (names already in that form pass through)."""
    return MIGRATE_REASONS.get(reason, reason)


def _arg(value: int) -> str:
    """A syscall argument as the syscalls tracepoints print it (``0x%08lx``)."""
    return f"{value & 0xFFFF_FFFF_FFFF_FFFF:#010x}"


def _ret(ret: int, errno: str | None) -> str:
    """A raw syscall return (``0x%lx``), with the errno named in a comment."""
    raw = -E.BY_NAME[errno] if errno in E.BY_NAME else ret
    text = f"{raw & 0xFFFF_FFFF_FFFF_FFFF:#x}"
    return text + (f"  # -1, errno {errno}" if errno else "")


def _nodes(nodes: tuple[int, ...]) -> str:
    return "{" + ",".join(map(str, nodes)) + "}"


def _field(key: str, value: object) -> str:
    if key in HEX_FIELDS and isinstance(value, int) and value >= 0:
        return f"{key}={value:#x}"
    if key == "status" and isinstance(value, int):
        return f"status={E.status_str(value)}"  # a status[] value: a node or -ERRNO
    return f"{key}={value}"


def _syscall_text(event: ev.Event) -> str | None:
    if isinstance(event, ev.SyscallEnter):
        nodes = _arg(0) if event.nodes_null else "nodes[]"
        return (f"sys_enter_move_pages: pid: {_arg(event.pid)}, nr_pages: {_arg(event.count)}, "
                f"pages: pages[], nodes: {nodes}, status: status[], flags: {_arg(event.flags)}")
    if isinstance(event, ev.SyscallExit):
        return f"sys_exit_move_pages: {_ret(event.ret, event.errno)}"
    if isinstance(event, ev.MbindEnter):
        return (f"sys_enter_mbind: start: {_arg(event.start)}, "
                f"len: {_arg(event.npages * PAGE_SIZE)}, "
                f"mode: {_arg(MPOL_MODES.get(event.mode, 0))}, nmask: {_nodes(event.nodes)}, "
                f"flags: {_arg(event.flags)}")
    if isinstance(event, ev.MigratePagesEnter):
        return (f"sys_enter_migrate_pages: pid: {_arg(event.pid)}, "
                f"old_nodes: {_nodes(event.old)}, new_nodes: {_nodes(event.new)}")
    if isinstance(event, ev.PolicySyscallExit):
        return f"sys_exit_{event.syscall}: {_ret(event.ret, event.errno)}"
    return None


def _migrate_end(event: ev.MigrateEnd, version: tuple[int, int]) -> str:
    text = f"mm_migrate_pages: nr_succeeded={event.succeeded} nr_failed={event.failed} "
    if version >= THP_FIELDS_SINCE:
        text += (f"nr_thp_succeeded={event.thp_succeeded} nr_thp_failed={event.thp_failed} "
                 f"nr_thp_split={event.thp_split} ")
    if version >= NR_SPLIT_SINCE:
        text += f"nr_split={event.thp_split} "  # every large folio modelled is a THP
    return text + f"mode={event.mode} reason={reason_name(event.reason)}"


def trace_text(event: ev.Event, version: tuple[int, int] = LATEST) -> str:
    """The event as one trace line, in the format of kernel ``version``."""
    text = _syscall_text(event)
    if text is not None:
        return text
    if isinstance(event, ev.MigrateStart):
        name = ("mm_migrate_pages_start" if version >= START_TRACEPOINT_SINCE
                else "migrate_pages")
        return f"{name}: mode={event.mode} reason={reason_name(event.reason)}"
    if isinstance(event, ev.MigrateEnd):
        return _migrate_end(event, version)
    if isinstance(event, ev.StatusStore):
        return (f"store_status: status[{event.start}:{event.end}] = "
                f"{E.status_str(event.value)}")
    if isinstance(event, ev.Note):
        return f"# {event.text}"
    parts = " ".join(_field(k, v) for k, v in event.as_dict().items() if k != "event")
    return f"{event.kind}: {parts}".rstrip(": ")


def trace_line(event: ev.Event, version: tuple[int, int] = LATEST) -> TraceLine:
    """The event as a :class:`TraceLine`."""
    return TraceLine(trace_text(event, version), detail=event.detail,
                     note=isinstance(event, ev.Note))
