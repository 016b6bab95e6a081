"""mbind(2) and migrate_pages(2): the policy-driven ways into ``migrate_pages()``
(mm/mempolicy.c).

Call graph (names as in the kernel)::

    sys_mbind -> do_mbind -> queue_pages_range          (INVERT: pages off the nodes)
                          -> mbind_range                (split VMAs, set the policy)
                          -> migrate_pages(..., MR_MEMPOLICY_MBIND)
    sys_migrate_pages -> kernel_migrate_pages -> do_migrate_pages
                          -> migrate_to_node -> queue_pages_range (pages on the node)
                                             -> migrate_pages(..., MR_SYSCALL)

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
from dataclasses import dataclass, field
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
    MigratePagesEnter,
    MigrateToNode,
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
from migratelab.kernel.machine import CAP_SYS_NICE, CAP_SYS_PTRACE, MAX_NUMNODES
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

__all__ = ["DEFAULT_POLICY", "MODES", "MemPolicy", "PolicyResult", "do_mbind",
           "kernel_migrate_pages", "mbind_range", "mpol_new", "node_remap", "run_policy_call"]

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
class _Queue:
    """struct queue_pages: the walk's state."""

    k: Kernel
    flags: int
    nmask: frozenset[int]
    pagelist: list[Folio]
    nr_failed: int = 0
    unmovable: bool = False
    shared: int = 0
    large: Folio | None = None
    #: Where each queued folio is mapped (for the policy's interleave index).
    where: dict[Folio, int] = field(default_factory=dict)


def _required(q: _Queue, folio: Folio) -> bool:
    """queue_folio_required(): the folio's node is (INVERT: is not) in the mask."""
    return (folio.node in q.nmask) != bool(q.flags & MPOL_MF_INVERT)


def _exclusive(k: Kernel, folio: Folio) -> bool:
    """Whether the MPOL_MF_MOVE test lets the folio move: 6.1 asks
    ``page_mapcount(head) == 1``, 6.12 ``!folio_likely_mapped_shared()``."""
    if folio.submaps is None:
        return folio.mapcount == 1 if k.profile.shared_test == "page_mapcount" \
            else folio.mapcount <= 1
    head = folio.submaps[0]
    return head == 1 if k.profile.shared_test == "page_mapcount" else head <= 1


def _add(q: _Queue, folio: Folio, ilx: int) -> bool:
    """migrate_folio_add() / isolate_hugetlb(): False when it could not be isolated."""
    if not q.flags & MPOL_MF_MOVE_ALL and not _exclusive(q.k, folio):
        q.shared += 1
        return True  # choosing not to move a shared folio is not a failure
    ok = isolate_hugetlb(folio, q.pagelist) if folio.is_hugetlb else q.k.lru.isolate(folio)
    if ok:
        if not folio.is_hugetlb:
            q.pagelist.append(folio)
        q.where[folio] = ilx
    return ok


def _pmd_mapped(vma: Vma, folio: Folio, idx: int) -> bool:
    """One PMD maps the THP here: the VMA covers its aligned 2 MiB and no PTE split it."""
    if folio.flags & (PG_PTE_MAPPED | PG_PARTIALLY_MAPPED):
        return False
    vpn0 = ((vma.start >> PAGE_SHIFT) + idx) // HPAGE_NR * HPAGE_NR
    return vma.start >> PAGE_SHIFT <= vpn0 and vpn0 + HPAGE_NR <= vma.end >> PAGE_SHIFT


def _walk_vma(q: _Queue, vma: Vma, lo: int, hi: int) -> int:
    """The page-table walk of one VMA's part of the range; 0, 1 (6.1: stop, something
    was unmovable with STRICT) or -EIO."""
    old = q.k.profile.queue_pages_result == "unmovable_flag"
    moving = bool(q.flags & MOVING)
    strict_only = q.flags & (MPOL_MF_STRICT | MOVING) == MPOL_MF_STRICT
    last: Folio | None = None
    idx = lo
    while idx < hi:
        pmd_end = min(hi, idx + HPAGE_NR - ((vma.start >> PAGE_SHIFT) + idx) % HPAGE_NR)
        unmovable = False
        while idx < pmd_end:
            entry = vma.pt[idx]
            ilx = vma.pgoff + idx
            idx += 1
            if not isinstance(entry, Folio) or not _required(q, entry):
                continue
            whole = entry.is_hugetlb or (entry.is_thp and _pmd_mapped(vma, entry, idx - 1))
            if whole or (entry.is_thp and not old):
                if entry is last or entry is q.large:
                    continue  # one folio: queued (or counted) once
                last = q.large = entry
            if not moving:
                if old:
                    return -E.EIO
                q.nr_failed += 1
                if strict_only:
                    return -E.EIO
                continue
            if not _add(q, entry, ilx):
                q.nr_failed += 1
                unmovable = bool(q.flags & MPOL_MF_STRICT)
        if old and unmovable:
            q.unmovable = True
            return 1  # a positive pmd_entry return ends walk_page_range()
    return 0


def queue_pages_range(q: _Queue, mm: Mm, start: int, end: int) -> int:
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


def _drain(k: Kernel) -> Generator[Event, None, None]:
    """lru_cache_disable() (5.13+) or migrate_prep(): empty every pagevec first."""
    if k.profile.entry_drain == "lru_cache_disable":
        k.lru.disabled += 1
        yield LruCacheDisable()
    cpus, moved = k.lru.drain_all()
    yield LruDrain(reason=k.profile.entry_drain, cpus=cpus, pages=moved)
    yield from staging.replay_pagevec_holds(k)


def _undrain(k: Kernel) -> Generator[Event, None, None]:
    if k.profile.entry_drain == "lru_cache_disable" and k.lru.disabled:
        k.lru.disabled -= 1
        yield LruCacheEnable()


def _exit(k: Kernel, name: str, err: int, calls: int) -> Generator[Event, None, PolicyResult]:
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
        return (yield from _exit(k, "mbind", err, 0))
    assert proc.mm is not None
    if mode == "default":
        flags &= ~MPOL_MF_STRICT
    if policy is None:
        flags |= MPOL_MF_DISCONTIG_OK
    end = start + npages * (1 << PAGE_SHIFT)
    moving = bool(flags & MOVING)
    if moving:
        yield from _drain(k)
    # the walk tests the nodemask the caller passed, not the policy made from it
    q = _Queue(k=k, flags=flags | MPOL_MF_INVERT, nmask=frozenset(nodes), pagelist=[])
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
            target = policy or proc.policy
            local = k.cpus[proc.cpu].node

            def node_for(folio: Folio) -> int:
                ilx = q.where.get(folio, 0) // (HPAGE_NR if folio.is_large else 1)
                return target.candidates(local, len(k.nodes), ilx)[0]

            call = MigrateCall(target=node_for, cpu=proc.cpu, node=-1, detail=detail,
                               reason=MR_MEMPOLICY_MBIND)
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
        yield from _undrain(k)
    return (yield from _exit(k, "mbind", err, calls))


def _mbind_checks(k: Kernel, proc: Process, start: int, npages: int, mode: str,
                  nodes: tuple[int, ...], flags: int) -> tuple[int, MemPolicy | None]:
    if flags & ~MPOL_MF_VALID:
        return -E.EINVAL, None
    if flags & MPOL_MF_MOVE_ALL and not proc.capable(CAP_SYS_NICE):
        return -E.EPERM, None
    if start % (1 << PAGE_SHIFT) or npages < 0 or proc.mm is None:
        return -E.EINVAL, None
    return mpol_new(k, proc, mode, nodes)


# -- migrate_pages(2) ---------------------------------------------------------------

def node_remap(node: int, old: list[int], new: list[int]) -> int:
    """node_remap(): the node at the same rank in ``new`` (modulo its size)."""
    if node not in old or not new:
        return node
    return new[old.index(node) % len(new)]


def kernel_migrate_pages(k: Kernel, caller: Process, pid: int, old: list[int],
                         new: list[int], detail: bool = False
                         ) -> Generator[Event, None, PolicyResult]:
    """migrate_pages(pid, maxnode, old_nodes, new_nodes); returns the number of
    pages that could not be moved."""
    yield MigratePagesEnter(pid=pid, old=tuple(old), new=tuple(new))
    task = caller if pid == 0 else k.find_task(pid)
    err = 0
    if any(not 0 <= n < MAX_NUMNODES for n in [*old, *new]):
        err = -E.EINVAL
    elif task is None:
        err = -E.ESRCH
    elif task is not caller and not (task.uid == caller.uid or caller.capable(CAP_SYS_PTRACE)):
        err = -E.EPERM  # ptrace_may_access(PTRACE_MODE_READ_REALCREDS)
    elif not set(new) <= task.cpuset and not caller.capable(CAP_SYS_NICE):
        err = -E.EPERM
    elif not all(k.node_has_memory(n) for n in new) or task.mm is None:
        err = -E.EINVAL  # new nodes must have memory
    allowed = sorted({n for n in new if n in caller.cpuset})
    if not err and not allowed:
        err = -E.EINVAL  # nothing left once limited to the caller's cpuset
    if err:
        return (yield from _exit(k, "migrate_pages", err, 0))
    assert task is not None and task.mm is not None
    flags = MPOL_MF_MOVE_ALL if caller.capable(CAP_SYS_NICE) else MPOL_MF_MOVE
    result = yield from do_migrate_pages(k, task.mm, sorted(set(old)), allowed, flags,
                                         caller.cpu, detail)
    return result


def do_migrate_pages(k: Kernel, mm: Mm, old: list[int], new: list[int], flags: int,
                     cpu: int, detail: bool) -> Generator[Event, None, PolicyResult]:
    """Move node by node, keeping the relative layout: pick a source whose target is
    not itself still to be emptied, so no node is filled before it is drained."""
    yield from _drain(k)
    busy = 0
    err = 0
    calls = 0
    tmp = list(old)
    while tmp:
        source, dest = -1, 0
        for s in tmp:
            if len(old) != len(new) and s in new:
                continue
            d = node_remap(s, old, new)
            if s == d:
                continue
            source, dest = s, d
            if d not in tmp:
                break
        if source < 0:
            break
        tmp.remove(source)
        yield MigrateToNode(source=source, dest=dest)
        err, moved = yield from migrate_to_node(k, mm, source, dest, flags, cpu, detail)
        calls += moved
        if err > 0:
            busy += err
        if err < 0:
            break
    yield from _undrain(k)
    return (yield from _exit(k, "migrate_pages", err if err < 0 else busy, calls))


def migrate_to_node(k: Kernel, mm: Mm, source: int, dest: int, flags: int, cpu: int,
                    detail: bool) -> Generator[Event, None, tuple[int, int]]:
    """Queue every page of the address space on ``source`` and migrate it to
    ``dest``; (failures or -errno, migrate_pages calls made)."""
    q = _Queue(k=k, flags=flags | MPOL_MF_DISCONTIG_OK, nmask=frozenset({source}), pagelist=[])
    k.track(q.pagelist)
    try:
        if mm.vmas:
            queue_pages_range(q, mm, mm.vmas[0].start, mm.vmas[-1].end)
        yield QueuePages(queued=len(q.pagelist), skipped_shared=q.shared, failed=q.nr_failed,
                         errno=None)
        err = 0
        if q.pagelist:
            call = MigrateCall(target=lambda _f: dest, cpu=cpu, node=dest, detail=detail,
                               fixed_node=dest, reason=MR_SYSCALL)
            err = yield from migrate_pages(k, q.pagelist, call)
            if q.pagelist:
                yield Putback(folios=len(q.pagelist))
                putback_movable_pages(k, q.pagelist, cpu)
                q.pagelist.clear()
        if err >= 0 and k.profile.queue_pages_result == "nr_failed":
            err += q.nr_failed
        return err, 1 if q.where else 0  # one migrate_pages() call if anything was queued
    finally:
        k.untrack(q.pagelist)


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
