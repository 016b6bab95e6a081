"""v4.14's ``do_pages_move``: fixed chunks, one ``migrate_pages()`` call per chunk.

Before 4.17 the request was cut into chunks of 169 entries (a page of
``struct page_to_node``). ``do_move_page_to_node_array`` looked up and isolated a
whole chunk, migrated it in one call with each page going to its own entry's
node, and copied every status out at the end, migration errors included.
"""

from __future__ import annotations

from collections.abc import Generator

from migratelab.kernel import errno as E
from migratelab.kernel.add_page import follow_page, is_shared, isolation_failure
from migratelab.kernel.events import (
    BatchFlush,
    ChunkStart,
    EntryResult,
    Event,
    PageIsolated,
    Putback,
    StatusNotStored,
    StatusStore,
)
from migratelab.kernel.folio import Folio
from migratelab.kernel.migrate import (
    MigrateCall,
    isolate_hugetlb,
    migrate_pages,
    putback_movable_pages,
)
from migratelab.kernel.pages_move import MoveState, check_node
from migratelab.kernel.reasons import Reason


def do_pages_move_chunked(mv: MoveState) -> Generator[Event, None, int]:
    """v4.14: chunks of 169 entries, one ``migrate_pages`` per chunk (section 4.1)."""
    k = mv.k
    size = k.profile.chunk_entries
    for chunk_start in range(0, mv.n, size):
        chunk_n = min(size, mv.n - chunk_start)
        yield ChunkStart(start=chunk_start, count=chunk_n)
        for j in range(chunk_start, chunk_start + chunk_n):
            if j >= len(mv.pages) or j >= len(mv.nodes):
                # the chunk is copied in before anything is looked at: it is dropped
                mv.reason = Reason.ARRAY_UNREADABLE
                yield StatusNotStored(start=chunk_start, end=mv.n,
                                      reason=Reason.ARRAY_UNREADABLE)
                return -E.EFAULT
            invalid = check_node(k, mv.task, j, mv.nodes[j])
            if invalid is not None:
                mv.reason = invalid.reason
                yield invalid
                return -E.BY_NAME[invalid.errno]
        err = yield from do_move_page_to_node_array(mv, chunk_start, chunk_n)
        if err < 0:
            return err
    return 0


def do_move_page_to_node_array(mv: MoveState, base: int, count: int
                               ) -> Generator[Event, None, int]:
    """Look up and isolate a whole chunk, migrate it in one call, copy statuses out."""
    k = mv.k
    pm_status = [0] * count
    pm_page: list[Folio | None] = [None] * count
    pagelist = mv.pagelist
    for j in range(count):
        i = base + j
        node = mv.nodes[i]
        addr = mv.pages[i]
        vma = mv.mm.find_vma(addr)
        if vma is None or not vma.migratable:
            pm_status[j] = -E.EFAULT
            reason = Reason.NO_VMA if vma is None else Reason.VMA_NOT_MIGRATABLE
        else:
            err, folio, sub, reason = follow_page(k, vma, addr)
            if folio is None:
                pm_status[j] = err
            elif folio.node == node:
                pm_status[j] = node
                reason = Reason.ALREADY_ON_TARGET
            elif not mv.migrate_all and is_shared(k, folio, sub):
                pm_status[j] = -E.EACCES
                reason = Reason.SHARED_NO_MOVE_ALL
            elif folio.is_hugetlb and sub != 0:
                pm_status[j] = -E.EACCES
                reason = Reason.HUGETLB_TAIL
            elif folio.is_hugetlb or k.lru.isolate(folio):
                if folio.is_hugetlb:
                    queued = isolate_hugetlb(folio, pagelist)  # v4.14 ignores the result
                    reason = Reason.HUGETLB_ISOLATED if queued else \
                        Reason.HUGETLB_ISOLATE_IGNORED
                else:
                    pagelist.append(folio)
                    reason = Reason.ISOLATED
                pm_page[j] = folio
                pm_status[j] = 0
                if mv.detail:
                    yield PageIsolated(index=i, addr=addr, pfn=folio.pfn, node=folio.node,
                                       nr_pages=folio.nr_pages, folio=folio.label(),
                                       reason=reason)
                continue
            else:
                pm_page[j] = folio
                pm_status[j] = -E.EBUSY
                reason = isolation_failure(folio)
        if mv.detail:
            yield EntryResult(index=i, addr=addr, status=pm_status[j], reason=reason)
    err = 0
    if pagelist:
        first: dict[Folio, int] = {}
        for j, folio in enumerate(pm_page):
            if folio is not None and folio not in first:
                first[folio] = j

        def target(folio: Folio) -> int | None:
            j = first.get(folio)
            return None if j is None else mv.nodes[base + j]

        def on_result(folio: Folio, rc: int, node: int) -> None:
            # unmap_and_move writes page_to_nid(newpage): the node the target was
            # allocated on. A page "freed under us" is a success whose folio never
            # moved, so its own node would be the stale source (kernel-notes 6, F24).
            j = first.get(folio)
            if j is not None:
                pm_status[j] = rc if rc else node

        yield BatchFlush(node=-1, start=base, end=base + count, folios=len(pagelist),
                         why="whole chunk, each page to its own entry's node")
        mv.calls += 1
        call = MigrateCall(target=target, cpu=mv.cpu, node=-1, detail=mv.detail,
                           on_result=on_result)
        err = yield from migrate_pages(k, pagelist, call)
        if err < 0 and mv.reason is None:
            mv.reason = call.fatal
        if err and pagelist:
            yield Putback(folios=len(pagelist))
            putback_movable_pages(k, pagelist, mv.cpu)
        pagelist.clear()
    if err < 0:
        yield StatusNotStored(start=base, end=base + count,
                              reason=Reason.CHUNK_STATUS_DROPPED)
        return err
    mv.status[base:base + count] = pm_status
    yield StatusStore(start=base, end=base + count, value=-1)
    return 0
