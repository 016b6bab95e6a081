"""Page faults (mm/memory.c, mm/huge_memory.c, mm/filemap.c, mm/hugetlb.c).

A touch of a page faults it in as the kernel would: the zero page for a read of
anonymous memory (the huge zero page in a MADV_HUGEPAGE range), a THP for a
write to an eligible 2 MiB range when the policy's node has a free 2 MiB block,
a base page otherwise; page-cache pages for files and shmem, with fault-around
on read faults; hugetlb pages from the pool. Copy-on-write copies one 4 KiB
page at a time, a shared THP included (the kernel splits the writer's PMD).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from migratelab.kernel.folio import (
    ANON,
    FILE,
    HPAGE_NR,
    HUGE_ZERO_PAGE,
    PG_DIRTY,
    PG_LAZYFREE,
    PG_LRU,
    PG_MLOCKED,
    PG_UNEVICTABLE,
    SHMEM,
    SWAP_ENTRY,
    ZERO_PAGE,
    Folio,
    PteValue,
)
from migratelab.kernel.mm import (
    PAGE_SHIFT,
    FaultError,
    Process,
    Vma,
    map_folio,
    zap_range,
)
from migratelab.kernel.mpol import MemPolicy

if TYPE_CHECKING:
    from migratelab.kernel.machine import Kernel


def _policy_for(proc: Process, vma: Vma) -> MemPolicy:
    if vma.backing is not None and vma.backing.fs == "ext4":
        return proc.policy  # page cache follows the task, not the VMA
    if vma.backing is not None and vma.shared and vma.backing.policy is not None:
        return vma.backing.policy
    return vma.policy or proc.policy


def _candidates(k: Kernel, proc: Process, vma: Vma, idx: int, huge: bool) -> list[int]:
    local = k.cpus[proc.cpu].node
    ilx = vma.pgoff + idx
    if huge:
        ilx //= HPAGE_NR
    return _policy_for(proc, vma).candidates(local, len(k.nodes), ilx)


def _thp_eligible(k: Kernel, vma: Vma, idx: int) -> bool:
    if not vma.is_anon or vma.prot == "none" or vma.hugepage == "nohugepage":
        return False
    if k.thp_mode == "never" or (k.thp_mode == "madvise" and vma.hugepage != "hugepage"):
        return False
    lo = _pmd_start(vma, idx)
    if lo < 0 or lo + HPAGE_NR > vma.npages:
        return False
    return all(vma.pt[i] is None or vma.pt[i] is HUGE_ZERO_PAGE for i in range(lo, lo + HPAGE_NR))


def _new_anon_page(k: Kernel, proc: Process, vma: Vma, idx: int) -> Folio:
    folio = k.alloc_base(ANON, _candidates(k, proc, vma, idx, huge=False))
    if folio is None:
        raise FaultError("out of memory (the OOM killer would run)")
    folio.flags |= PG_DIRTY
    if vma.locked:
        folio.flags |= PG_MLOCKED | PG_UNEVICTABLE
    return folio


def _add_new(k: Kernel, proc: Process, folio: Folio) -> None:
    """Fresh folios enter the LRU through the faulting CPU's pagevec."""
    k.lru.lru_cache_add(folio, proc.cpu)


def _try_thp(k: Kernel, proc: Process, vma: Vma, idx: int) -> bool:
    """do_huge_pmd_anonymous_page: a THP on the policy's first node, or nothing."""
    node = _candidates(k, proc, vma, idx, huge=True)[0]
    folio = k.alloc_thp(ANON, node)
    if folio is None:
        k.vmstat["thp_fault_fallback"] += 1
        return False
    k.vmstat["thp_fault_alloc"] += 1
    folio.flags |= PG_DIRTY
    if vma.locked:
        folio.flags |= PG_MLOCKED | PG_UNEVICTABLE
    lo = _pmd_start(vma, idx)
    for i in range(lo, lo + HPAGE_NR):
        map_folio(folio, vma, i, new_mapper=(i == lo))
    _add_new(k, proc, folio)
    return True


def handle_mm_fault(k: Kernel, proc: Process, addr: int, write: bool) -> None:
    """Fault one page in, as a touch by the process would."""
    assert proc.mm is not None
    vma = proc.mm.find_vma(addr)
    if vma is None:
        raise FaultError(f"SIGSEGV: no mapping at {addr:#x}")
    if vma.prot == "none" or (write and vma.prot == "r"):
        raise FaultError(f"SIGSEGV: {vma.prot} mapping at {addr:#x}")
    k.vmstat["pgfault"] += 1
    idx = vma.index(addr)
    entry = vma.pt[idx]
    if vma.kind == "hugetlb":
        _hugetlb_fault(k, proc, vma, idx, write)
    elif vma.kind == "anon":
        _anon_fault(k, proc, vma, idx, entry, write)
    elif vma.kind == "io":
        raise FaultError("a VM_IO mapping has no pages to fault in")
    else:
        _file_fault(k, proc, vma, idx, entry, write)


def _anon_fault(k: Kernel, proc: Process, vma: Vma, idx: int, entry: PteValue,
                write: bool) -> None:
    if entry is None and _thp_eligible(k, vma, idx):
        if write and _try_thp(k, proc, vma, idx):
            return
        if not write:
            lo = _pmd_start(vma, idx)
            for i in range(lo, lo + HPAGE_NR):
                vma.pt[i] = HUGE_ZERO_PAGE
            return
    if entry is HUGE_ZERO_PAGE:
        if not write:
            return
        # a write splits the huge zero PMD into zero-page PTEs and copies one page
        lo = _pmd_start(vma, idx)
        for i in range(lo, lo + HPAGE_NR):
            if vma.pt[i] is HUGE_ZERO_PAGE:
                vma.pt[i] = ZERO_PAGE
        entry = ZERO_PAGE
    if entry is None and not write:
        vma.pt[idx] = ZERO_PAGE
        return
    if entry is ZERO_PAGE or entry is SWAP_ENTRY or entry is None:
        if not write and entry is ZERO_PAGE:
            return
        folio = _new_anon_page(k, proc, vma, idx)
        map_folio(folio, vma, idx, new_mapper=True)
        _add_new(k, proc, folio)
        return
    assert isinstance(entry, Folio)
    if write and entry.mapcount > 1 and entry.kind == ANON:
        _cow(k, proc, vma, idx, entry)
    elif write and entry.flags & PG_LAZYFREE:
        _cancel_lazyfree(k, entry)


def _cancel_lazyfree(k: Kernel, folio: Folio) -> None:
    """A write into MADV_FREE'd memory dirties it again: reclaim would keep it."""
    on_lru = bool(folio.flags & PG_LRU)
    if on_lru:
        k.lru.vecs[folio.node].remove(folio)
    folio.flags = (folio.flags & ~PG_LAZYFREE) | PG_DIRTY
    if on_lru:
        k.lru.vecs[folio.node].add(folio)


def _pmd_start(vma: Vma, idx: int) -> int:
    """Index in the VMA of the first page of the 2 MiB range containing ``idx``."""
    vpn0 = ((vma.start >> PAGE_SHIFT) + idx) // HPAGE_NR * HPAGE_NR
    return vpn0 - (vma.start >> PAGE_SHIFT)


def _cow(k: Kernel, proc: Process, vma: Vma, idx: int, old: Folio) -> None:
    """Break copy-on-write for this process, one 4 KiB page at a time.

    For a THP shared after fork the kernel (5.8+) splits the writer's PMD into
    PTEs and copies only the written page; the THP stays mapped by both
    processes everywhere else. Page tables here are per page already, so only
    that one entry changes.
    """
    zap_range(k, proc, vma, idx, idx + 1)
    folio = _new_anon_page(k, proc, vma, idx)
    map_folio(folio, vma, idx, new_mapper=True)
    _add_new(k, proc, folio)


def _file_fault(k: Kernel, proc: Process, vma: Vma, idx: int, entry: PteValue,
                write: bool) -> None:
    backing = vma.backing
    assert backing is not None
    if isinstance(entry, Folio):
        if write and not vma.shared and entry.kind != ANON:
            _private_file_cow(k, proc, vma, idx, entry)
        elif write:
            entry.flags |= PG_DIRTY
        return
    folio = page_cache_get(k, proc, vma, idx)
    if write and not vma.shared:
        map_folio(folio, vma, idx, new_mapper=True)
        _private_file_cow(k, proc, vma, idx, folio)
        return
    if write:
        folio.flags |= PG_DIRTY
    map_folio(folio, vma, idx, new_mapper=True)
    if not write:
        _fault_around(vma, idx)


#: fault_around_bytes: a read fault on a file also maps cached neighbours.
FAULT_AROUND_PAGES = 16


def _fault_around(vma: Vma, idx: int) -> None:
    """do_fault_around(): map the pages of the aligned 64 KiB window around a read
    fault that are already in the page cache (clipped to the VMA and to the 2 MiB
    page table). Nothing new is read in."""
    backing = vma.backing
    assert backing is not None
    vpn = (vma.start >> PAGE_SHIFT) + idx
    first = max(vpn - vpn % FAULT_AROUND_PAGES, vpn - vpn % HPAGE_NR)
    last = min(first + FAULT_AROUND_PAGES, vpn - vpn % HPAGE_NR + HPAGE_NR)
    base = vma.start >> PAGE_SHIFT
    for v in range(max(first, base), min(last, vma.end >> PAGE_SHIFT)):
        i = v - base
        if vma.pt[i] is not None:
            continue
        cached = backing.cache.get(vma.pgoff + i)
        if cached is not None:
            map_folio(cached, vma, i, new_mapper=True)


def page_cache_get(k: Kernel, proc: Process, vma: Vma, idx: int) -> Folio:
    """Find or create the page-cache folio behind a file or shmem page."""
    backing = vma.backing
    assert backing is not None
    pgidx = vma.pgoff + idx
    folio = backing.cache.get(pgidx)
    if folio is not None:
        return folio
    kind = FILE if backing.fs == "ext4" else SHMEM
    folio = k.alloc_base(kind, _candidates(k, proc, vma, idx, huge=False))
    if folio is None:
        raise FaultError("out of memory (page cache)")
    folio.mapping = backing
    folio.index = pgidx
    folio.refcount += 1  # the page cache's reference
    backing.cache[pgidx] = folio
    if vma.locked:
        folio.flags |= PG_MLOCKED | PG_UNEVICTABLE
    _add_new(k, proc, folio)
    return folio


def _private_file_cow(k: Kernel, proc: Process, vma: Vma, idx: int, old: Folio) -> None:
    zap_range(k, proc, vma, idx, idx + 1)
    folio = _new_anon_page(k, proc, vma, idx)
    map_folio(folio, vma, idx, new_mapper=True)
    _add_new(k, proc, folio)


def _hugetlb_fault(k: Kernel, proc: Process, vma: Vma, idx: int, write: bool) -> None:
    lo = idx // HPAGE_NR * HPAGE_NR
    entry = vma.pt[lo]
    if isinstance(entry, Folio):
        if write and not vma.shared and entry.mapcount > 1:
            _hugetlb_cow(k, proc, vma, lo, entry)
        return
    backing = vma.backing
    assert backing is not None
    pgidx = (vma.pgoff + lo) // HPAGE_NR
    folio = backing.cache.get(pgidx) if vma.shared else None
    if folio is None:
        folio = _alloc_huge(k, proc, vma, lo, "no free huge page in the allowed nodes' pools")
        folio.flags |= PG_DIRTY
        if vma.shared:
            folio.mapping = backing
            folio.index = pgidx
            folio.refcount += 1
            backing.cache[pgidx] = folio
    for i in range(lo, lo + HPAGE_NR):
        map_folio(folio, vma, i, new_mapper=(i == lo))


def _alloc_huge(k: Kernel, proc: Process, vma: Vma, lo: int, why: str) -> Folio:
    """A huge page from the pool of the first policy node that has one, or SIGBUS."""
    for node in _candidates(k, proc, vma, lo, huge=True):
        folio = k.alloc_hugetlb(node)
        if folio is not None:
            return folio
    raise FaultError(f"SIGBUS: {why}")


def _hugetlb_cow(k: Kernel, proc: Process, vma: Vma, lo: int, old: Folio) -> None:
    new = _alloc_huge(k, proc, vma, lo, "no free huge page for copy-on-write")
    zap_range(k, proc, vma, lo, lo + HPAGE_NR)
    for i in range(lo, lo + HPAGE_NR):
        map_folio(new, vma, i, new_mapper=(i == lo))
