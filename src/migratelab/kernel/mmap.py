"""System calls that shape an address space (mm/mmap.c, mm/mprotect.c, mm/mlock.c).

madvise(2) lives in :mod:`migratelab.kernel.madvise`, mbind(2) in
:mod:`migratelab.kernel.mempolicy`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from migratelab.kernel.folio import (
    HPAGE_NR,
    PG_LRU,
    PG_MLOCKED,
    PG_UNEVICTABLE,
    Folio,
)
from migratelab.kernel.memory import handle_mm_fault
from migratelab.kernel.mm import (
    HPAGE_SIZE,
    PAGE_SIZE,
    VMA_KINDS,
    Backing,
    Process,
    Vma,
    settle_large,
    zap_range,
)

if TYPE_CHECKING:
    from migratelab.kernel.machine import Kernel


def do_mmap(k: Kernel, proc: Process, npages: int, kind: str, *, prot: str = "rw",
            shared: bool | None = None, fs: str = "tmpfs", align_2m: bool = True,
            name: str = "") -> int:
    """mmap(2) of ``npages`` pages; returns the start address."""
    assert proc.mm is not None
    if kind not in VMA_KINDS:
        raise ValueError(f"unknown mapping kind {kind!r}")
    if npages <= 0:
        raise ValueError("mmap needs at least one page")
    if kind == "hugetlb" and npages % HPAGE_NR:
        npages += HPAGE_NR - npages % HPAGE_NR
    mm = proc.mm
    start = (mm.next_addr + HPAGE_SIZE - 1) // HPAGE_SIZE * HPAGE_SIZE
    if not align_2m and kind != "hugetlb":
        start += PAGE_SIZE
    end = start + npages * PAGE_SIZE
    mm.next_addr = end + HPAGE_SIZE  # leave a hole so stray addresses hit nothing
    is_shared = kind == "anon_shared" or (shared if shared is not None else kind == "file")
    backing = None
    if kind == "anon_shared":
        backing = Backing(name or "anon_shared", "shmem")
    elif kind == "file":
        backing = Backing(name or "file", fs)
    elif kind == "hugetlb":
        backing = Backing(name or "hugetlb", "hugetlbfs")
    if backing is not None:
        k.backings.append(backing)
    vma = Vma(start=start, end=end, kind=kind, prot=prot, shared=is_shared, backing=backing,
              name=name, pt=[None] * npages)
    mm.insert(vma)
    return start


def do_munmap(k: Kernel, proc: Process, addr: int, npages: int) -> None:
    """munmap(2)."""
    assert proc.mm is not None
    mm = proc.mm
    end = addr + npages * PAGE_SIZE
    for vma in mm.range(addr, end):
        zap_range(k, proc, vma, 0, vma.npages)
        mm.remove(vma)
        # zap_range may have needed the VMA to find remaining PTEs; re-check
    settle_large(k)


def do_mprotect(k: Kernel, proc: Process, addr: int, npages: int, prot: str) -> None:
    """mprotect(2)."""
    assert proc.mm is not None
    for vma in proc.mm.range(addr, addr + npages * PAGE_SIZE):
        vma.prot = prot


def do_mlock(k: Kernel, proc: Process, addr: int, npages: int, lock: bool) -> None:
    """mlock(2) / munlock(2): populate, and move pages to or off the unevictable list."""
    assert proc.mm is not None
    for vma in proc.mm.range(addr, addr + npages * PAGE_SIZE):
        vma.locked = lock
        for idx in range(vma.npages):
            if lock and vma.pt[idx] is None and vma.prot != "none":
                handle_mm_fault(k, proc, vma.start + idx * PAGE_SIZE, write=False)
            entry = vma.pt[idx]
            if isinstance(entry, Folio) and not entry.is_hugetlb:
                _set_mlocked(k, entry, lock)


def _set_mlocked(k: Kernel, folio: Folio, lock: bool) -> None:
    bits = PG_MLOCKED | PG_UNEVICTABLE
    if bool(folio.flags & PG_MLOCKED) == lock:
        return
    on_lru = bool(folio.flags & PG_LRU)
    if on_lru:
        k.lru.vecs[folio.node].remove(folio)
    if lock:
        folio.flags |= bits
        k.vmstat["unevictable_pgs_mlocked"] += folio.nr_pages
    else:
        folio.flags &= ~bits
    if on_lru:
        k.lru.vecs[folio.node].add(folio)
