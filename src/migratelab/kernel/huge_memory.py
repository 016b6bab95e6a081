"""THP splitting (mm/huge_memory.c): on a migration list, and by the shrinker.

``split_huge_page`` turns one THP into 512 base folios at the same frames. Every
page table that mapped a subpage now maps the matching piece. A piece that no
process maps any more is freed at once when the THP was on the LRU; when the
THP was isolated for migration, each piece inherits an isolation reference
and an unmapped piece is left for ``migrate_pages`` to count as "freed under
us" (which is why a pre-split THP reports all 512 pages as migrated).

``deferred_split_scan`` is the shrinker that splits partially mapped THPs when
memory runs short. The deferred split queue belongs to the memory cgroup, not
to the node, so pressure on one node splits such THPs everywhere; the
simulator runs it when ``fill_node`` squeezes a node, as the real harness's
fill does (oracle scenario 59).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from migratelab.kernel.folio import (
    ANON,
    HPAGE_NR,
    PG_ISOLATED,
    PG_LOCKED,
    PG_LRU,
    PG_PARTIALLY_MAPPED,
    PG_PTE_MAPPED,
    Folio,
)
from migratelab.kernel.physmem import FRAME_ANON

if TYPE_CHECKING:
    from migratelab.kernel.machine import Kernel

PAGE_SHIFT = 12


def split_huge_page(k: Kernel, folio: Folio) -> list[Folio] | None:
    """Split a THP into 512 base folios; None if it cannot be split (extra pins
    or a page lock held by someone else: can_split_folio() fails)."""
    if folio.pins or folio.flags & PG_LOCKED:
        return None
    isolated = bool(folio.flags & PG_ISOLATED)
    on_lru = bool(folio.flags & PG_LRU)
    if on_lru:
        k.lru.vecs[folio.node].remove(folio)
    k.mem(folio.node).split_block(folio.pfn, FRAME_ANON)
    keep = folio.flags & ~(PG_PARTIALLY_MAPPED | PG_PTE_MAPPED | PG_LRU | PG_ISOLATED)
    pieces: list[Folio] = []
    for i in range(HPAGE_NR):
        piece = k.new_folio(ANON, 0, folio.node, folio.pfn + i)
        piece.flags = keep
        if isolated:
            piece.flags |= PG_ISOLATED
            piece.refcount = 1  # the isolation reference each piece inherits
        pieces.append(piece)
    for proc in k.processes.values():
        if proc.mm is None:
            continue
        for vma in proc.mm.vmas:
            base = vma.start >> PAGE_SHIFT
            pt = vma.pt
            for idx, entry in enumerate(pt):
                if entry is folio:
                    piece = pieces[(base + idx) % HPAGE_NR]
                    pt[idx] = piece
                    piece.mapcount += 1
                    piece.refcount += 1
    k.large_folios.discard(folio)
    folio.refcount = 0
    k.vmstat["thp_split_page"] += 1
    if not isolated:
        for piece in pieces:
            if piece.refcount:
                k.lru.vecs[piece.node].add(piece)
            else:
                k.free_folio(piece)
    return pieces


def deferred_split_scan(k: Kernel) -> int:
    """Split every partially mapped THP that is not isolated or pinned; returns
    how many were split."""
    split = 0
    for folio in list(k.large_folios):
        if (folio.is_thp and folio.flags & PG_PARTIALLY_MAPPED
                and not folio.flags & PG_ISOLATED and split_huge_page(k, folio) is not None):
            split += 1
            k.vmstat["thp_deferred_split_page"] += 1
    return split
