"""The batched engine of ``migrate_pages()`` (v6.3+).

Hugetlb folios first (10 passes, as the loop engine), then chunks of at most 512
base pages: three MIGRATE_ASYNC passes over the whole chunk, then seven
MIGRATE_SYNC passes for each folio that is still left, one at a time. Pieces of
THPs split for lack of memory get one async pass at the end.
"""

from __future__ import annotations

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
    MigrateCall,
    count_split,
    emit,
    final_count,
    flush_events,
    record_failure,
    unmap_and_move,
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
    """migrate_pages_batch(): up to ``passes`` passes; -EBUSY/-EAGAIN leftovers go to
    ``give_up``. Returns 0 or -ENOMEM."""
    for pass_no in range(passes):
        if not work:
            break
        emit(call, MigratePass(phase=phase, number=pass_no + 1, folios=len(work)))
        retry: list[Folio] = []
        for idx, folio in enumerate(work):
            rc = unmap_and_move(k, call, folio, force=True, sync=sync)
            if call.events:
                yield from flush_events(call)
            if rc == 0:
                continue
            if rc == -E.EAGAIN:
                retry.append(folio)
            elif rc == -E.ENOMEM:
                if folio.is_thp and split_out is not None:
                    if _split_to(k, call, folio, split_out, Reason.SPLIT_NO_TARGET_THP):
                        continue
                    call.fatal = Reason.SPLIT_FAILED
                    emit(call, ThpSplit(pfn=folio.pfn, pieces=0, where="none",
                                        reason=Reason.SPLIT_FAILED))
                work[:] = [folio, *work[idx + 1:], *retry]
                return -E.ENOMEM
            else:
                give_up.append(folio)
        work[:] = retry
    give_up.extend(work)
    work.clear()
    return 0


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
    others = [f for f in folios if not f.is_hugetlb]
    leftovers: list[Folio] = []
    rc = 0
    if hugetlb:
        rc = yield from loop_passes(k, call, hugetlb, "hugetlb", True, None)
        leftovers.extend(hugetlb)
        if rc < 0:
            folios[:] = leftovers + others
            return rc
    if prof.presplit_partially_mapped:
        kept: list[Folio] = []
        for folio in others:
            if folio.is_thp and folio.flags & PG_PARTIALLY_MAPPED and _split_to(
                    k, call, folio, split_folios, Reason.SPLIT_PARTIALLY_MAPPED):
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
                record_failure(k, call, bad, True)
            leftovers.extend(failed)
        if rc < 0:
            leftovers.extend(others[pos:])
            break
    if split_folios and rc == 0:
        failed_pieces: list[Folio] = []
        rc = yield from _batch(k, call, split_folios, False, 1, "split pieces", None, failed_pieces)
        for bad in failed_pieces:
            record_failure(k, call, bad, False)
        leftovers.extend(failed_pieces + split_folios)
    else:
        leftovers.extend(split_folios)
    folios[:] = leftovers
    if rc < 0:
        return rc
    return final_count(k, call, leftovers)
