"""System calls that shape an address space (mm/mmap.c, mm/madvise.c, mm/mlock.c,
mm/mempolicy.c's mbind).

Simplifications: ``madvise(MADV_PAGEOUT)`` swaps out exclusive anonymous base
pages only; ``MADV_MERGEABLE`` (KSM) marks the VMA but merges nothing;
``mbind(MPOL_MF_MOVE)`` sets the policy without migrating existing pages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from migratelab.kernel.folio import (
    ANON,
    HPAGE_NR,
    PG_ACTIVE,
    PG_LRU,
    PG_MLOCKED,
    PG_UNEVICTABLE,
    SWAP_ENTRY,
    Folio,
)
from migratelab.kernel.memory import handle_mm_fault
from migratelab.kernel.mempolicy import MemPolicy
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


def do_madvise(k: Kernel, proc: Process, addr: int, npages: int, advice: str) -> list[str]:
    """madvise(2); returns notes about what the simulator did not model."""
    assert proc.mm is not None
    notes: list[str] = []
    for vma in proc.mm.range(addr, addr + npages * PAGE_SIZE):
        if advice in ("hugepage", "nohugepage"):
            vma.hugepage = advice
        elif advice in ("dontneed", "free"):
            if advice == "free":
                notes.append("MADV_FREE is treated like MADV_DONTNEED")
            zap_range(k, proc, vma, 0, vma.npages)
        elif advice == "cold":
            for entry in vma.pt:
                if isinstance(entry, Folio) and entry.flags & PG_LRU and entry.flags & PG_ACTIVE:
                    k.lru.vecs[entry.node].remove(entry)
                    entry.flags &= ~PG_ACTIVE
                    k.lru.vecs[entry.node].add(entry)
        elif advice == "pageout":
            for idx, entry in enumerate(vma.pt):
                if (isinstance(entry, Folio) and entry.kind == ANON and not entry.order
                        and entry.mapcount == 1 and entry.pins == 0 and vma.is_anon):
                    vma.pt[idx] = SWAP_ENTRY
                    entry.mapcount -= 1
                    k.vmstat["pswpout"] += 1
                    k.put_folio(entry)
        elif advice == "mergeable":
            vma.mergeable = True
            notes.append("KSM is not simulated: MADV_MERGEABLE merges no pages")
        elif advice == "unmergeable":
            vma.mergeable = False
        elif advice == "willneed":
            pass
        else:
            raise ValueError(f"unknown madvise advice {advice!r}")
    settle_large(k)
    return notes


def do_mbind(k: Kernel, proc: Process, addr: int, npages: int, policy: MemPolicy) -> None:
    """mbind(2) without MPOL_MF_MOVE: set the policy of a range."""
    assert proc.mm is not None
    for vma in proc.mm.range(addr, addr + npages * PAGE_SIZE):
        vma.policy = None if policy.mode == "default" else policy
        if vma.backing is not None and vma.shared:
            vma.backing.policy = vma.policy


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
