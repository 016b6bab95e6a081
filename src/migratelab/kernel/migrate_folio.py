"""One folio's migration, and what one ``migrate_pages()`` call counts (mm/migrate.c).

:class:`MigrateCall` carries a call's target callback and counters;
:func:`unmap_and_move` allocates the target (``alloc_migration_target``), checks
locks, writeback and references, then moves the folio. Both engines
(:mod:`migratelab.kernel.migrate_loop`, :mod:`migratelab.kernel.migrate_batch`)
build on these; :mod:`migratelab.kernel.migrate` chooses between them.

A page's frames change in place: the folio object is kept and its node and
frame are updated (see :mod:`migratelab.kernel.folio`). "Someone else" holding a
page lock or writeback (the ``lock_page``/``writeback`` ops) is modelled as
finishing as soon as a forced or synchronous attempt waits for it.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from migratelab.kernel import errno as E
from migratelab.kernel.events import AllocTarget, Event, FolioFailed, FolioMigrated
from migratelab.kernel.folio import (
    HPAGE_NR,
    HUGETLB,
    PG_ISOLATED,
    PG_LOCKED,
    PG_PARTIALLY_MAPPED,
    PG_PTE_MAPPED,
    PG_WRITEBACK,
    Folio,
)
from migratelab.kernel.physmem import BLOCK_HUGETLB, BLOCK_THP, FRAME_ANON
from migratelab.kernel.reasons import Reason

if TYPE_CHECKING:
    from migratelab.kernel.machine import Kernel

NR_PASSES = 10
NR_ASYNC_PASSES = 3
NR_SYNC_PASSES = NR_PASSES - NR_ASYNC_PASSES
NR_MAX_BATCHED = HPAGE_NR

#: Called with (folio) -> the node to allocate on, or None (v4.14 new_page_node
#: can find no entry for the page).
TargetFn = Callable[[Folio], "int | None"]
#: v4.14 only: (folio, rc, node) after each attempt that got a target page.
ResultFn = Callable[[Folio, int, int], None]


@dataclass(slots=True)
class MigrateCall:
    """Everything one ``migrate_pages()`` call needs and counts."""

    target: TargetFn
    cpu: int
    node: int
    detail: bool
    on_result: ResultFn | None = None
    #: The target node when every folio goes to the same one (v4.17+ runs).
    fixed_node: int | None = None
    #: The kernel's migrate_reason name for the tracepoints (MR_SYSCALL's is
    #: ``syscall_or_cpuset``; mbind passes ``mempolicy_mbind``).
    reason: str = "syscall_or_cpuset"
    mode: str = "MIGRATE_SYNC"
    #: Why the call returned a negative errno, once it has.
    fatal: Reason | None = None
    succeeded: int = 0
    failed_pages: int = 0
    thp_succeeded: int = 0
    thp_failed: int = 0
    thp_split: int = 0
    nr_failed: int = 0
    split_thps: int = 0
    events: list[Event] = field(default_factory=list)


def emit(call: MigrateCall, event: Event) -> None:
    call.events.append(event)


def flush_events(call: MigrateCall) -> Generator[Event, None, None]:
    """Hand queued events to the watcher as soon as the step that made them ends."""
    events = call.events[:]
    call.events.clear()
    yield from events


def weight(k: Kernel, folio: Folio) -> int:
    """How a failed folio counts in the return value."""
    if folio.is_thp and k.profile.thp_failure_weight == "base_pages":
        return folio.nr_pages
    return 1


def stat_pages(k: Kernel, folio: Folio) -> int:
    """How a folio counts in pgmigrate_success / pgmigrate_fail."""
    return folio.nr_pages if k.profile.pgmigrate_unit == "base_pages" else 1


# -- one folio ------------------------------------------------------------------

#: What the allocation callback got: (pfn, from_buddy), where ``from_buddy`` marks
#: a hugetlb page taken from the buddy allocator because the pool had none. A plain
#: tuple: one is made per migrated page, and a class instance costs ~10% of a 1 GiB
#: move (benchmarks/bench_move.py).
Target = tuple[int, bool]


def _alloc_target(k: Kernel, folio: Folio, node: int) -> Target | None:
    """The allocation callback: a frame of the folio's size on exactly ``node``."""
    if not 0 <= node < len(k.nodes):
        return None
    mem = k.nodes[node].mem
    if mem is None:
        return None
    if not folio.order:
        pfn = mem.alloc_frame(FRAME_ANON)
        return None if pfn is None else (pfn, False)
    if folio.kind is not HUGETLB:
        pfn = mem.alloc_block(BLOCK_THP)
        return None if pfn is None else (pfn, False)
    pfn = mem.take_pool_page()
    if pfn is not None:
        return (pfn, False)
    if k.profile.hugetlb_empty_pool != "buddy_fallback":
        return None
    pfn = mem.alloc_block(BLOCK_HUGETLB)
    if pfn is None:
        return None
    mem.add_surplus_page(pfn)
    k.vmstat["htlb_buddy_alloc_success"] += 1
    return (pfn, True)


def _free_target(k: Kernel, folio: Folio, node: int, target: Target) -> None:
    mem = k.mem(node)
    pfn, from_buddy = target
    if not folio.order:
        mem.free_frame(pfn)
    elif folio.kind is not HUGETLB:
        mem.free_block(pfn)
    elif from_buddy:
        mem.drop_from_pool(pfn)
    else:
        mem.return_pool_page(pfn)


def _free_source(k: Kernel, folio: Folio, new_from_buddy: bool) -> None:
    mem = k.mem(folio.node)
    if not folio.order:
        mem.free_frame(folio.pfn)
    elif folio.kind is HUGETLB:
        if new_from_buddy:
            # the pool accounting moved to the target node with the page
            mem.drop_from_pool(folio.pfn)
        else:
            mem.return_pool_page(folio.pfn)
    else:
        mem.free_block(folio.pfn)


def isolate_hugetlb(folio: Folio, pagelist: list[Folio]) -> bool:
    """isolate_hugetlb(): put a hugetlb folio on a migration list; False if it is
    already on one. Hugetlb folios are not on the LRU and not in NR_ISOLATED."""
    if folio.flags & PG_ISOLATED:
        return False
    folio.flags |= PG_ISOLATED
    folio.refcount += 1
    pagelist.append(folio)
    return True


def end_isolation(k: Kernel, folio: Folio, src: int) -> None:
    """Drop the isolation reference (hugetlb folios are not counted in NR_ISOLATED)."""
    if folio.kind is HUGETLB:
        folio.flags &= ~PG_ISOLATED
        folio.refcount -= 1
    else:
        k.lru.unisolate(folio, src)


def _freed_under_us(k: Kernel, call: MigrateCall, folio: Folio) -> None:
    """Only the isolation reference is left: the folio was freed; count a success."""
    end_isolation(k, folio, folio.node)
    k.free_folio(folio)
    call.succeeded += stat_pages(k, folio)


def unmap_and_move(k: Kernel, call: MigrateCall, folio: Folio, force: bool,
                   sync: bool) -> Generator[Event, None, int]:
    """Migrate one folio; 0 on success or a negative errno.

    ``sync`` is MIGRATE_SYNC (may sleep on the lock when ``force``). The events
    queued so far are handed over once the target is allocated and before the
    folio moves, so a watcher sees the new frame while the folio is still on its
    old node and on the list.
    """
    if folio.refcount == 1 and k.profile.migrate_engine == "batched":
        _freed_under_us(k, call, folio)
        return 0
    got = _get_target(k, call, folio)
    if call.events:
        yield from _show_target(k, call, folio, got)
    if got is None:
        return -E.ENOMEM
    node, target = got
    rc = _try_move(k, call, folio, node, target, force, sync)
    if call.on_result is not None:
        call.on_result(folio, rc, node)
    return rc


#: (node, target) of a folio unmapped by :func:`migrate_folio_unmap`.
Held = tuple[int, Target]


def migrate_folio_unmap(k: Kernel, call: MigrateCall, folio: Folio, force: bool,
                        sync: bool) -> Generator[Event, None, tuple[int, Held | None]]:
    """6.3+, the first half of a folio's migration: allocate the target, take the
    lock, wait out writeback, and replace the PTEs by migration entries.

    Returns (0, None) when the folio was freed under us, (0, held) when it is
    unmapped and waits for :func:`migrate_folio_move` with its target held, or
    (negative errno, None). The kernel flushes the TLB once for all the folios a
    batch unmapped; in the simulator unmapping changes nothing the player sees
    but the order of events.
    """
    if folio.refcount == 1:
        _freed_under_us(k, call, folio)
        return 0, None
    got = _get_target(k, call, folio)
    if call.events:
        yield from _show_target(k, call, folio, got)
    if got is None:
        return -E.ENOMEM, None
    node, target = got
    if folio.flags & (PG_LOCKED | PG_WRITEBACK):
        rc, reason = _lock_and_writeback(folio, force, sync)
        if rc:
            return _refused(k, call, folio, node, target, rc, reason), None
    k.migration_targets.append((node, folio.nr_pages))  # no folio owns it until the move
    return 0, got


def migrate_folio_move(k: Kernel, call: MigrateCall, folio: Folio, held: Held) -> int:
    """6.3+, the second half: the references are checked (a pinned folio is refused
    with -EAGAIN and keeps its target for the next move pass), then the folio is
    copied to its target and the migration entries point there."""
    node, target = held
    if folio.pins:
        if call.detail:
            emit(call, FolioFailed(pfn=folio.pfn, errno=E.errno_name(E.EAGAIN), retry=True,
                                   reason=Reason.EXTRA_REFERENCES))
        return -E.EAGAIN
    k.migration_targets.remove((node, folio.nr_pages))
    return _move_to_new_folio(k, call, folio, node, target)


def migrate_folio_undo(k: Kernel, folio: Folio, held: Held) -> None:
    """6.3+: a folio still unmapped after the last move pass is mapped again where
    it was, and its target freed."""
    node, target = held
    k.migration_targets.remove((node, folio.nr_pages))
    _free_target(k, folio, node, target)


def _get_target(k: Kernel, call: MigrateCall, folio: Folio) -> Held | None:
    """The allocation callback's node and frame for ``folio`` (None: -ENOMEM, with
    ``call.fatal`` saying why)."""
    node = call.fixed_node if call.fixed_node is not None else call.target(folio)
    if node is None:
        call.fatal = Reason.NO_TARGET_NODE
        return None
    target = _alloc_target(k, folio, node)
    if target is None:
        call.fatal = _no_target(k, folio, node)
    if call.detail:
        emit(call, AllocTarget(node=node, order=folio.order, ok=target is not None,
                               pfn=-1 if target is None else target[0],
                               reason=None if target else call.fatal))
    return None if target is None else (node, target)


def _show_target(k: Kernel, call: MigrateCall, folio: Folio, got: Held | None
                 ) -> Generator[Event, None, None]:
    """Hand the queued events over with the new frame counted as in use (a plain
    function finds the target: a generator per folio costs a 1 GiB move 10%)."""
    if got is not None:
        k.migration_targets.append((got[0], folio.nr_pages))
    try:
        yield from flush_events(call)
    finally:
        if got is not None:
            k.migration_targets.pop()


def _no_target(k: Kernel, folio: Folio, node: int) -> Reason:
    if not k.node_has_memory(node):
        return Reason.TARGET_NODE_NO_MEMORY
    if folio.is_hugetlb:
        return Reason.NO_TARGET_HUGETLB
    if folio.order:
        return Reason.NO_TARGET_THP
    return Reason.NO_TARGET_MEMORY


def _try_move(k: Kernel, call: MigrateCall, folio: Folio, node: int, target: Target,
              force: bool, sync: bool) -> int:
    if folio.refcount == 1 and k.profile.migrate_engine != "batched":
        _free_target(k, folio, node, target)
        _freed_under_us(k, call, folio)
        return 0
    if folio.flags & (PG_LOCKED | PG_WRITEBACK) or folio.pins:
        rc, reason = _lock_and_writeback(folio, force, sync)
        if not rc and folio.pins:
            rc, reason = -E.EAGAIN, Reason.EXTRA_REFERENCES
        if rc:
            return _refused(k, call, folio, node, target, rc, reason)
    return _move_to_new_folio(k, call, folio, node, target)


def _lock_and_writeback(folio: Folio, force: bool, sync: bool) -> tuple[int, Reason]:
    """The folio lock and writeback: (0, _) when the migration may go on."""
    if folio.flags & PG_LOCKED:
        if not (sync and force):
            return -E.EAGAIN, Reason.PAGE_LOCKED
        folio.flags &= ~PG_LOCKED  # slept on the lock until its holder let go
    if folio.flags & PG_WRITEBACK:
        if not sync:
            return -E.EBUSY, Reason.WRITEBACK_ASYNC
        if not force:
            return -E.EAGAIN, Reason.WRITEBACK_NOT_FORCED
        folio.flags &= ~PG_WRITEBACK  # waited for the write to finish
    return 0, Reason.EXTRA_REFERENCES


def _refused(k: Kernel, call: MigrateCall, folio: Folio, node: int, target: Target,
             rc: int, reason: Reason) -> int:
    """An attempt that ends before the move: the target goes back, ``rc`` is returned."""
    _free_target(k, folio, node, target)
    if call.detail:
        emit(call, FolioFailed(pfn=folio.pfn, errno=E.errno_name(-rc),
                               retry=rc == -E.EAGAIN, reason=reason))
    return rc


def _move_to_new_folio(k: Kernel, call: MigrateCall, folio: Folio, node: int,
                       target: Target) -> int:
    """Unmap, copy and remap: the folio now lives at the target frame on ``node``."""
    src = folio.node
    old_pfn = folio.pfn
    pfn, from_buddy = target
    _free_source(k, folio, from_buddy)
    folio.node = node
    folio.pfn = pfn
    if folio.flags & PG_PTE_MAPPED and k.profile.migrated_pte_mapped_thp == "deferred_split":
        folio.flags |= PG_PARTIALLY_MAPPED  # 6.12: the copy is queued for deferred split
    end_isolation(k, folio, src)
    if folio.kind is not HUGETLB:
        if k.profile.putback_via_pagevec and not k.lru.disabled:
            k.lru.lru_cache_add(folio, call.cpu)
        else:
            k.lru.vecs[node].add(folio)
    call.succeeded += stat_pages(k, folio)
    if folio.order and folio.kind is not HUGETLB:
        call.thp_succeeded += 1
    if call.detail:
        emit(call, FolioMigrated(old_pfn=old_pfn, new_pfn=pfn, src=src, dst=node,
                                  nr_pages=folio.nr_pages, folio=folio.label()))
    return 0


# -- counting ---------------------------------------------------------------------


def record_failure(k: Kernel, call: MigrateCall, folio: Folio, count: bool) -> None:
    call.failed_pages += stat_pages(k, folio)
    if folio.is_thp:
        call.thp_failed += 1
    if count:
        call.nr_failed += weight(k, folio)


def count_split(k: Kernel, call: MigrateCall, folio: Folio) -> None:
    call.thp_split += 1
    call.thp_failed += 1
    call.split_thps += 1


def final_count(k: Kernel, call: MigrateCall, leftovers: list[Folio]) -> int:
    """The return value: failures (+1 per split THP from 5.17), 0 if nothing is left."""
    prof = k.profile
    if prof.thp_on_enomem in ("split_side_list", "split_async_once"):
        if not leftovers and prof.zero_if_all_split_moved:
            return 0
        return call.nr_failed + call.split_thps
    return call.nr_failed
