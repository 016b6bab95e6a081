"""``do_pages_move``: the request walked as runs of same-node entries (4.17+).

Hocko's rework (a49bd4d71637, 4.17) replaced fixed chunks with runs: consecutive
entries for the same node are isolated onto one list, and the list is handed to
``migrate_pages()`` (``do_move_pages_to_node``) when the node changes, when an
entry is not queued, and at the end. ``store_status`` then writes the run's node
for the whole run. The v4.14 chunks are in :mod:`migratelab.kernel.pages_move_chunked`.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from migratelab.kernel import errno as E
from migratelab.kernel.add_page import QUEUED, add_page_for_migration
from migratelab.kernel.events import (
    BatchFlush,
    BatchStart,
    EntryResult,
    Event,
    NodeInvalid,
    PageIsolated,
    Putback,
    StatusNotStored,
    StatusStore,
)
from migratelab.kernel.folio import Folio
from migratelab.kernel.machine import MAX_NUMNODES
from migratelab.kernel.migrate import MigrateCall, migrate_pages, putback_movable_pages
from migratelab.kernel.mm import Mm, Process
from migratelab.kernel.reasons import Reason

if TYPE_CHECKING:
    from migratelab.kernel.machine import Kernel


@dataclass(slots=True)
class MoveState:
    """State of one do_pages_move call (both batching models)."""

    k: Kernel
    task: Process
    mm: Mm
    pages: list[int]
    nodes: list[int]
    status: list[int]
    n: int
    migrate_all: bool
    detail: bool
    cpu: int
    calls: int = 0
    pagelist: list[Folio] = field(default_factory=list)
    #: Why the call failed as a whole, once it has.
    reason: Reason | None = None


def check_node(k: Kernel, task: Process, index: int, node: int) -> NodeInvalid | None:
    """The node checks of do_pages_move: online with memory, and in the cpuset."""
    if node < 0 or node >= MAX_NUMNODES or not k.node_has_memory(node):
        return NodeInvalid(index=index, node=node, errno="ENODEV",
                           reason=Reason.NODE_NOT_ONLINE)
    if node not in task.cpuset:
        return NodeInvalid(index=index, node=node, errno="EACCES",
                           reason=Reason.NODE_NOT_IN_CPUSET)
    return None


def store_status(mv: MoveState, start: int, value: int, nr: int) -> Event:
    """Write ``value`` into ``status[start:start+nr]``."""
    mv.status[start:start + nr] = [value] * nr
    return StatusStore(start=start, end=start + nr, value=value)


def do_move_pages_to_node(mv: MoveState, node: int, start: int, end: int, why: str
                          ) -> Generator[Event, None, int]:
    """Migrate the run's list to ``node``; put back whatever is left on failure."""
    if not mv.pagelist:
        return 0
    yield BatchFlush(node=node, start=start, end=end, folios=len(mv.pagelist), why=why)
    mv.calls += 1
    call = MigrateCall(target=lambda _f: node, cpu=mv.cpu, node=node, detail=mv.detail,
                       fixed_node=node)
    err = yield from migrate_pages(mv.k, mv.pagelist, call)
    if err < 0 and mv.reason is None:
        mv.reason = call.fatal
    if err and mv.pagelist:
        yield Putback(folios=len(mv.pagelist))
        putback_movable_pages(mv.k, mv.pagelist, mv.cpu)
    mv.pagelist.clear()
    return err


def _not_attempted(mv: MoveState, err: int, i: int, where: str) -> int:
    """Add the entries that were never attempted to a positive result (section 4.3)."""
    if err <= 0:
        return err
    rule = mv.k.profile.positive_return
    n = mv.n
    if rule == "v5_6":
        return err + (n - i - 1) if where != "final" else err
    if rule == "v5_7":
        return err + (n - i - 1)
    if rule == "exact":
        if where == "node_change":
            return err + (n - i)
        if where == "error_entry":
            return err + (n - i) - 1
        return err
    return err


def _run_failed(mv: MoveState, start: int, end: int, resume: int
                ) -> Generator[Event, None, None]:
    """A run's migrate_pages() failed: its statuses and the rest are never written."""
    if end > start:
        yield StatusNotStored(start=start, end=end, reason=Reason.RUN_FAILED)
    if resume < mv.n:
        yield StatusNotStored(start=resume, end=mv.n, reason=Reason.NOT_REACHED)


def do_pages_move(mv: MoveState) -> Generator[Event, None, int]:
    """Walk the request, building runs of same-node entries (section 4.2)."""
    k = mv.k
    prof = k.profile
    aot = prof.already_on_target
    store_flush = aot == "store_flush"
    detail = mv.detail
    pages, nodes, n = mv.pages, mv.nodes, mv.n
    current: int | None = None
    start = 0
    err = 0
    i = 0
    jumped = False
    checked: int | None = None
    while i < n:
        if i >= len(pages) or i >= len(nodes):
            err = -E.EFAULT
            mv.reason = Reason.ARRAY_UNREADABLE
            yield StatusNotStored(start=i, end=n, reason=Reason.ARRAY_UNREADABLE)
            jumped = True
            break
        addr = pages[i]
        node = nodes[i]
        # the checks cannot change during the call: repeat them only on a new node
        invalid = None if node == checked else check_node(k, mv.task, i, node)
        if invalid is not None:
            err = -E.BY_NAME[invalid.errno]
            mv.reason = invalid.reason
            yield invalid
            jumped = True
            break
        checked = node
        if current is None:
            current, start = node, i
            yield BatchStart(node=node, start=i)
        elif node != current:
            err = yield from do_move_pages_to_node(mv, current, start, i, "node change")
            if err:
                yield from _run_failed(mv, start, i, i)
                return _not_attempted(mv, err, i, "node_change")
            if i > start or not store_flush:
                yield store_status(mv, start, current, i - start)
            current, start = node, i
            yield BatchStart(node=node, start=i)
        r, reason, folio = add_page_for_migration(k, mv.mm, addr, current, mv.migrate_all,
                                                  mv.pagelist)
        if r == QUEUED:
            if detail and folio is not None:
                yield PageIsolated(index=i, addr=addr, pfn=folio.pfn, node=folio.node,
                                   nr_pages=folio.nr_pages, folio=folio.label(),
                                   reason=reason)
            i += 1
            continue
        if r == 0 and aot == "queued":
            # 4.17: "already there" looks like success and stays in the run, so
            # its status is written only by a later flush of a non-empty list
            if detail:
                yield EntryResult(index=i, addr=addr, status=current, reason=reason)
            i += 1
            continue
        value = r if r < 0 else current
        if detail:
            yield EntryResult(index=i, addr=addr, status=value, reason=reason)
        yield store_status(mv, i, value, 1)
        if r == 0 and aot == "store_continue":
            i += 1
            continue
        err = yield from do_move_pages_to_node(mv, current, start, i, "entry not queued")
        if err:
            yield from _run_failed(mv, start, i, i + 1)
            return _not_attempted(mv, err, i, "error_entry")
        if i > start and (not store_flush or mv.calls):
            yield store_status(mv, start, current, i - start)
        current = None
        i += 1
    # out_flush
    if current is None:
        return err
    if not mv.pagelist and not store_flush and aot == "queued":
        if i > start:
            yield StatusNotStored(start=start, end=i, reason=Reason.TRAILING_RUN_UNWRITTEN)
        return err
    if not mv.pagelist:
        if i > start and aot == "store_continue":
            yield store_status(mv, start, current, i - start)
        return err
    err1 = yield from do_move_pages_to_node(mv, current, start, i, "final flush"
                                            if not jumped else "final flush after an error")
    if err1 == 0:
        yield store_status(mv, start, current, i - start)
    else:
        yield StatusNotStored(start=start, end=i, reason=Reason.RUN_FAILED)
        err1 = _not_attempted(mv, err1, i, "final")
    if prof.positive_return in ("ignored", "run_only"):
        if not err:
            err = err1
    elif err >= 0:
        err = err1
    return err
