"""One entry of a request: look the page up, then isolate it (mm/gup.c, mm/migrate.c).

:func:`follow_page` finds what is mapped at an address; :func:`add_page_for_migration`
decides what the entry reports and isolates the folio onto the run's list. Both
return a :class:`~migratelab.kernel.reasons.Reason` with the result, so no caller
has to interpret text; the words are in :mod:`migratelab.kernel.explanations`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from migratelab.kernel import errno as E
from migratelab.kernel.folio import (
    HPAGE_NR,
    HUGE_ZERO_PAGE,
    PG_ISOLATED,
    SWAP_ENTRY,
    ZERO_PAGE,
    Folio,
)
from migratelab.kernel.migrate import isolate_hugetlb
from migratelab.kernel.mm import PAGE_SHIFT, Mm, Vma
from migratelab.kernel.reasons import Reason

if TYPE_CHECKING:
    from migratelab.kernel.machine import Kernel

#: add_page_for_migration: the folio was isolated and queued on the run's list.
QUEUED = 1


def follow_page(k: Kernel, vma: Vma, addr: int) -> tuple[int, Folio | None, int, Reason]:
    """Look up the page mapped at ``addr``: (0 or -errno, folio, subpage index, reason).

    Pre-6.12 kernels use ``follow_page(FOLL_GET | FOLL_DUMP)``; 6.12 uses
    ``folio_walk``. They differ for untouched anonymous memory and PROT_NONE
    entries, both switches of the profile. The reason is ``ISOLATED`` (a
    placeholder: nothing decided yet) when a folio is found.
    """
    prof = k.profile
    idx = (addr - vma.start) >> PAGE_SHIFT
    entry = vma.pt[idx]
    if entry is None:
        if vma.is_anon:
            return -prof.untouched_anon_errno, None, 0, Reason.UNTOUCHED_ANON
        return -E.ENOENT, None, 0, Reason.NOT_PRESENT
    if entry is SWAP_ENTRY:
        return -E.ENOENT, None, 0, Reason.SWAPPED_OUT
    if entry is ZERO_PAGE:
        return -E.EFAULT, None, 0, Reason.ZERO_PAGE
    if entry is HUGE_ZERO_PAGE:
        return -E.EFAULT, None, 0, Reason.HUGE_ZERO_PAGE
    assert isinstance(entry, Folio)
    if vma.prot == "none" and prof.prot_none == "enoent":
        # follow_page_pte refuses a protnone PTE (NULL: -ENOENT); a PMD-mapped THP
        # fails earlier in follow_pmd_mask -> no_page_table(), which with FOLL_DUMP
        # gives -EFAULT on an anon VMA (kernel-notes section 5, simulator rule).
        if entry.is_thp and vma.is_anon and _pmd_mapped(vma, entry, addr):
            return -E.EFAULT, None, 0, Reason.PROT_NONE_PMD
        return -E.ENOENT, None, 0, Reason.PROT_NONE
    sub = ((addr >> PAGE_SHIFT) % HPAGE_NR) if entry.order else 0
    return 0, entry, sub, Reason.ISOLATED


def _pmd_mapped(vma: Vma, folio: Folio, addr: int) -> bool:
    """The THP is mapped by one PMD here: the VMA spans its whole aligned 2 MiB range
    and no subpage was unmapped (a split VMA or a partial munmap leaves PTEs)."""
    lo = addr >> PAGE_SHIFT
    lo -= lo % HPAGE_NR
    return (vma.start >> PAGE_SHIFT <= lo and lo + HPAGE_NR <= vma.end >> PAGE_SHIFT
            and not folio.is_partially_mapped())


def is_shared(k: Kernel, folio: Folio, sub: int) -> bool:
    """The page counts as mapped by more than one process (``shared_test``)."""
    if folio.submaps is None:
        return folio.mapcount > 1
    if k.profile.shared_test == "page_mapcount":
        return folio.submaps[sub] > 1
    return folio.submaps[0] > 1  # folio_likely_mapped_shared looks at the first page


def isolation_failure(folio: Folio) -> Reason:
    """Why ``folio_isolate_lru`` refused this folio."""
    if folio.flags & PG_ISOLATED:
        return Reason.THP_HEAD_ISOLATED if folio.is_thp else Reason.ALREADY_ISOLATED
    if folio.pvec_cpu >= 0:
        return Reason.IN_PAGEVEC
    return Reason.NOT_ON_LRU


def add_page_for_migration(k: Kernel, mm: Mm, addr: int, node: int, migrate_all: bool,
                           pagelist: list[Folio]) -> tuple[int, Reason, Folio | None]:
    """Classify one entry: (QUEUED, 0 for "already on node", or -errno; reason; folio)."""
    vma = mm.find_vma(addr)
    if vma is None:
        return -E.EFAULT, Reason.NO_VMA, None
    if not vma.migratable:
        return -E.EFAULT, Reason.VMA_NOT_MIGRATABLE, None
    err, folio, sub, reason = follow_page(k, vma, addr)
    if folio is None:
        return err, reason, None
    if folio.node == node:
        return 0, Reason.ALREADY_ON_TARGET, folio
    if not migrate_all and is_shared(k, folio, sub):
        return -E.EACCES, Reason.SHARED_NO_MOVE_ALL, folio
    prof = k.profile
    if folio.is_hugetlb:
        if sub != 0 and prof.hugetlb_tail == "eacces":
            return -E.EACCES, Reason.HUGETLB_TAIL, folio
        if isolate_hugetlb(folio, pagelist):
            return QUEUED, Reason.HUGETLB_ISOLATED, folio
        if prof.hugetlb_isolate_failure == "ebusy":
            return -E.EBUSY, Reason.HUGETLB_ALREADY_ISOLATED, folio
        return QUEUED, Reason.HUGETLB_ISOLATE_IGNORED, folio
    if not k.lru.isolate(folio):
        return -E.EBUSY, isolation_failure(folio), folio
    pagelist.append(folio)
    return QUEUED, Reason.ISOLATED, folio
