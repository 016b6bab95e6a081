"""Processes, VMAs and page tables: the address-space structures (mm_types.h).

Addresses are byte addresses; page tables are per-VMA lists indexed by page
offset in the VMA, each slot holding a :class:`Folio`, one of the special values
(zero page, huge zero page, swap entry) or ``None`` (nothing mapped). The code
that changes them lives beside the kernel files it stands for: ``mmap`` (mmap,
munmap, mprotect, madvise, mbind, mlock), ``memory`` (page faults) and ``fork``
(fork and exit).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from migratelab.kernel.folio import (
    ANON,
    HPAGE_NR,
    PG_PARTIALLY_MAPPED,
    PG_PTE_MAPPED,
    Folio,
    PteValue,
)
from migratelab.kernel.mpol import DEFAULT_POLICY, MemPolicy

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
        below, above = vma.pt[cut - 1], vma.pt[cut]
        if below is above and isinstance(above, Folio) and above.is_thp:
            above.flags |= PG_PTE_MAPPED  # __split_huge_pmd(): the PMD becomes PTEs
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

def map_folio(folio: Folio, vma: Vma, idx: int, new_mapper: bool) -> None:
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


def settle_large(k: Kernel) -> None:
    """Mark THPs that lost some subpage mappings as partially mapped (deferred split).
    The mark stays until the THP is split or freed, as the kernel's queue entry does."""
    for folio in list(k.large_folios):
        if folio.submaps is not None and folio.is_partially_mapped():
            folio.flags |= PG_PARTIALLY_MAPPED | PG_PTE_MAPPED


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
