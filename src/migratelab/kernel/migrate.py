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

One folio's attempt is :mod:`migratelab.kernel.migrate_folio`; the engines are
:mod:`migratelab.kernel.migrate_loop` and :mod:`migratelab.kernel.migrate_batch`.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

from migratelab.kernel.events import Event, MigrateEnd, MigrateStart
from migratelab.kernel.folio import Folio
from migratelab.kernel.huge_memory import split_huge_page
from migratelab.kernel.migrate_batch import migrate_batched
from migratelab.kernel.migrate_folio import (
    MigrateCall,
    end_isolation,
    flush_events,
    isolate_hugetlb,
    unmap_and_move,
)
from migratelab.kernel.migrate_loop import migrate_loop

if TYPE_CHECKING:
    from migratelab.kernel.machine import Kernel


def migrate_pages(k: Kernel, folios: list[Folio], call: MigrateCall
                  ) -> Generator[Event, None, int]:
    """Migrate every folio on ``folios``; see the module docstring for the rules."""
    yield MigrateStart(node=call.node, folios=len(folios), mode=call.mode,
                       reason=call.reason)
    if k.profile.migrate_engine == "batched":
        rc = yield from migrate_batched(k, call, folios)
    else:
        rc = yield from migrate_loop(k, call, folios)
    yield from flush_events(call)
    prof = k.profile
    k.vmstat["pgmigrate_success"] += call.succeeded
    k.vmstat["pgmigrate_fail"] += call.failed_pages
    if prof.thp_vmstat:
        k.vmstat["thp_migration_success"] += call.thp_succeeded
        k.vmstat["thp_migration_fail"] += call.thp_failed
        k.vmstat["thp_migration_split"] += call.thp_split
    yield MigrateEnd(succeeded=call.succeeded, failed=call.failed_pages,
                     thp_succeeded=call.thp_succeeded, thp_failed=call.thp_failed,
                     thp_split=call.thp_split, ret=rc, mode=call.mode, reason=call.reason)
    return rc


def putback_movable_pages(k: Kernel, folios: list[Folio], cpu: int) -> None:
    """Return the folios a failed migration left on the list to where they came
    from: LRU folios to their LRU (through ``cpu``'s pagevec where the profile
    says), hugetlb folios just lose their isolation."""
    via_pvec = k.profile.putback_via_pagevec and not k.lru.disabled
    for folio in folios:
        if folio.is_hugetlb:
            end_isolation(k, folio, folio.node)
        else:
            k.lru.putback(folio, cpu, via_pvec, folio.node)
            if folio.refcount <= 0:
                k.free_folio(folio)


__all__ = ["MigrateCall", "end_isolation", "isolate_hugetlb", "migrate_pages",
           "putback_movable_pages", "split_huge_page", "unmap_and_move"]

