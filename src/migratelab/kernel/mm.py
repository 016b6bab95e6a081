"""Processes, VMAs, page tables and page faults (mm/memory.c, mm/mmap.c, ...).

Addresses are byte addresses; page tables are per-VMA lists indexed by page
offset in the VMA, each slot holding a :class:`Folio`, one of the special values
(zero page, huge zero page, swap entry) or ``None`` (nothing mapped).

Simplifications, each visible in the docs:
* ``madvise(MADV_PAGEOUT)`` swaps out exclusive anonymous base pages only;
  ``MADV_MERGEABLE`` (KSM) marks the VMA but merges nothing;
* file pages are never written back; every filesystem can migrate its pages.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from migratelab.kernel.folio import (
    ANON,
    FILE,
    HPAGE_NR,
    HUGE_ZERO_PAGE,
    PG_ACTIVE,
    PG_DIRTY,
    PG_LRU,
    PG_MLOCKED,
    PG_UNEVICTABLE,
    SHMEM,
    SWAP_ENTRY,
    ZERO_PAGE,
    Folio,
    PteValue,
)
from migratelab.kernel.mempolicy import DEFAULT_POLICY, MemPolicy

if TYPE_CHECKING:
    from migratelab.kernel.machine import Kernel

PAGE_SHIFT = 12
PAGE_SIZE = 1 << PAGE_SHIFT
HPAGE_SIZE = PAGE_SIZE * HPAGE_NR
MMAP_BASE = 0x7F0000000000
VMA_KINDS = ("anon", "anon_shared", "file", "hugetlb", "io")


class FaultError(Exception):
    """A fault the process would die of (SIGSEGV, SIGBUS)."""


class Backing:
    """A file, a tmpfs/shmem object or a hugetlbfs file: a page cache by index."""

    def __init__(self, name: str, fs: str) -> None:
        self.name = name
        self.fs = fs  # "ext4", "tmpfs", "shmem", "hugetlbfs"
        self.cache: dict[int, Folio] = {}
        self.policy: MemPolicy | None = None  # shared policy (shmem, hugetlbfs)


@dataclass(slots=True, eq=False)
class Vma:
    """One virtual memory area; ``pt`` maps page offsets to folios."""

    start: int
    end: int
    kind: str
    prot: str = "rw"
    shared: bool = False
    hugepage: str = "default"
    locked: bool = False
    mergeable: bool = False
    policy: MemPolicy | None = None
    backing: Backing | None = None
    pgoff: int = 0
    name: str = ""
    pt: list[PteValue] = field(default_factory=list)
    #: An anonymous page was ever mapped here (the kernel's vma->anon_vma).
    anon_vma: bool = False

    @property
    def npages(self) -> int:
        """Length in pages."""
        return (self.end - self.start) >> PAGE_SHIFT

    def contains(self, addr: int) -> bool:
        """Whether the address falls inside this VMA."""
        return self.start <= addr < self.end

    def index(self, addr: int) -> int:
        """Page offset of an address inside the VMA."""
        return (addr - self.start) >> PAGE_SHIFT

    @property
    def is_anon(self) -> bool:
        """vma_is_anonymous: private anonymous memory."""
        return self.kind == "anon"

    @property
    def migratable(self) -> bool:
        """vma_migratable(): VM_IO / VM_PFNMAP areas cannot be migrated."""
        return self.kind != "io"

    def describe(self) -> str:
        """A /proc/pid/maps style line."""
        perms = {"rw": "rw", "r": "r-", "none": "--"}[self.prot]
        share = "s" if self.shared else "p"
        return f"{self.start:012x}-{self.end:012x} {perms}-{share} {self.kind} {self.name}"


class Mm:
    """An address space: VMAs sorted by start address."""

    def __init__(self) -> None:
        self.vmas: list[Vma] = []
        self.next_addr = MMAP_BASE
        self._last: Vma | None = None  # like the kernel's per-thread VMA cache

    def find_vma(self, addr: int) -> Vma | None:
        """The VMA containing ``addr`` (vma_lookup), or None."""
        last = self._last
        if last is not None and last.start <= addr < last.end:
            return last
        i = bisect.bisect_right(self.vmas, addr, key=lambda v: v.start) - 1
        if i >= 0 and self.vmas[i].contains(addr):
            self._last = self.vmas[i]
            return self.vmas[i]
        return None

    def insert(self, vma: Vma) -> None:
        """Add a VMA keeping the list sorted."""
        self._last = None
        bisect.insort(self.vmas, vma, key=lambda v: v.start)

    def remove(self, vma: Vma) -> None:
        """Drop a VMA (munmap)."""
        self._last = None
        self.vmas.remove(vma)

    def split(self, addr: int) -> None:
        """Split the VMA that straddles ``addr`` so a boundary falls there."""
        vma = self.find_vma(addr)
        if vma is None or vma.start == addr:
            return
        if vma.kind == "hugetlb" and addr % HPAGE_SIZE:
            # hugetlb_vm_op_split(): a hugetlb VMA only splits on a huge-page boundary;
            # munmap/mprotect/mlock/madvise of an unaligned range fail with EINVAL
            raise ValueError(f"EINVAL: {addr:#x} is not aligned to the hugetlb page size")
        cut = vma.index(addr)
        upper = Vma(start=addr, end=vma.end, kind=vma.kind, prot=vma.prot, shared=vma.shared,
                    hugepage=vma.hugepage, locked=vma.locked, mergeable=vma.mergeable,
                    policy=vma.policy, backing=vma.backing, pgoff=vma.pgoff + cut,
                    name=vma.name, pt=vma.pt[cut:], anon_vma=vma.anon_vma)
        del vma.pt[cut:]
        vma.end = addr
        self._last = None
        self.insert(upper)

    def range(self, start: int, end: int) -> list[Vma]:
        """The VMAs inside [start, end) after splitting at both ends."""
        self.split(start)
        self.split(end)
        return [v for v in self.vmas if v.start >= start and v.end <= end]


@dataclass(slots=True, eq=False)
class Process:
    """A task: credentials, cpuset, policy and address space."""

    pid: int
    uid: int
    caps: frozenset[str]
    cpuset: frozenset[int]
    mm: Mm | None
    cpu: int = 0
    policy: MemPolicy = DEFAULT_POLICY
    parent: int | None = None
    name: str = ""

    def capable(self, cap: str) -> bool:
        """capable(cap)."""
        return cap in self.caps


# -- mapping bookkeeping -----------------------------------------------------

def _map(folio: Folio, vma: Vma, idx: int, new_mapper: bool) -> None:
    """Point one PTE at a folio; ``new_mapper`` when this process did not map it yet."""
    vma.pt[idx] = folio
    if folio.kind is ANON:
        vma.anon_vma = True
    if folio.submaps is not None:
        folio.submaps[_subpage(folio, vma, idx)] += 1
    if new_mapper:
        folio.mapcount += 1
        folio.refcount += 1


def _subpage(folio: Folio, vma: Vma, idx: int) -> int:
    vpn = (vma.start >> PAGE_SHIFT) + idx
    return vpn % HPAGE_NR


def _still_maps(vma_list: list[Vma], folio: Folio, vpn0: int) -> bool:
    """Whether any PTE of these VMAs in the 2 MiB span at vpn0 still maps folio."""
    for vma in vma_list:
        lo = max(vpn0, vma.start >> PAGE_SHIFT)
        hi = min(vpn0 + HPAGE_NR, vma.end >> PAGE_SHIFT)
        base = vma.start >> PAGE_SHIFT
        for vpn in range(lo, hi):
            if vma.pt[vpn - base] is folio:
                return True
    return False


def zap_range(k: Kernel, proc: Process, vma: Vma, lo: int, hi: int) -> None:
    """Unmap PTEs [lo, hi) of a VMA (munmap, MADV_DONTNEED), dropping references."""
    assert proc.mm is not None
    large: dict[Folio, int] = {}
    for idx in range(lo, hi):
        entry = vma.pt[idx]
        if not isinstance(entry, Folio):
            vma.pt[idx] = None
            continue
        vma.pt[idx] = None
        if entry.submaps is not None:
            entry.submaps[_subpage(entry, vma, idx)] -= 1
            large[entry] = (vma.start >> PAGE_SHIFT) + idx
        elif entry.is_hugetlb:
            large[entry] = (vma.start >> PAGE_SHIFT) + idx
        else:
            entry.mapcount -= 1
            k.put_folio(entry)
    for folio, vpn in large.items():
        vpn0 = vpn - vpn % HPAGE_NR
        if not _still_maps(proc.mm.vmas, folio, vpn0):
            folio.mapcount -= 1
            k.put_folio(folio)


# -- system calls that shape memory -------------------------------------------

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
    _settle_large(k, proc)


def _settle_large(k: Kernel, proc: Process) -> None:
    """Mark THPs that lost some subpage mappings as partially mapped (deferred split)."""
    from migratelab.kernel.folio import PG_PARTIALLY_MAPPED

    for folio in list(k.large_folios):
        if folio.submaps is not None:
            if folio.is_partially_mapped():
                folio.flags |= PG_PARTIALLY_MAPPED
            else:
                folio.flags &= ~PG_PARTIALLY_MAPPED


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
    _settle_large(k, proc)
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


# -- page faults ----------------------------------------------------------------

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
    vpn0 = ((vma.start >> PAGE_SHIFT) + idx) // HPAGE_NR * HPAGE_NR
    lo = vpn0 - (vma.start >> PAGE_SHIFT)
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
    vpn0 = ((vma.start >> PAGE_SHIFT) + idx) // HPAGE_NR * HPAGE_NR
    lo = vpn0 - (vma.start >> PAGE_SHIFT)
    for i in range(lo, lo + HPAGE_NR):
        _map(folio, vma, i, new_mapper=(i == lo))
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
        _map(folio, vma, idx, new_mapper=True)
        _add_new(k, proc, folio)
        return
    assert isinstance(entry, Folio)
    if write and entry.mapcount > 1 and entry.kind == ANON:
        _cow(k, proc, vma, idx, entry)


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
    _map(folio, vma, idx, new_mapper=True)
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
        _map(folio, vma, idx, new_mapper=True)
        _private_file_cow(k, proc, vma, idx, folio)
        return
    if write:
        folio.flags |= PG_DIRTY
    _map(folio, vma, idx, new_mapper=True)
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
            _map(cached, vma, i, new_mapper=True)


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
    _map(folio, vma, idx, new_mapper=True)
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
        _map(folio, vma, i, new_mapper=(i == lo))


def _alloc_huge(k: Kernel, proc: Process, vma: Vma, lo: int, why: str) -> Folio:
    """A huge page from the pool of the first policy node that has one, or SIGBUS."""
    for node in _candidates(k, proc, vma, lo, huge=True):
        folio, _ = k.alloc_hugetlb(node, fallback=False)
        if folio is not None:
            return folio
    raise FaultError(f"SIGBUS: {why}")


def _hugetlb_cow(k: Kernel, proc: Process, vma: Vma, lo: int, old: Folio) -> None:
    new = _alloc_huge(k, proc, vma, lo, "no free huge page for copy-on-write")
    zap_range(k, proc, vma, lo, lo + HPAGE_NR)
    for i in range(lo, lo + HPAGE_NR):
        _map(new, vma, i, new_mapper=(i == lo))


# -- fork and exit ------------------------------------------------------------------

def _needs_copy(vma: Vma) -> bool:
    """vma_needs_copy(): page tables are copied only where a fault could not
    rebuild them: hugetlb, VM_PFNMAP/VM_IO, and VMAs with anonymous pages. Shared
    file and shmem mappings start empty in the child and fault in on demand."""
    return vma.kind in ("hugetlb", "io") or vma.anon_vma


def do_fork(k: Kernel, parent: Process, name: str = "") -> Process:
    """fork(2): copy the VMAs; private pages become copy-on-write shared."""
    assert parent.mm is not None
    child = k.spawn(uid=parent.uid, caps=parent.caps)
    child.cpuset = parent.cpuset
    child.policy = parent.policy
    child.cpu = parent.cpu
    child.parent = parent.pid
    child.name = name
    assert child.mm is not None
    child.mm.next_addr = parent.mm.next_addr
    for vma in parent.mm.vmas:
        copy = Vma(start=vma.start, end=vma.end, kind=vma.kind, prot=vma.prot,
                   shared=vma.shared, hugepage=vma.hugepage, locked=False,
                   mergeable=vma.mergeable, policy=vma.policy, backing=vma.backing,
                   pgoff=vma.pgoff, name=vma.name, pt=[None] * vma.npages,
                   anon_vma=vma.anon_vma)
        child.mm.insert(copy)
        if not _needs_copy(vma):
            continue
        seen: set[Folio] = set()
        for idx, entry in enumerate(vma.pt):
            if isinstance(entry, Folio):
                _map(entry, copy, idx, new_mapper=entry not in seen)
                seen.add(entry)
            elif entry is ZERO_PAGE or entry is HUGE_ZERO_PAGE:
                copy.pt[idx] = entry
            elif entry is SWAP_ENTRY:
                copy.pt[idx] = None  # simplification: swap entries are not shared
    return child


def do_exit(k: Kernel, proc: Process) -> None:
    """exit(2) and reaping: unmap everything and forget the task."""
    if proc.mm is not None:
        for vma in list(proc.mm.vmas):
            zap_range(k, proc, vma, 0, vma.npages)
        proc.mm.vmas.clear()
        proc.mm._last = None
        _settle_large(k, proc)
    k.processes.pop(proc.pid, None)


def walk_present(proc: Process) -> list[tuple[Vma, int, Folio]]:
    """Every (vma, index, folio) mapped by the process."""
    out: list[tuple[Vma, int, Folio]] = []
    if proc.mm is None:
        return out
    for vma in proc.mm.vmas:
        for idx, entry in enumerate(vma.pt):
            if isinstance(entry, Folio):
                out.append((vma, idx, entry))
    return out


__all__ = [
    "HPAGE_SIZE",
    "PAGE_SHIFT",
    "PAGE_SIZE",
    "SHMEM",
    "Backing",
    "FaultError",
    "Mm",
    "Process",
    "Vma",
    "do_exit",
    "do_fork",
    "do_madvise",
    "do_mbind",
    "do_mlock",
    "do_mmap",
    "do_mprotect",
    "do_munmap",
    "handle_mm_fault",
    "page_cache_get",
    "walk_present",
    "zap_range",
]
