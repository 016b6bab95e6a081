"""mbind(2) and migrate_pages(2): the policy-driven ways into ``migrate_pages()``
(mm/mempolicy.c).

Call graph (names as in the kernel)::

    sys_mbind -> do_mbind -> queue_pages_range          (INVERT: pages off the nodes)
                          -> mbind_range                (split VMAs, set the policy)
                          -> migrate_pages(..., MR_MEMPOLICY_MBIND)
    sys_migrate_pages -> kernel_migrate_pages            (in :mod:`.migrate_syscall`)

``queue_pages_range`` walks the page tables of the range and isolates the folios
that break the policy. A folio mapped by another process too is left alone unless
MPOL_MF_MOVE_ALL is given; skipping it is not a failure. What counts as a failure,
and what the caller makes of it, changed in 6.7 (profile switch
``queue_pages_result``): 6.1 reports one "something was unmovable" flag (and, for a
THP mapped by PTEs, sees every PTE after the first as unmovable, because the THP is
already isolated); 6.12 counts the folios it could not queue, each large folio once.

Simplifications, stated: the migration target is the first node the new policy
would try (bind and preferred: its first allowed node; interleave: the node for the
page's offset), and only that node (no fallback within a bind set); MPOL_F_* mode
flags, MPOL_MF_LAZY (refused with EINVAL, as the kernel does since 5.x user
space cannot pass it) and shared-PMD hugetlb are not modelled.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

from migratelab.kernel import errno as E
from migratelab.kernel import staging
from migratelab.kernel.events import (
    Event,
    LruCacheDisable,
    LruCacheEnable,
    LruDrain,
    MbindEnter,
    PolicySyscallExit,
    Putback,
    QueuePages,
)
from migratelab.kernel.folio import (
    HPAGE_NR,
    PG_PARTIALLY_MAPPED,
    PG_PTE_MAPPED,
    Folio,
)
from migratelab.kernel.machine import CAP_SYS_NICE, MAX_NUMNODES
from migratelab.kernel.migrate import (
    MigrateCall,
    isolate_hugetlb,
    migrate_pages,
    putback_movable_pages,
)
from migratelab.kernel.mpol import DEFAULT_POLICY, MODES, MemPolicy

if TYPE_CHECKING:
    from migratelab.kernel.machine import Kernel
    from migratelab.kernel.mm import Mm, Process, Vma

__all__ = ["DEFAULT_POLICY", "MODES", "MemPolicy", "PageQueue", "PolicyResult", "do_mbind",
           "drain_for_isolation", "mbind_range", "mpol_new", "policy_exit",
           "queue_pages_range", "run_policy_call", "undrain"]

PAGE_SHIFT = 12
MPOL_MF_STRICT = 1 << 0
MPOL_MF_MOVE = 1 << 1
MPOL_MF_MOVE_ALL = 1 << 2
MPOL_MF_VALID = MPOL_MF_STRICT | MPOL_MF_MOVE | MPOL_MF_MOVE_ALL
#: Internal flags of queue_pages_range (not user-visible).
MPOL_MF_DISCONTIG_OK = 1 << 4
MPOL_MF_INVERT = 1 << 5
MOVING = MPOL_MF_MOVE | MPOL_MF_MOVE_ALL
MR_MEMPOLICY_MBIND = "mempolicy_mbind"
MR_SYSCALL = "syscall_or_cpuset"


@dataclass(slots=True)
class PolicyResult:
    """What the caller of mbind / migrate_pages sees, plus the engine's counts."""

    ret: int
    errno: str | None
    migrate_calls: int = 0


# -- the policy -----------------------------------------------------------------

def mpol_new(k: Kernel, task: Process, mode: str, nodes: tuple[int, ...]
             ) -> tuple[int, MemPolicy | None]:
    """mpol_new() + mpol_set_nodemask(): (0 or -errno, policy). ``None`` stands for
    MPOL_DEFAULT (no policy of its own: the task's applies)."""
    if mode not in MODES or any(not 0 <= n < MAX_NUMNODES for n in nodes):
        return -E.EINVAL, None
    if mode == "default":
        return (-E.EINVAL if nodes else 0), None
    if mode == "local" or (mode == "preferred" and not nodes):
        return (-E.EINVAL if nodes else 0), MemPolicy("local")
    usable = sorted({n for n in nodes if k.node_has_memory(n) and n in task.cpuset})
    if not usable:
        return -E.EINVAL, None
    return 0, MemPolicy(mode, tuple(usable[:1] if mode == "preferred" else usable))


def mbind_range(k: Kernel, proc: Process, start: int, end: int,
                policy: MemPolicy | None) -> int:
    """Split the VMAs at the range ends and give each the policy; 0 or -EINVAL
    (a hugetlb VMA only splits on a huge-page boundary)."""
    assert proc.mm is not None
    try:
        vmas = proc.mm.range(start, end)
    except ValueError:
        return -E.EINVAL
    for vma in vmas:
        vma.policy = policy
        if vma.backing is not None and vma.shared:
            vma.backing.policy = policy
    return 0


# -- queue_pages_range ---------------------------------------------------------------

@dataclass(slots=True)
class PageQueue:
    """struct queue_pages: the walk's state."""

    k: Kernel
    flags: int
    nmask: frozenset[int]
    pagelist: list[Folio]
    nr_failed: int = 0
    unmovable: bool = False
    shared: int = 0
    large: Folio | None = None
    #: Where each queued folio is mapped (an interleave policy's index), if asked.
    where: dict[Folio, int] | None = None


def _exclusive(k: Kernel, folio: Folio) -> bool:
    """Whether the MPOL_MF_MOVE test lets the folio move: 6.1 asks
    ``page_mapcount(head) == 1``, 6.12 ``!folio_likely_mapped_shared()``."""
    if folio.submaps is None:
        return folio.mapcount == 1 if k.profile.shared_test == "page_mapcount" \
            else folio.mapcount <= 1
    head = folio.submaps[0]
    return head == 1 if k.profile.shared_test == "page_mapcount" else head <= 1


def _add(q: PageQueue, folio: Folio, ilx: int) -> bool:
    """migrate_folio_add() / isolate_hugetlb(): False when it could not be isolated."""
    if not q.flags & MPOL_MF_MOVE_ALL and not _exclusive(q.k, folio):
        q.shared += 1
        return True  # choosing not to move a shared folio is not a failure
    ok = isolate_hugetlb(folio, q.pagelist) if folio.is_hugetlb else q.k.lru.isolate(folio)
    if ok:
        if not folio.is_hugetlb:
            q.pagelist.append(folio)
        if q.where is not None:
            q.where[folio] = ilx
    return ok


def _pmd_mapped(vma: Vma, folio: Folio, idx: int) -> bool:
    """One PMD maps the THP here: the VMA covers its aligned 2 MiB and no PTE split it."""
    if folio.flags & (PG_PTE_MAPPED | PG_PARTIALLY_MAPPED):
        return False
    vpn0 = ((vma.start >> PAGE_SHIFT) + idx) // HPAGE_NR * HPAGE_NR
    return vma.start >> PAGE_SHIFT <= vpn0 and vpn0 + HPAGE_NR <= vma.end >> PAGE_SHIFT


def _walk_vma(q: PageQueue, vma: Vma, lo: int, hi: int) -> int:
    """The page-table walk of one VMA's part of the range; 0, 1 (6.1: stop, something
    was unmovable with STRICT) or -EIO. One pass per 2 MiB page-table range, as
    walk_page_range() calls the pmd_entry hook; a folio mapped by one PMD (or a
    hugetlb page) is looked at once for the whole range."""
    old = q.k.profile.queue_pages_result == "unmovable_flag"
    moving = bool(q.flags & MOVING)
    strict = bool(q.flags & MPOL_MF_STRICT)
    strict_only = strict and not moving
    invert = bool(q.flags & MPOL_MF_INVERT)
    wanted = {n for n in range(len(q.k.nodes)) if (n in q.nmask) != invert}
    pt = vma.pt
    vpn_lo = vma.start >> PAGE_SHIFT
    move_all = bool(q.flags & MPOL_MF_MOVE_ALL)
    isolate, append = q.k.lru.isolate, q.pagelist.append
    idx = lo
    while idx < hi:
        pmd_end = min(hi, idx + HPAGE_NR - (vpn_lo + idx) % HPAGE_NR)
        unmovable = False
        while idx < pmd_end:
            entry = pt[idx]
            idx += 1
            if not isinstance(entry, Folio) or entry.node not in wanted:
                continue
            if entry.order:
                if entry.is_hugetlb or _pmd_mapped(vma, entry, idx - 1):
                    idx = pmd_end  # one PMD (or huge PTE): the folio, once
                elif not old:
                    if entry is q.large:
                        continue  # a PTE-mapped large folio is counted once (6.7+)
                    q.large = entry
            if not moving:
                q.nr_failed += 1
                if old or strict_only:
                    return -E.EIO
                continue
            if not entry.order and q.where is None:  # the common case, inlined
                if not move_all and entry.mapcount > 1:
                    q.shared += 1
                elif isolate(entry):
                    append(entry)
                else:
                    q.nr_failed += 1
                    unmovable = strict
                continue
            if not _add(q, entry, vma.pgoff + idx - 1):
                q.nr_failed += 1
                unmovable = strict
        if old and unmovable:
            q.unmovable = True
            return 1  # a positive pmd_entry return ends walk_page_range()
    return 0


def queue_pages_range(q: PageQueue, mm: Mm, start: int, end: int) -> int:
    """Walk [start, end) and isolate the folios to move; 0, 1 or -errno (6.1
    semantics; 6.12's count is left in ``q.nr_failed``)."""
    vmas = [v for v in mm.vmas if v.end > start and v.start < end]
    if not vmas:
        return -E.EFAULT  # the whole range is a hole
    if not q.flags & MPOL_MF_DISCONTIG_OK:
        gaps = any(a.end < b.start for a, b in pairwise(vmas))
        if vmas[0].start > start or gaps or vmas[-1].end < end:
            return -E.EFAULT
    for vma in vmas:
        if not vma.migratable or not q.flags & MPOL_MF_VALID:
            continue
        lo = max(start, vma.start) - vma.start >> PAGE_SHIFT
        hi = min(end, vma.end) - vma.start >> PAGE_SHIFT
        rc = _walk_vma(q, vma, lo, hi)
        if rc:
            return rc
    return 0


def drain_for_isolation(k: Kernel) -> Generator[Event, None, None]:
    """lru_cache_disable() (5.13+) or migrate_prep(): empty every pagevec first."""
    if k.profile.entry_drain == "lru_cache_disable":
        k.lru.disabled += 1
        yield LruCacheDisable()
    cpus, moved = k.lru.drain_all()
    yield LruDrain(reason=k.profile.entry_drain, cpus=cpus, pages=moved)
    yield from staging.replay_pagevec_holds(k)


def undrain(k: Kernel) -> Generator[Event, None, None]:
    if k.profile.entry_drain == "lru_cache_disable" and k.lru.disabled:
        k.lru.disabled -= 1
        yield LruCacheEnable()


def policy_exit(k: Kernel, name: str, err: int, calls: int) -> Generator[Event, None, PolicyResult]:
    staging.end_of_syscall(k)
    ret, errno = (-1, E.errno_name(-err)) if err < 0 else (err, None)
    yield PolicySyscallExit(syscall=name, ret=ret, errno=errno)
    return PolicyResult(ret=ret, errno=errno, migrate_calls=calls)


# -- mbind(2) ------------------------------------------------------------------------

def do_mbind(k: Kernel, proc: Process, start: int, npages: int, mode: str,
             nodes: tuple[int, ...], flags: int, detail: bool = False
             ) -> Generator[Event, None, PolicyResult]:
    """mbind(start, npages pages, mode, nodes, flags) as ``proc``."""
    yield MbindEnter(start=start, npages=npages, mode=mode, nodes=nodes, flags=flags)
    err, policy = _mbind_checks(k, proc, start, npages, mode, nodes, flags)
    if err or npages == 0:
        return (yield from policy_exit(k, "mbind", err, 0))
    assert proc.mm is not None
    if mode == "default":
        flags &= ~MPOL_MF_STRICT
    if policy is None:
        flags |= MPOL_MF_DISCONTIG_OK
    end = start + npages * (1 << PAGE_SHIFT)
    moving = bool(flags & MOVING)
    if moving:
        yield from drain_for_isolation(k)
    # the walk tests the nodemask the caller passed, not the policy made from it
    q = PageQueue(k=k, flags=flags | MPOL_MF_INVERT, nmask=frozenset(nodes), pagelist=[])
    target = policy or proc.policy
    if target.mode == "interleave":
        q.where = {}  # the target depends on each folio's offset
    k.track(q.pagelist)
    calls = 0
    try:
        ret = queue_pages_range(q, proc.mm, start, end)
        yield QueuePages(queued=len(q.pagelist), skipped_shared=q.shared, failed=q.nr_failed,
                         errno=E.errno_name(-ret) if ret < 0 else None)
        err = ret if ret < 0 else mbind_range(k, proc, start, end, policy)
        failed = q.nr_failed if k.profile.queue_pages_result == "nr_failed" else ret
        if not err and q.pagelist:
            calls = 1
            local = k.cpus[proc.cpu].node
            where = q.where

            def node_for(folio: Folio) -> int:
                ilx = where.get(folio, 0) if where is not None else 0
                return target.candidates(local, len(k.nodes), ilx // folio.nr_pages)[0]

            fixed = None if where is not None else node_for(q.pagelist[0])
            call = MigrateCall(target=node_for, cpu=proc.cpu, node=-1 if fixed is None else fixed,
                               detail=detail, fixed_node=fixed, reason=MR_MEMPOLICY_MBIND)
            nr = yield from migrate_pages(k, q.pagelist, call)
            failed = failed or nr
        if failed and flags & MPOL_MF_STRICT and ret >= 0 and (
                not err or k.profile.queue_pages_result == "nr_failed"):
            err = -E.EIO  # 6.7+ says EIO even when mbind_range() failed
        if q.pagelist:
            yield Putback(folios=len(q.pagelist))
            putback_movable_pages(k, q.pagelist, proc.cpu)
            q.pagelist.clear()
    finally:
        k.untrack(q.pagelist)
    if moving:
        yield from undrain(k)
    return (yield from policy_exit(k, "mbind", err, calls))


def _mbind_checks(k: Kernel, proc: Process, start: int, npages: int, mode: str,
                  nodes: tuple[int, ...], flags: int) -> tuple[int, MemPolicy | None]:
    if flags & ~MPOL_MF_VALID:
        return -E.EINVAL, None
    if flags & MPOL_MF_MOVE_ALL and not proc.capable(CAP_SYS_NICE):
        return -E.EPERM, None
    if start % (1 << PAGE_SHIFT) or npages < 0 or proc.mm is None:
        return -E.EINVAL, None
    return mpol_new(k, proc, mode, nodes)


def run_policy_call(gen: Generator[Event, None, PolicyResult],
                    sink: list[Event] | None = None) -> PolicyResult:
    """Drain a do_mbind / kernel_migrate_pages generator, optionally keeping its events."""
    while True:
        try:
            event = next(gen)
        except StopIteration as stop:
            result: PolicyResult = stop.value
            return result
        if sink is not None:
            sink.append(event)
