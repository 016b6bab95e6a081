"""The loop engine of ``migrate_pages()`` (v4.14 .. v6.2).

Up to 10 passes over the list; from the fourth pass on ("force") the engine may
sleep on a page lock and wait for writeback. -EAGAIN keeps a folio for the next
pass, -ENOMEM stops the call (after trying to split a THP, from 4.17), other
errors fail the folio for good. The batched engine reuses :func:`loop_passes`
for hugetlb folios.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

from migratelab.kernel import errno as E
from migratelab.kernel.events import Event, MigratePass, ThpSplit
from migratelab.kernel.folio import Folio
from migratelab.kernel.huge_memory import split_huge_page
from migratelab.kernel.migrate_folio import (
    NR_PASSES,
    MigrateCall,
    count_split,
    emit,
    final_count,
    flush_events,
    record_failure,
    unmap_and_move,
)
from migratelab.kernel.reasons import Reason

if TYPE_CHECKING:
    from migratelab.kernel.machine import Kernel


def loop_passes(k: Kernel, call: MigrateCall, work: list[Folio], phase: str,
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
        emit(call, MigratePass(phase=phase, number=pass_no + 1, folios=len(work)))
        retry: list[Folio] = []
        queue = list(work)  # may grow: inline THP splits append their tails
        i = 0
        while i < len(queue):
            folio = queue[i]
            i += 1
            rc = unmap_and_move(k, call, folio, force=pass_no > 2, sync=True)
            if call.events:
                yield from flush_events(call)
            if rc == 0:
                continue
            if rc == -E.EAGAIN:
                retry.append(folio)
                continue
            if rc == -E.ENOMEM and folio.is_thp and prof.thp_on_enomem != "abort":
                pieces = split_huge_page(k, folio)
                if pieces is None:
                    record_failure(k, call, folio, count_failures)
                    call.fatal = Reason.SPLIT_FAILED
                    emit(call, ThpSplit(pfn=folio.pfn, pieces=0, where="none",
                                        reason=Reason.SPLIT_FAILED))
                    work[:] = [*retry, folio, *queue[i:], *failed_for_good]
                    return -prof.thp_split_failure_errno
                count_split(k, call, folio)
                if side is not None:
                    side.extend(pieces)
                    emit(call, ThpSplit(pfn=folio.pfn, pieces=len(pieces), where="side list",
                                        reason=Reason.SPLIT_NO_TARGET_THP))
                else:
                    queue.insert(i, pieces[0])
                    queue.extend(pieces[1:])
                    emit(call, ThpSplit(pfn=folio.pfn, pieces=len(pieces),
                                        where="same list (head retried now, tails at the end)",
                                        reason=Reason.SPLIT_NO_TARGET_THP))
                continue
            if rc == -E.ENOMEM:
                record_failure(k, call, folio, count_failures)
                work[:] = [*retry, folio, *queue[i:], *failed_for_good]
                return -E.ENOMEM
            failed_for_good.append(folio)
            record_failure(k, call, folio, count_failures)
        work[:] = retry
    for folio in work:
        record_failure(k, call, folio, count_failures)
    work.extend(failed_for_good)
    return 0


def migrate_loop(k: Kernel, call: MigrateCall, folios: list[Folio]
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
    rc = yield from loop_passes(k, call, folios, "sync", True, side)
    if rc == 0 and side:
        rc = yield from loop_passes(k, call, side, "split pieces", False, None)
        folios.extend(side)
    elif side:
        folios.extend(side)
    if rc < 0:
        return rc
    return final_count(k, call, folios)
