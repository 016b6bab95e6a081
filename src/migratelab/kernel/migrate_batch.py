"""The batched engine of ``migrate_pages()`` (v6.3+).

Hugetlb folios first (10 passes, as the loop engine), then chunks of at most 512
base pages: three MIGRATE_ASYNC passes over the whole chunk, then seven
MIGRATE_SYNC passes for each folio that is still left, one at a time. Pieces of
THPs split for lack of memory get one async pass at the end.

Each batch goes in two halves, as ``migrate_pages_batch()`` does: every folio
is unmapped first (:func:`migrate_folio_unmap`: target allocated, lock taken,
migration entries in the PTEs), then, after one TLB flush for them all, the
unmapped folios are moved (:func:`migrate_folio_move`), each half with its own
retry passes. A pinned folio is refused in the second half and stays unmapped
through the move passes, then is mapped back. The real kernels' migration-PTE
tracepoints show this order (tests/conformance/oracle, scenarios 190 and 191).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator
from typing import TYPE_CHECKING

from migratelab.kernel import errno as E
from migratelab.kernel.events import Event, MigratePass, ThpSplit
from migratelab.kernel.folio import PG_PARTIALLY_MAPPED, Folio
from migratelab.kernel.huge_memory import split_huge_page
from migratelab.kernel.migrate_folio import (
    NR_ASYNC_PASSES,
    NR_MAX_BATCHED,
    NR_SYNC_PASSES,
    Held,
    MigrateCall,
    count_split,
    emit,
    final_count,
    flush_events,
    migrate_folio_move,
    migrate_folio_undo,
    migrate_folio_unmap,
    record_failure,
)
from migratelab.kernel.migrate_loop import loop_passes
from migratelab.kernel.reasons import Reason

if TYPE_CHECKING:
    from migratelab.kernel.machine import Kernel


def _split_to(k: Kernel, call: MigrateCall, folio: Folio, split_folios: list[Folio],
              reason: Reason) -> bool:
    """try_split_folio into ``split_folios``; the THP counts as one failure."""
    pieces = split_huge_page(k, folio)
    if pieces is None:
        return False
    count_split(k, call, folio)
    call.nr_failed += 1
    split_folios.extend(pieces)
    emit(call, ThpSplit(pfn=folio.pfn, pieces=len(pieces),
                        where="split_folios (one async pass later)", reason=reason))
    return True


def _batch(k: Kernel, call: MigrateCall, work: list[Folio], sync: bool, passes: int,
           phase: str, split_out: list[Folio] | None, give_up: list[Folio]
           ) -> Generator[Event, None, int]:
    """migrate_pages_batch(): unmap every folio (up to ``passes`` passes), then,
    after one TLB flush for them all, move the unmapped ones (up to ``passes``
    passes again). Folios refused with -EBUSY, or still refused with -EAGAIN
    after the last pass, go to ``give_up``. Returns 0 or -ENOMEM; after -ENOMEM
    the folios already unmapped are moved first, as the kernel does."""
    queue: deque[Folio] = deque()
    retry: list[Folio] = []
    unmapped: deque[Folio] = deque()
    held: deque[Held] = deque()
    rc_saved = 0
    with k.tracking(retry, queue, unmapped):
        try:
            for pass_no in range(passes):
                if not work:
                    break
                emit(call, MigratePass(phase=f"{phase} unmap", number=pass_no + 1,
                                       folios=len(work)))
                yield from flush_events(call)  # the pass begins before its first folio
                queue.extend(work)
                work.clear()
                rc_saved = yield from _unmap_queue(k, call, queue, sync, retry, unmapped,
                                                   held, split_out, give_up)
                if rc_saved:
                    break
                work.extend(retry)
                retry.clear()
            if not rc_saved:
                give_up.extend(work)
                work.clear()
            yield from _move_unmapped(k, call, unmapped, held, passes, phase, give_up)
            return rc_saved
        finally:
            work.extend([*queue, *retry])
            queue.clear()
            retry.clear()
            for folio, target in zip(unmapped, held, strict=True):  # (abandoned mid-call)
                migrate_folio_undo(k, folio, target)
            work.extend(unmapped)
            unmapped.clear()
            held.clear()


def _unmap_queue(k: Kernel, call: MigrateCall, queue: deque[Folio], sync: bool,
                 retry: list[Folio], unmapped: deque[Folio], held: deque[Held],
                 split_out: list[Folio] | None, give_up: list[Folio]
                 ) -> Generator[Event, None, int]:
    """One unmap pass over ``queue``. A folio leaves the queue when its attempt
    ends (as in :func:`~migratelab.kernel.migrate_loop.loop_passes`). Returns 0,
    or -ENOMEM with the folio that met it still first in the queue."""
    while queue:
        folio = queue[0]
        rc, got = yield from migrate_folio_unmap(k, call, folio, force=True,
                                                 sync=sync)
        if rc != -E.ENOMEM:
            queue.popleft()  # list_del: unmapped, freed, or on to another list
            if got is not None:
                unmapped.append(folio)
                held.append(got)
            elif rc == -E.EAGAIN:
                retry.append(folio)
            elif rc:
                give_up.append(folio)
        if call.events:
            yield from flush_events(call)
        if rc != -E.ENOMEM:
            continue
        if folio.is_thp and split_out is not None:
            if _split_to(k, call, folio, split_out, Reason.SPLIT_NO_TARGET_THP):
                queue.popleft()
                yield from flush_events(call)  # split, before the next folio
                continue
            call.fatal = Reason.SPLIT_FAILED
            emit(call, ThpSplit(pfn=folio.pfn, pieces=0, where="none",
                                reason=Reason.SPLIT_FAILED))
        return -E.ENOMEM
    return 0


def _move_unmapped(k: Kernel, call: MigrateCall, unmapped: deque[Folio], held: deque[Held],
                   passes: int, phase: str, give_up: list[Folio]
                   ) -> Generator[Event, None, None]:
    """The move passes over the unmapped folios; those still refused after the last
    one are mapped again where they were and go to ``give_up``."""
    for pass_no in range(passes):
        if not unmapped:
            break
        emit(call, MigratePass(phase=f"{phase} move", number=pass_no + 1,
                               folios=len(unmapped)))
        yield from flush_events(call)
        for _ in range(len(unmapped)):  # each folio once, in list order
            folio, target = unmapped.popleft(), held.popleft()  # off the list as it moves
            if migrate_folio_move(k, call, folio, target):
                unmapped.append(folio)  # -EAGAIN: stays unmapped, for the next pass
                held.append(target)
            if call.events:
                yield from flush_events(call)
    for folio, target in zip(unmapped, held, strict=True):
        migrate_folio_undo(k, folio, target)
        give_up.append(folio)
    unmapped.clear()
    held.clear()


def migrate_batched(k: Kernel, call: MigrateCall, folios: list[Folio]
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
    others: deque[Folio] = deque(f for f in folios if not f.is_hugetlb)
    folios.clear()
    leftovers: list[Folio] = []
    with k.tracking(hugetlb, others, leftovers):
        try:
            rc = yield from _hugetlb_then_chunks(k, call, hugetlb, others, leftovers,
                                                 split_folios, prof.presplit_partially_mapped)
            leftovers.extend(others)  # after -ENOMEM: the chunks never tried
            others.clear()
            if split_folios and rc == 0:
                failed_pieces: list[Folio] = []
                with k.tracking(failed_pieces):
                    rc = yield from _batch(k, call, split_folios, False, 1, "split pieces",
                                           None, failed_pieces)
                    for bad in failed_pieces:
                        record_failure(k, call, bad, False)
                    leftovers.extend(failed_pieces)
                    failed_pieces.clear()
            leftovers.extend(split_folios)
            split_folios.clear()
            if rc < 0:
                return rc
            return final_count(k, call, leftovers)
        finally:
            # ret_folios spliced back onto the caller's list
            folios.extend([*leftovers, *hugetlb, *others])
            leftovers.clear()
            hugetlb.clear()
            others.clear()


def _hugetlb_then_chunks(k: Kernel, call: MigrateCall, hugetlb: list[Folio],
                         others: deque[Folio], leftovers: list[Folio],
                         split_folios: list[Folio], presplit: bool
                         ) -> Generator[Event, None, int]:
    """Hugetlb folios (10 passes), then the others in chunks of at most 512 pages:
    async passes over the chunk, then sync passes one folio at a time
    (migrate_pages_sync). Leftovers go to ``leftovers``; returns 0 or -ENOMEM."""
    if hugetlb:
        rc = yield from loop_passes(k, call, hugetlb, "hugetlb", True, None)
        leftovers.extend(hugetlb)
        hugetlb.clear()
        if rc < 0:
            return rc
    if presplit:
        kept: list[Folio] = []
        for folio in others:
            if folio.is_thp and folio.flags & PG_PARTIALLY_MAPPED and _split_to(
                    k, call, folio, split_folios, Reason.SPLIT_PARTIALLY_MAPPED):
                continue
            kept.append(folio)
        others.clear()
        others.extend(kept)
    while others:
        chunk: list[Folio] = []
        pages = 0
        while others and (not chunk or pages + others[0].nr_pages <= NR_MAX_BATCHED):
            folio = others.popleft()
            chunk.append(folio)
            pages += folio.nr_pages
        phase_b: list[Folio] = []
        with k.tracking(chunk, phase_b):
            rc = yield from _batch(k, call, chunk, False, NR_ASYNC_PASSES, "async",
                                   split_folios, phase_b)
            if rc == 0:
                rc = yield from _sync_one_by_one(k, call, phase_b, split_folios, leftovers)
            leftovers.extend([*chunk, *phase_b])
            chunk.clear()
            phase_b.clear()
        if rc < 0:
            return rc
    return 0


def _sync_one_by_one(k: Kernel, call: MigrateCall, phase_b: list[Folio],
                     split_folios: list[Folio], leftovers: list[Folio]
                     ) -> Generator[Event, None, int]:
    """migrate_pages_sync(): each folio the async passes left, alone, MIGRATE_SYNC.
    After -ENOMEM the folios not tried stay on ``phase_b``."""
    while phase_b:
        single = [phase_b.pop(0)]
        failed: list[Folio] = []
        with k.tracking(single, failed):
            rc = yield from _batch(k, call, single, True, NR_SYNC_PASSES, "sync",
                                   split_folios, failed)
            for bad in failed:
                record_failure(k, call, bad, True)
            leftovers.extend([*single, *failed])
            single.clear()
            failed.clear()
        if rc < 0:
            return rc
    return 0
