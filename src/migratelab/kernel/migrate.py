"""``migrate_pages()`` and what it calls (mm/migrate.c, mm/huge_memory.c).

Two engines, chosen by ``profile.migrate_engine``:

* ``loop`` (v4.14 .. v6.2): up to 10 passes over the list; from the fourth pass
  on ("force") the engine may sleep on a page lock and wait for writeback.
  -EAGAIN keeps a folio for the next pass, -ENOMEM stops the call (after trying
  to split a THP, from 4.17), other errors fail the folio for good.
* ``batched`` (v6.3+): hugetlb folios first (10 passes), then chunks of at most
  512 base pages: three MIGRATE_ASYNC passes over the whole chunk, then seven
  MIGRATE_SYNC passes for each folio that is still left, one at a time. Pieces
  of THPs split for lack of memory get one async pass at the end.

The function returns the number of folios that were not migrated (weighted as
the profile says), or a negative errno; folios it could not migrate stay in the
list for the caller to put back (``putback_movable_pages``).

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
from migratelab.kernel.events import (
    AllocTarget,
    Event,
    FolioFailed,
    FolioMigrated,
    MigrateEnd,
    MigratePass,
    MigrateStart,
    ThpSplit,
)
from migratelab.kernel.folio import (
    ANON,
    HPAGE_NR,
    HUGETLB,
    PG_ISOLATED,
    PG_LOCKED,
    PG_PARTIALLY_MAPPED,
    PG_PTE_MAPPED,
    PG_WRITEBACK,
    Folio,
)
from migratelab.kernel.huge_memory import split_huge_page
from migratelab.kernel.physmem import BLOCK_HUGETLB, BLOCK_THP, FRAME_ANON

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
    #: The caller's enum migrate_reason, as the tracepoint prints it.
    reason: str = "syscall_or_cpuset"
    succeeded: int = 0
    failed_pages: int = 0
    thp_succeeded: int = 0
    thp_failed: int = 0
    thp_split: int = 0
    nr_failed: int = 0
    split_thps: int = 0
    events: list[Event] = field(default_factory=list)


def _emit(call: MigrateCall, event: Event) -> None:
    call.events.append(event)


def _flush(call: MigrateCall) -> Generator[Event, None, None]:
    """Hand queued events to the watcher as soon as the step that made them ends."""
    events = call.events[:]
    call.events.clear()
    yield from events


def _weight(k: Kernel, folio: Folio) -> int:
    """How a failed folio counts in the return value."""
    if folio.is_thp and k.profile.thp_failure_weight == "base_pages":
        return folio.nr_pages
    return 1


def _stat_pages(k: Kernel, folio: Folio) -> int:
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
    call.succeeded += _stat_pages(k, folio)


def unmap_and_move(k: Kernel, call: MigrateCall, folio: Folio, force: bool,
                   sync: bool) -> int:
    """Migrate one folio; 0 on success or a negative errno.

    ``sync`` is MIGRATE_SYNC (may sleep on the lock when ``force``); the batched
    engine's async phase passes ``sync=False``.
    """
    if folio.refcount == 1 and k.profile.migrate_engine == "batched":
        _freed_under_us(k, call, folio)
        return 0
    node = call.fixed_node if call.fixed_node is not None else call.target(folio)
    if node is None:
        return -E.ENOMEM
    target = _alloc_target(k, folio, node)
    if call.detail:
        _emit(call, AllocTarget(node=node, order=folio.order, ok=target is not None,
                                pfn=-1 if target is None else target[0],
                                why="" if target else _why_no_target(k, folio, node)))
    if target is None:
        return -E.ENOMEM
    rc = _try_move(k, call, folio, node, target, force, sync)
    if call.on_result is not None:
        call.on_result(folio, rc, node)
    return rc


def _why_no_target(k: Kernel, folio: Folio, node: int) -> str:
    if not k.node_has_memory(node):
        return "node has no memory"
    if folio.is_hugetlb:
        return "no free huge page in the pool and no free 2 MiB block"
    if folio.order:
        return "no free 2 MiB block on the target node"
    return "target node is out of memory"


def _try_move(k: Kernel, call: MigrateCall, folio: Folio, node: int, target: Target,
              force: bool, sync: bool) -> int:
    if folio.refcount == 1 and k.profile.migrate_engine != "batched":
        _free_target(k, folio, node, target)
        _freed_under_us(k, call, folio)
        return 0
    if folio.flags & (PG_LOCKED | PG_WRITEBACK) or folio.pins:
        rc = _blocked(k, call, folio, node, target, force, sync)
        if rc:
            return rc
    return _move_to_new_folio(k, call, folio, node, target)


def _blocked(k: Kernel, call: MigrateCall, folio: Folio, node: int, target: Target,
             force: bool, sync: bool) -> int:
    """Lock, writeback and reference checks; 0 when the move may go ahead."""
    rc = 0
    why = ""
    if folio.flags & PG_LOCKED:
        if sync and force:
            folio.flags &= ~PG_LOCKED  # slept on the lock until its holder let go
        else:
            rc, why = -E.EAGAIN, "page locked by someone else (trylock failed)"
    if not rc and folio.flags & PG_WRITEBACK:
        if not sync:
            rc, why = -E.EBUSY, "under writeback (async mode does not wait)"
        elif force:
            folio.flags &= ~PG_WRITEBACK  # waited for the write to finish
        else:
            rc, why = -E.EAGAIN, "under writeback (not yet forcing)"
    if not rc and folio.pins:
        rc, why = -E.EAGAIN, f"{folio.pins} extra reference(s): expected refcount not met"
    if rc:
        _free_target(k, folio, node, target)
        if call.detail:
            _emit(call, FolioFailed(pfn=folio.pfn, errno=E.errno_name(-rc),
                                    retry=rc == -E.EAGAIN, why=why))
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
    call.succeeded += _stat_pages(k, folio)
    if folio.order and folio.kind is not HUGETLB:
        call.thp_succeeded += 1
    if call.detail:
        _emit(call, FolioMigrated(old_pfn=old_pfn, new_pfn=pfn, src=src, dst=node,
                                  nr_pages=folio.nr_pages, folio=folio.label()))
    return 0


# -- THP split -----------------------------------------------------------------

# -- the loop engine (v4.14 .. v6.2) ---------------------------------------------

def _loop_passes(k: Kernel, call: MigrateCall, work: list[Folio], phase: str,
                 count_failures: bool, side: list[Folio] | None
                 ) -> Generator[Event, None, int]:
    """Up to 10 passes over ``work``; returns 0 or a negative errno.

    Each pass walks the list once; folios asking for a retry make the next
    pass's list. On return ``work`` holds exactly the folios left for the caller
    to put back (those still retrying, those that failed for good and, after a
    negative return, those never reached).
    """
    prof = k.profile
    failed_for_good: list[Folio] = []
    for pass_no in range(NR_PASSES):
        if not work:
            break
        _emit(call, MigratePass(phase=phase, number=pass_no + 1, folios=len(work)))
        retry: list[Folio] = []
        queue = list(work)  # may grow: inline THP splits append their tails
        i = 0
        while i < len(queue):
            folio = queue[i]
            i += 1
            rc = unmap_and_move(k, call, folio, force=pass_no > 2, sync=True)
            if call.events:
                yield from _flush(call)
            if rc == 0:
                continue
            if rc == -E.EAGAIN:
                retry.append(folio)
                continue
            if rc == -E.ENOMEM and folio.is_thp and prof.thp_on_enomem != "abort":
                pieces = split_huge_page(k, folio)
                if pieces is None:
                    _record_failure(k, call, folio, count_failures)
                    _emit(call, ThpSplit(pfn=folio.pfn, pieces=0, where="none",
                                         why="split failed: the THP has extra references"))
                    work[:] = [*retry, folio, *queue[i:], *failed_for_good]
                    return -prof.thp_split_failure_errno
                _count_split(k, call, folio)
                if side is not None:
                    side.extend(pieces)
                    _emit(call, ThpSplit(pfn=folio.pfn, pieces=len(pieces), where="side list",
                                         why="no THP could be allocated on the target"))
                else:
                    queue.insert(i, pieces[0])
                    queue.extend(pieces[1:])
                    _emit(call, ThpSplit(pfn=folio.pfn, pieces=len(pieces),
                                         where="same list (head retried now, tails at the end)",
                                         why="no THP could be allocated on the target"))
                continue
            if rc == -E.ENOMEM:
                _record_failure(k, call, folio, count_failures)
                work[:] = [*retry, folio, *queue[i:], *failed_for_good]
                return -E.ENOMEM
            failed_for_good.append(folio)
            _record_failure(k, call, folio, count_failures)
        work[:] = retry
    for folio in work:
        _record_failure(k, call, folio, count_failures)
    work.extend(failed_for_good)
    return 0


def _record_failure(k: Kernel, call: MigrateCall, folio: Folio, count: bool) -> None:
    call.failed_pages += _stat_pages(k, folio)
    if folio.is_thp:
        call.thp_failed += 1
    if count:
        call.nr_failed += _weight(k, folio)


def _count_split(k: Kernel, call: MigrateCall, folio: Folio) -> None:
    call.thp_split += 1
    call.thp_failed += 1
    call.split_thps += 1


def _migrate_loop(k: Kernel, call: MigrateCall, folios: list[Folio]
                  ) -> Generator[Event, None, int]:
    prof = k.profile
    side: list[Folio] | None = [] if prof.thp_on_enomem == "split_side_list" else None
    if side is not None:
        k.track(side)
        try:
            return (yield from _migrate_loop_lists(k, call, folios, side))
        finally:
            k.untrack(side)
    return (yield from _migrate_loop_lists(k, call, folios, side))


def _migrate_loop_lists(k: Kernel, call: MigrateCall, folios: list[Folio],
                        side: list[Folio] | None) -> Generator[Event, None, int]:
    rc = yield from _loop_passes(k, call, folios, "sync", True, side)
    if rc == 0 and side:
        rc = yield from _loop_passes(k, call, side, "split pieces", False, None)
        folios.extend(side)
    elif side:
        folios.extend(side)
    if rc < 0:
        return rc
    return _final_count(k, call, folios)


def _final_count(k: Kernel, call: MigrateCall, leftovers: list[Folio]) -> int:
    """The return value: failures (+1 per split THP from 5.17), 0 if nothing is left."""
    prof = k.profile
    if prof.thp_on_enomem in ("split_side_list", "split_async_once"):
        if not leftovers and prof.zero_if_all_split_moved:
            return 0
        return call.nr_failed + call.split_thps
    return call.nr_failed


# -- the batched engine (v6.3+) --------------------------------------------------

def _split_to(k: Kernel, call: MigrateCall, folio: Folio, split_folios: list[Folio],
              why: str) -> bool:
    """try_split_folio into ``split_folios``; the THP counts as one failure."""
    pieces = split_huge_page(k, folio)
    if pieces is None:
        return False
    _count_split(k, call, folio)
    call.nr_failed += 1
    split_folios.extend(pieces)
    _emit(call, ThpSplit(pfn=folio.pfn, pieces=len(pieces),
                         where="split_folios (one async pass later)", why=why))
    return True


def _batch(k: Kernel, call: MigrateCall, work: list[Folio], sync: bool, passes: int,
           phase: str, split_out: list[Folio] | None, give_up: list[Folio]
           ) -> Generator[Event, None, int]:
    """migrate_pages_batch(): up to ``passes`` passes; -EBUSY/-EAGAIN leftovers go to
    ``give_up``. Returns 0 or -ENOMEM."""
    for pass_no in range(passes):
        if not work:
            break
        _emit(call, MigratePass(phase=phase, number=pass_no + 1, folios=len(work)))
        retry: list[Folio] = []
        for idx, folio in enumerate(work):
            rc = unmap_and_move(k, call, folio, force=True, sync=sync)
            if call.events:
                yield from _flush(call)
            if rc == 0:
                continue
            if rc == -E.EAGAIN:
                retry.append(folio)
            elif rc == -E.ENOMEM:
                if folio.is_thp and split_out is not None:
                    if _split_to(k, call, folio, split_out,
                                 "no THP could be allocated on the target"):
                        continue
                    _emit(call, ThpSplit(pfn=folio.pfn, pieces=0, where="none",
                                         why="split failed: the THP has extra references"))
                work[:] = [folio, *work[idx + 1:], *retry]
                return -E.ENOMEM
            else:
                give_up.append(folio)
        work[:] = retry
    give_up.extend(work)
    work.clear()
    return 0


def _migrate_batched(k: Kernel, call: MigrateCall, folios: list[Folio]
                     ) -> Generator[Event, None, int]:
    split_folios: list[Folio] = []
    k.track(split_folios)
    try:
        return (yield from _migrate_batched_lists(k, call, folios, split_folios))
    finally:
        k.untrack(split_folios)


def _migrate_batched_lists(k: Kernel, call: MigrateCall, folios: list[Folio],
                           split_folios: list[Folio]) -> Generator[Event, None, int]:
    prof = k.profile
    hugetlb = [f for f in folios if f.is_hugetlb]
    others = [f for f in folios if not f.is_hugetlb]
    leftovers: list[Folio] = []
    rc = 0
    if hugetlb:
        rc = yield from _loop_passes(k, call, hugetlb, "hugetlb", True, None)
        leftovers.extend(hugetlb)
        if rc < 0:
            folios[:] = leftovers + others
            return rc
    if prof.presplit_partially_mapped:
        kept: list[Folio] = []
        for folio in others:
            if folio.is_thp and folio.flags & PG_PARTIALLY_MAPPED and _split_to(
                    k, call, folio, split_folios,
                    "partially mapped: on the deferred split list"):
                continue
            kept.append(folio)
        others = kept
    pos = 0
    while pos < len(others):
        chunk: list[Folio] = []
        pages = 0
        while pos < len(others) and (not chunk or pages + others[pos].nr_pages <= NR_MAX_BATCHED):
            chunk.append(others[pos])
            pages += others[pos].nr_pages
            pos += 1
        phase_b: list[Folio] = []
        rc = yield from _batch(k, call, chunk, False, NR_ASYNC_PASSES, "async",
                               split_folios, phase_b)
        if rc < 0:
            leftovers.extend(chunk + phase_b + others[pos:])
            break
        for folio in phase_b:
            single = [folio]
            failed: list[Folio] = []
            rc = yield from _batch(k, call, single, True, NR_SYNC_PASSES, "sync",
                                   split_folios, failed)
            if rc < 0:
                leftovers.extend(single)
                break
            for bad in failed:
                _record_failure(k, call, bad, True)
            leftovers.extend(failed)
        if rc < 0:
            leftovers.extend(others[pos:])
            break
    if split_folios and rc == 0:
        failed_pieces: list[Folio] = []
        rc = yield from _batch(k, call, split_folios, False, 1, "split pieces", None, failed_pieces)
        for bad in failed_pieces:
            _record_failure(k, call, bad, False)
        leftovers.extend(failed_pieces + split_folios)
    else:
        leftovers.extend(split_folios)
    folios[:] = leftovers
    if rc < 0:
        return rc
    return _final_count(k, call, leftovers)


# -- entry point -------------------------------------------------------------------

def migrate_pages(k: Kernel, folios: list[Folio], call: MigrateCall
                  ) -> Generator[Event, None, int]:
    """Migrate every folio on ``folios``; see the module docstring for the rules."""
    yield MigrateStart(node=call.node, folios=len(folios), mode="MIGRATE_SYNC",
                       reason=call.reason)
    if k.profile.migrate_engine == "batched":
        rc = yield from _migrate_batched(k, call, folios)
    else:
        rc = yield from _migrate_loop(k, call, folios)
    yield from _flush(call)
    prof = k.profile
    k.vmstat["pgmigrate_success"] += call.succeeded
    k.vmstat["pgmigrate_fail"] += call.failed_pages
    if prof.thp_vmstat:
        k.vmstat["thp_migration_success"] += call.thp_succeeded
        k.vmstat["thp_migration_fail"] += call.thp_failed
        k.vmstat["thp_migration_split"] += call.thp_split
    yield MigrateEnd(succeeded=call.succeeded, failed=call.failed_pages,
                     thp_succeeded=call.thp_succeeded, thp_failed=call.thp_failed,
                     thp_split=call.thp_split, ret=rc)
    return rc


__all__ = ["ANON", "MigrateCall", "migrate_pages", "split_huge_page", "unmap_and_move"]
