"""madvise(2) (mm/madvise.c, with the reclaim it triggers from mm/vmscan.c).

The real kernels behind the conformance results run without swap, and so does a
:class:`~migratelab.kernel.machine.MachineSpec` unless it sets ``swap``. What each
advice does here, as on 6.1 and 6.12 (oracle scenarios 71-76):

* ``dontneed``: unmap the range. Anonymous pages are freed; page-cache pages
  (tmpfs, shmem, ext4, shared hugetlb) stay cached, so a later read fault maps
  them back (with fault-around). Refused (EINVAL) on mlocked VMAs; on hugetlb
  the start must be huge-page aligned and the end is rounded down.
* ``free`` (lazy free): private anonymous memory only (EINVAL elsewhere). Pages
  stay mapped and migratable; they are marked clean and moved to the inactive
  file list, to be dropped by reclaim unless written again first (a write
  cancels the free). A THP covered whole is marked whole; one covered in part
  is split first. Pages mapped by another process are left alone.
* ``cold``: deactivate; ``pageout``: reclaim now. Both refuse mlocked and hugetlb
  VMAs, leave pages mapped by other processes alone, and split a THP the range
  covers only in part. Without swap, reclaim cannot free anonymous memory: an
  anonymous page is put back (activated), and an anonymous THP is split on the
  way ("fallback to swap normal pages"), so it comes back as 512 base pages.
  Page-cache pages are unmapped from every process and stay cached (shmem and
  dirty file pages) or are dropped (clean file pages).
* ``willneed``: reads an ext4 range into the page cache (not mapped); nothing for
  anonymous memory and shmem without swap.
* ``hugepage`` / ``nohugepage`` / ``mergeable`` / ``unmergeable``: VMA flags (KSM
  merges nothing: ksmd is not simulated).

Simplifications: no reclaim ever runs on its own, so lazily freed pages are only
dropped by nothing (they stay); 6.12's PTE-batched handling of a PTE-mapped THP
that a range covers whole is treated like 6.1's (it is split).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from migratelab.kernel import errno as E
from migratelab.kernel.folio import (
    ANON,
    FILE,
    HPAGE_NR,
    PG_ACTIVE,
    PG_DIRTY,
    PG_LAZYFREE,
    PG_LRU,
    PG_UNEVICTABLE,
    SWAP_ENTRY,
    Folio,
)
from migratelab.kernel.huge_memory import split_huge_page
from migratelab.kernel.memory import page_cache_get
from migratelab.kernel.mm import PAGE_SHIFT, PAGE_SIZE, Process, Vma, settle_large, zap_range

if TYPE_CHECKING:
    from migratelab.kernel.machine import Kernel

ADVICES = ("hugepage", "nohugepage", "dontneed", "willneed", "cold", "pageout",
           "mergeable", "unmergeable", "free")
#: Advices that change VMA flags, so the range's VMAs are split at its ends.
_VMA_ADVICES = ("hugepage", "nohugepage", "mergeable", "unmergeable")


def do_madvise(k: Kernel, proc: Process, addr: int, npages: int, advice: str
               ) -> tuple[int, list[str]]:
    """madvise(2): (0 or -errno, notes on what the simulator does not model)."""
    assert proc.mm is not None
    if advice not in ADVICES or addr % PAGE_SIZE or npages < 0:
        return -E.EINVAL, []
    notes: list[str] = []
    start, end = addr, addr + npages * PAGE_SIZE
    if advice in _VMA_ADVICES:
        try:
            vmas = proc.mm.range(start, end)
        except ValueError:
            return -E.EINVAL, notes
        for vma in vmas:
            if advice in ("hugepage", "nohugepage"):
                vma.hugepage = advice
            else:
                vma.mergeable = advice == "mergeable"
        if advice == "mergeable":
            notes.append("KSM is not simulated: MADV_MERGEABLE merges no pages")
        return 0, notes
    if advice in ("cold", "pageout", "free"):
        k.lru.drain_cpu(proc.cpu)  # lru_add_drain(): this CPU's pagevec first
    err = 0
    mapped = 0
    for vma in list(proc.mm.vmas):
        lo_addr, hi_addr = max(start, vma.start), min(end, vma.end)
        if lo_addr >= hi_addr:
            continue
        mapped += (hi_addr - lo_addr) >> PAGE_SHIFT
        lo, hi = vma.index(lo_addr), vma.index(hi_addr - 1) + 1
        rc = _advise_vma(k, proc, vma, lo, hi, advice)
        if rc:
            err = rc
            break
    settle_large(k)
    if not err and mapped < npages:
        err = -E.ENOMEM  # part of the range is not mapped
    return err, notes


def _advise_vma(k: Kernel, proc: Process, vma: Vma, lo: int, hi: int, advice: str) -> int:
    if advice == "willneed":
        if vma.backing is not None and vma.backing.fs == "ext4":
            for idx in range(lo, hi):
                page_cache_get(k, proc, vma, idx)  # readahead: cached, not mapped
        return 0
    if vma.kind == "hugetlb":
        if advice != "dontneed" or lo % HPAGE_NR:  # hugetlb VMAs start 2 MiB aligned
            return -E.EINVAL
        hi -= hi % HPAGE_NR  # the end is rounded down to a huge page
        if hi > lo:
            zap_range(k, proc, vma, lo, hi)
        return 0
    if vma.locked:
        return -E.EINVAL  # VM_LOCKED: no DONTNEED, FREE, COLD or PAGEOUT
    if advice == "dontneed":
        if hi > lo:
            zap_range(k, proc, vma, lo, hi)
        return 0
    if advice == "free" and not vma.is_anon:
        return -E.EINVAL
    _split_partial(k, vma, lo, hi)
    if advice == "pageout" and k.spec.swap:
        _swap_out(k, proc, vma, lo, hi)
        return 0
    seen: set[Folio] = set()
    cached: set[Folio] = set()
    for idx in range(lo, hi):
        entry = vma.pt[idx]
        if not isinstance(entry, Folio) or entry in seen or entry.is_hugetlb:
            continue
        seen.add(entry)
        if _mapcount(entry) != 1 or not entry.flags & PG_LRU:
            continue  # do not interfere with other mappings of this page
        if advice == "free":
            _mark_lazyfree(k, entry)
        elif advice == "cold":
            _relist(k, entry, clear=PG_ACTIVE)
        elif entry.kind is ANON:
            _reclaim_anon(k, entry)
        else:
            cached.add(entry)
    if cached:
        _reclaim_cache(k, cached)
    return 0


def _mapcount(folio: Folio) -> int:
    return folio.submaps[0] if folio.submaps is not None else folio.mapcount


def _split_partial(k: Kernel, vma: Vma, lo: int, hi: int) -> None:
    """A THP the range does not cover whole is split first (if this process alone
    maps it); one covered whole is handled as one folio."""
    base = vma.start >> PAGE_SHIFT
    for edge in (lo, hi - 1):
        entry = vma.pt[edge]
        if not isinstance(entry, Folio) or not entry.is_thp or _mapcount(entry) != 1:
            continue
        first = edge - (base + edge) % HPAGE_NR
        if first < lo or first + HPAGE_NR > hi:
            split_huge_page(k, entry)


def _relist(k: Kernel, folio: Folio, set_: int = 0, clear: int = 0) -> None:
    """Change flags that decide the LRU list, moving the folio to its new list."""
    vec = k.lru.vecs[folio.node]
    vec.remove(folio)
    folio.flags = (folio.flags | set_) & ~clear
    vec.add(folio)


def _mark_lazyfree(k: Kernel, folio: Folio) -> None:
    """mark_page_lazyfree(): clean, and onto the inactive file list."""
    if folio.kind is ANON and not folio.flags & PG_UNEVICTABLE:
        _relist(k, folio, set_=PG_LAZYFREE, clear=PG_ACTIVE | PG_DIRTY)


def _reclaim_anon(k: Kernel, folio: Folio) -> None:
    """shrink_folio_list() on an anonymous folio, without swap: add_to_swap() fails,
    so the folio is activated; a THP is split first ("fallback to swap normal
    pages") and each piece fails the same way."""
    pieces = split_huge_page(k, folio) if folio.is_thp else None
    for piece in pieces or [folio]:
        if piece.refcount and piece.flags & PG_LRU:
            _relist(k, piece, set_=PG_ACTIVE)


def _reclaim_cache(k: Kernel, folios: set[Folio]) -> None:
    """shrink_folio_list() on page-cache folios: try_to_unmap() from every process;
    shmem and dirty file pages stay cached (no swap, no writeback here), clean
    file pages are dropped from the cache."""
    backings = {f.mapping for f in folios}
    for proc in list(k.processes.values()):
        for vma in proc.mm.vmas if proc.mm is not None else []:
            if vma.backing not in backings:
                continue
            for idx, entry in enumerate(vma.pt):
                if isinstance(entry, Folio) and entry in folios:
                    zap_range(k, proc, vma, idx, idx + 1)
    for folio in folios:
        cache = getattr(folio.mapping, "cache", None)
        if (folio.kind is FILE and not folio.flags & PG_DIRTY and cache is not None
                and cache.get(folio.index) is folio):
            del cache[folio.index]
            k.put_folio(folio)


def _swap_out(k: Kernel, proc: Process, vma: Vma, lo: int, hi: int) -> None:
    """With swap: exclusive anonymous base pages go to swap (the PTE keeps a swap entry)."""
    for idx in range(lo, hi):
        entry = vma.pt[idx]
        if (isinstance(entry, Folio) and entry.kind == ANON and not entry.order
                and entry.mapcount == 1 and entry.pins == 0 and vma.is_anon):
            vma.pt[idx] = SWAP_ENTRY
            entry.mapcount -= 1
            k.vmstat["pswpout"] += 1
            k.put_folio(entry)
