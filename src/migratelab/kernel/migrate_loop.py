"""The loop engine of ``migrate_pages()`` (v4.14 .. v6.2).

Up to 10 passes over the list; from the fourth pass on ("force") the engine may
sleep on a page lock and wait for writeback. -EAGAIN keeps a folio for the next
pass, -ENOMEM stops the call (after trying to split a THP, from 4.17), other
errors fail the folio for good. The batched engine reuses :func:`loop_passes`
for hugetlb folios.

Simplified: up to 5.10 a folio that failed for good was put back on the LRU at
once, inside ``unmap_and_move()``; dd4ae78a21fc ("mm: migrate: simplify the
logic for handling permanent failure", 5.11) moved it to a ``ret`` list that
the caller puts back. The engine keeps the ``ret`` list on every profile: it
only shows while a call runs, and the outcome is the same.
"""

from __future__ import annotations

from collections import deque
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

    Each pass walks the list once. As in the kernel, a folio leaves the list the
    moment its attempt ends: a migrated (or freed) folio is gone, one asking for
    a retry stays for the next pass, one that failed for good waits on the
    ``ret`` list. While a pass runs, ``work`` is split into those lists (all
    tracked, so every folio is on exactly one). On return ``work`` holds exactly
    the folios left for the caller to put back (those still retrying, those
    that failed for good and, after a negative return, those never reached).
    """
    queue: deque[Folio] = deque()  # not yet tried in this pass
    retry: list[Folio] = []
    failed_for_good: list[Folio] = []
    with k.tracking(retry, queue, failed_for_good):
        try:
            return (yield from _passes(k, call, work, phase, count_failures, side,
                                       queue, retry, failed_for_good))
        finally:
            # the kernel splices what is left back for the caller (ret_folios)
            work.extend([*retry, *queue, *failed_for_good])
            retry.clear()
            queue.clear()
            failed_for_good.clear()


def _passes(k: Kernel, call: MigrateCall, work: list[Folio], phase: str,
            count_failures: bool, side: list[Folio] | None, queue: deque[Folio],
            retry: list[Folio], failed_for_good: list[Folio]
            ) -> Generator[Event, None, int]:
    prof = k.profile
    for pass_no in range(NR_PASSES):
        if not work:
            break
        emit(call, MigratePass(phase=phase, number=pass_no + 1, folios=len(work)))
        yield from flush_events(call)  # the pass begins before its first folio is tried
        queue.extend(work)
        work.clear()
        while queue:
            folio = queue[0]
            rc = yield from unmap_and_move(k, call, folio, force=pass_no > 2, sync=True)
            if rc != -E.ENOMEM:
                queue.popleft()  # list_del: moved, freed, or on to another list
                if rc == -E.EAGAIN:
                    retry.append(folio)
                elif rc:
                    failed_for_good.append(folio)
                    record_failure(k, call, folio, count_failures)
            if call.events:
                yield from flush_events(call)
            if rc != -E.ENOMEM:
                continue
            if folio.is_thp and prof.thp_on_enomem != "abort":
                pieces = split_huge_page(k, folio)
                if pieces is None:
                    record_failure(k, call, folio, count_failures)
                    call.fatal = Reason.SPLIT_FAILED
                    emit(call, ThpSplit(pfn=folio.pfn, pieces=0, where="none",
                                        reason=Reason.SPLIT_FAILED))
                    return -prof.thp_split_failure_errno
                count_split(k, call, folio)
                queue.popleft()
                if side is not None:
                    side.extend(pieces)
                    emit(call, ThpSplit(pfn=folio.pfn, pieces=len(pieces), where="side list",
                                        reason=Reason.SPLIT_NO_TARGET_THP))
                else:
                    queue.appendleft(pieces[0])
                    queue.extend(pieces[1:])
                    emit(call, ThpSplit(pfn=folio.pfn, pieces=len(pieces),
                                        where="same list (head retried now, tails at the end)",
                                        reason=Reason.SPLIT_NO_TARGET_THP))
                yield from flush_events(call)  # split, before a piece is tried
                continue
            record_failure(k, call, folio, count_failures)
            return -E.ENOMEM
        work.extend(retry)
        retry.clear()
    for folio in work:
        record_failure(k, call, folio, count_failures)
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
