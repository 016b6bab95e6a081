"""Why does ``status[i]`` hold what it holds? Answers built from typed trace events.

:func:`explain` reads the events of one call (all of them, or those so far while
the call is being stepped) and the active profile. It finds the event that
decided the entry, takes that event's :class:`~migratelab.kernel.reasons.Reason`
and builds every sentence from :mod:`migratelab.kernel.explanations`: the kernel
function that decides and, where a profile switch is behind the reason, the
commit that gave this profile its behaviour. It never reads engine prose.

:func:`narrate` turns any one event into one plain-words line naming its kernel
function, for the trace the player watches.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from migratelab.kernel import errno as E
from migratelab.kernel import events as ev
from migratelab.kernel.explanations import (
    ERRNO_MEANINGS,
    EXPLANATIONS,
    citation,
    cite,
    function_for,
)
from migratelab.kernel.profiles import Profile
from migratelab.kernel.reasons import Reason

__all__ = ["Explanation", "explain", "narrate"]


@dataclass(frozen=True, slots=True)
class Explanation:
    """A title line and the reasons, most specific first; plus the typed answer."""

    title: str
    lines: tuple[str, ...]
    #: The reason that decided the entry (None: no event says; only the errno is known).
    reason: Reason | None = None
    #: The kernel function that decided.
    function: str = ""
    #: The commit behind the profile switch that decided, if one did.
    commit: str | None = None

    def text(self) -> str:
        """Everything as one block of text."""
        return "\n".join((self.title, *self.lines))


def _decide(index: int, value: int, events: Sequence[ev.Event], profile: Profile
            ) -> tuple[Reason | None, list[str]]:
    """The deciding reason for ``status[index]`` and the lines of context it needs."""
    chunked = profile.batching == "chunked"
    lines: list[str] = []
    entry = next((e for e in events if isinstance(e, ev.EntryResult) and e.index == index),
                 None)
    isolated = next((e for e in events if isinstance(e, ev.PageIsolated)
                     and e.index == index), None)
    flushes = [e for e in events if isinstance(e, ev.BatchFlush) and e.start <= index < e.end]
    if flushes:
        f = flushes[-1]
        where = "its chunk" if chunked else f"the run [{f.start}:{f.end}) to node {f.node}"
        lines.append(f"it was queued in {where}, flushed on {f.why}.")
    # the last event that wrote, or said it will never write, this slot decides
    last = next((e for e in reversed(events) if isinstance(e, (ev.StatusStore,
                 ev.StatusNotStored)) and e.start <= index < e.end), None)
    if isinstance(last, ev.StatusNotStored):
        return last.reason, lines
    stop = next((e for e in events if isinstance(e, ev.NodeInvalid) and e.index <= index), None)
    if value == E.UNSET and stop is not None:
        lines.insert(0, f"entry {stop.index} names node {stop.node}, which fails validation "
                        f"({stop.errno}); the call stops there, so entries from {stop.index} "
                        "on are never looked at.")
        return stop.reason, lines
    if entry is not None:
        return entry.reason, lines
    if isolated is not None:
        lines.insert(0, f"add_page_for_migration isolated {isolated.folio} "
                        f"({isolated.nr_pages} page{'s' if isolated.nr_pages > 1 else ''}) "
                        f"from node {isolated.node}.")
        if chunked and value < 0 and value != E.UNSET:
            return Reason.MIGRATION_FAILED, lines
        if value >= 0 and isolated.reason is not Reason.HUGETLB_ISOLATE_IGNORED:
            return Reason.MIGRATED, lines
        return isolated.reason, lines  # mid-call: queued, not yet migrated
    failed = next((e for e in events if isinstance(e, ev.SyscallExit) and e.reason), None)
    if failed is not None:
        return failed.reason, lines
    if value == E.UNSET:
        return Reason.NOT_REACHED, lines
    if value >= 0:
        return Reason.MIGRATED if flushes else None, lines
    return Reason.MIGRATION_FAILED if chunked else None, lines


def explain(index: int, status: Sequence[int], events: Sequence[ev.Event],
            profile: Profile, label: Callable[[int], str] | None = None) -> Explanation:
    """Explain ``status[index]`` of the call whose events (so far) are ``events``.

    ``label`` maps an address to a name such as ``A[3]``; without it the entry is
    called ``entry I``.
    """
    if not 0 <= index < len(status):
        raise IndexError(f"status has {len(status)} entries; there is no status[{index}]")
    value = status[index]
    shown = E.status_str(value)
    if value == E.UNSET:
        title = f"status[{index}] = UNSET: the kernel never wrote this slot"
    elif value >= 0:
        title = f"status[{index}] = {value}: the page is on node {value}"
    else:
        title = f"status[{index}] = {shown}"
    reason, context = _decide(index, value, events, profile)
    lines: list[str] = []
    function = ""
    commit = None
    if reason is not None:
        function = function_for(reason, profile)
        subject = _subject(index, events, label)
        lines.append(f"{function}(): {subject} {EXPLANATIONS[reason].text}.")
        switch = EXPLANATIONS[reason].switch
        cited = citation(profile, switch)
        change = cite(profile, switch)
        commit = change.commit if change is not None else None
        lines.extend(context)
        if cited:
            lines.append(cited)
    else:
        lines.extend(context)
    if value < 0 and value != E.UNSET:
        lines.append(ERRNO_MEANINGS.get(-value, "an error reported for this entry"))
        if profile.batching != "chunked" and any(isinstance(e, ev.BatchStart) for e in events):
            lines.append("a status that is not a node ends the open run: the entries before "
                         "it are migrated now, and the next entry opens a new run.")
    return Explanation(title, tuple(lines), reason, function, commit)


def _subject(index: int, events: Sequence[ev.Event], label: Callable[[int], str] | None
             ) -> str:
    addr = next((e.addr for e in events if isinstance(e, (ev.EntryResult, ev.PageIsolated))
                 and e.index == index), None)
    if addr is None or label is None:
        return f"entry {index}"
    return f"{label(addr)} (entry {index})"


# -- narration -----------------------------------------------------------------------

def _reason_line(func_default: str, who: str, reason: Reason | None, tail: str) -> str:
    if reason is None:
        return f"{func_default}(): {who}{tail}"
    x = EXPLANATIONS[reason]
    return f"{x.function}(): {who} {x.text}{tail}"


def _pfn(pfn: int) -> str:
    return f"pfn {pfn:#x}"


def narrate(event: ev.Event, label: Callable[[int], str],
            folio: Callable[[int], str] = _pfn) -> str:
    """One plain-words line for ``event``, naming the kernel function that acts.

    ``label`` names an address (``A[3]``), ``folio`` the folio in a frame (by pfn).
    """
    match event:
        case ev.SyscallEnter():
            what = "where the pages are (nodes == NULL)" if event.nodes_null else \
                "to move pages"
            return (f"kernel_move_pages(): pid {event.pid} asks {what}, {event.count} "
                    f"entr{'y' if event.count == 1 else 'ies'}, flags {event.flags}")
        case ev.SyscallExit():
            tail = f" -1, errno {event.errno}" if event.errno else f" {event.ret}"
            return _reason_line("sys_move_pages", "the call", event.reason,
                                f": returns{tail}")
        case ev.LruDrain():
            head = f"{event.reason}() -> lru_add_drain_all(): "
            if not event.cpus:
                return head + "no CPU had a page waiting in its pagevec; nothing moved"
            cpus = ", ".join(map(str, event.cpus))
            return (head + f"{event.pages} page{'' if event.pages == 1 else 's'} moved from "
                    f"the pagevec of CPU{'' if len(event.cpus) == 1 else 's'} {cpus} "
                    "to the LRU lists")
        case ev.LruCacheDisable():
            return "lru_cache_disable(): pagevecs drained and bypassed until the call ends"
        case ev.LruCacheEnable():
            return "lru_cache_enable(): LRU adds use the per-CPU pagevecs again"
        case ev.ChunkStart():
            return (f"do_pages_move(): chunk of entries {event.start} to "
                    f"{event.start + event.count - 1} (v4.14 fixed chunks)")
        case ev.BatchStart():
            return f"do_pages_move(): a run to node {event.node} opens at entry {event.start}"
        case ev.BatchFlush():
            return (f"do_move_pages_to_node(): {event.why}: entries [{event.start}:{event.end})"
                    f", {event.folios} folio(s), go to migrate_pages()")
        case ev.NodeInvalid():
            return _reason_line("do_pages_move", f"entry {event.index} (node {event.node})",
                                event.reason, f": -{event.errno}")
        case ev.PageIsolated():
            return _reason_line("isolate_lru_page", label(event.addr), event.reason,
                                f" ({event.folio}, node {event.node})")
        case ev.EntryResult():
            return _reason_line("add_page_for_migration", label(event.addr), event.reason,
                                f": {E.status_str(event.status)}")
        case ev.StatusStore():
            value = "each page's node" if event.value == -1 else E.status_str(event.value)
            return f"store_status(): status[{event.start}:{event.end}] = {value}"
        case ev.StatusNotStored():
            return _reason_line("do_pages_move", f"status[{event.start}:{event.end}]",
                                event.reason, " (never written)")
        case ev.MigrateStart():
            return (f"mm_migrate_pages_start: migrate_pages() gets {event.folios} folio(s), "
                    f"mode={event.mode} reason={event.reason}")
        case ev.MigratePass() if event.phase.endswith(" move"):
            flushed = "one TLB flush for them all, then " if event.number == 1 else ""
            return (f"migrate_pages_batch(): {flushed}{event.phase} pass {event.number} "
                    f"over {event.folios} unmapped folio(s)")
        case ev.MigratePass():
            return (f"migrate_pages(): {event.phase} pass {event.number} over "
                    f"{event.folios} folio(s)")
        case ev.AllocTarget():
            if event.ok:
                return (f"alloc_migration_target(): order-{event.order} page at pfn "
                        f"{event.pfn:#x} on node {event.node}")
            return _reason_line("alloc_migration_target", f"node {event.node}", event.reason,
                                ": -ENOMEM")
        case ev.FolioMigrated():
            return (f"migrate_folio_move(): {folio(event.old_pfn)} moved from node "
                    f"{event.src} to node {event.dst} "
                    f"(pfn {event.old_pfn:#x} -> {event.new_pfn:#x})")
        case ev.FolioFailed():
            again = ", retried" if event.retry else ""
            return _reason_line("unmap_and_move", folio(event.pfn), event.reason,
                                f": -{event.errno}{again}")
        case ev.ThpSplit():
            return _reason_line("split_huge_page_to_list", folio(event.pfn),
                                event.reason, f" -> {event.pieces} pieces ({event.where})")
        case ev.MigrateEnd():
            return (f"mm_migrate_pages: nr_succeeded={event.succeeded} "
                    f"nr_failed={event.failed} nr_thp_succeeded={event.thp_succeeded} "
                    f"nr_thp_failed={event.thp_failed} nr_thp_split={event.thp_split} "
                    f"mode={event.mode} reason={event.reason}")
        case ev.Putback():
            return (f"putback_movable_pages(): {event.folios} folio(s) that did not move go "
                    "back to their LRU lists")
        case ev.Note():
            return f"note: {event.text}"
        case ev.MbindEnter():
            return (f"do_mbind(): {event.mode} {list(event.nodes)} on {event.npages} page(s) "
                    f"from {label(event.start)}, flags {event.flags}")
        case ev.MigratePagesEnter():
            return (f"kernel_migrate_pages(): pid {event.pid}, pages on {list(event.old)} go "
                    f"to {list(event.new)}")
        case ev.QueuePages():
            tail = f": -{event.errno}" if event.errno else ""
            return (f"queue_pages_range(): {event.queued} folio(s) isolated, "
                    f"{event.skipped_shared} left alone (mapped by another process), "
                    f"{event.failed} counted as failed{tail}")
        case ev.MigrateToNode():
            return f"do_migrate_pages() -> migrate_to_node(): node {event.source} -> {event.dest}"
        case ev.PolicySyscallExit():
            tail = f" -1, errno {event.errno}" if event.errno else f" {event.ret}"
            return f"sys_{event.syscall}(): returns{tail}"
    return f"{ev.KERNEL_NAMES.get(event.kind, event.kind)}: {event.render()}"
