"""fork(2) and exit(2) (kernel/fork.c, mm/memory.c's copy_page_range)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from migratelab.kernel.folio import HUGE_ZERO_PAGE, SWAP_ENTRY, ZERO_PAGE, Folio
from migratelab.kernel.mm import Process, Vma, map_folio, settle_large, zap_range

if TYPE_CHECKING:
    from migratelab.kernel.machine import Kernel


def _needs_copy(k: Kernel, vma: Vma) -> bool:
    """vma_needs_copy(): page tables are copied only where a fault could not
    rebuild them: VM_PFNMAP/VM_IO, VMAs with anonymous pages, and private hugetlb
    (shared hugetlb too before 6.0, profile switch ``fork_shared_hugetlb``).
    Shared file, shmem and (6.0+) shared hugetlb mappings start empty in the child
    and fault in on demand."""
    if vma.kind == "hugetlb":
        return not vma.shared or k.profile.fork_shared_hugetlb == "copy"
    return vma.kind == "io" or vma.anon_vma


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
        if not _needs_copy(k, vma):
            continue
        seen: set[Folio] = set()
        for idx, entry in enumerate(vma.pt):
            if isinstance(entry, Folio):
                map_folio(entry, copy, idx, new_mapper=entry not in seen)
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
        settle_large(k)
    k.processes.pop(proc.pid, None)
