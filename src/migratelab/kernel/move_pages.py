"""``move_pages(2)``: the syscall, query mode and both batching models (mm/migrate.c).

Call graph (names as in the kernel)::

    sys_move_pages -> kernel_move_pages -> do_pages_stat            (nodes == NULL)
                                        -> do_pages_move            (v4.17+ runs)
                                             add_page_for_migration
                                             do_move_pages_to_node -> migrate_pages
                                             store_status
                                        -> do_pages_move_chunked    (v4.14)
                                             do_move_page_to_node_array -> migrate_pages

Every function that can take a step is a generator of trace events and returns
its result through ``StopIteration`` (``yield from``); :func:`run_syscall`
drains one for callers that only want the answer.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from migratelab.kernel import errno as E
from migratelab.kernel import staging
from migratelab.kernel.events import (
    BatchFlush,
    BatchStart,
    ChunkStart,
    EntryResult,
    Event,
    LruCacheDisable,
    LruCacheEnable,
    LruDrain,
    NodeInvalid,
    Note,
    PageIsolated,
    Putback,
    StatusStore,
    SyscallEnter,
    SyscallExit,
)
from migratelab.kernel.folio import (
    HPAGE_NR,
    HUGE_ZERO_PAGE,
    PG_ISOLATED,
    SWAP_ENTRY,
    ZERO_PAGE,
    Folio,
)
from migratelab.kernel.machine import CAP_SYS_NICE, CAP_SYS_PTRACE, MAX_NUMNODES
from migratelab.kernel.migrate import (
    MigrateCall,
    end_isolation,
    isolate_hugetlb,
    migrate_pages,
)
from migratelab.kernel.mm import PAGE_SHIFT, Mm, Process, Vma

if TYPE_CHECKING:
    from migratelab.kernel.machine import Kernel

MPOL_MF_STRICT = 1 << 0
MPOL_MF_MOVE = 1 << 1
MPOL_MF_MOVE_ALL = 1 << 2
FLAG_BITS = {"MPOL_MF_STRICT": MPOL_MF_STRICT, "MPOL_MF_MOVE": MPOL_MF_MOVE,
             "MPOL_MF_MOVE_ALL": MPOL_MF_MOVE_ALL}

#: add_page_for_migration: the folio was isolated and queued on the run's list.
QUEUED = 1
DO_PAGES_STAT_CHUNK_NR = 16


@dataclass(slots=True)
class SyscallResult:
    """What the caller of ``move_pages`` sees, plus the engine's own count."""

    ret: int
    errno: str | None
    status: list[int]
    migrate_calls: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Move:
    """State of one do_pages_move call."""

    k: Kernel
    task: Process
    mm: Mm
    pages: list[int]
    nodes: list[int]
    status: list[int]
    n: int
    migrate_all: bool
    detail: bool
    cpu: int
    calls: int = 0
    pagelist: list[Folio] = field(default_factory=list)


# -- lookup ------------------------------------------------------------------------

def follow_page(k: Kernel, vma: Vma, addr: int) -> tuple[int, Folio | None, int]:
    """Look up the page mapped at ``addr``: (0 or -errno, folio, subpage index).

    Pre-6.12 kernels use ``follow_page(FOLL_GET | FOLL_DUMP)``; 6.12 uses
    ``folio_walk``. They differ for untouched anonymous memory and PROT_NONE
    entries, both switches of the profile.
    """
    prof = k.profile
    idx = (addr - vma.start) >> PAGE_SHIFT
    entry = vma.pt[idx]
    if entry is None or entry is SWAP_ENTRY:
        if entry is None and vma.is_anon and prof.untouched_anon_errno == E.EFAULT:
            return -E.EFAULT, None, 0  # FOLL_DUMP: no page table in an anon VMA
        return -E.ENOENT, None, 0
    if entry is ZERO_PAGE or entry is HUGE_ZERO_PAGE:
        return -E.EFAULT, None, 0
    assert isinstance(entry, Folio)
    if vma.prot == "none" and prof.prot_none == "enoent":
        # follow_page_pte refuses a protnone PTE (NULL: -ENOENT); a PMD-mapped THP
        # fails earlier in follow_pmd_mask -> no_page_table(), which with FOLL_DUMP
        # gives -EFAULT on an anon VMA (kernel-notes section 5, simulator rule).
        if entry.is_thp and vma.is_anon and _pmd_mapped(vma, entry, addr):
            return -E.EFAULT, None, 0
        return -E.ENOENT, None, 0
    sub = ((addr >> PAGE_SHIFT) % HPAGE_NR) if entry.order else 0
    return 0, entry, sub


def _pmd_mapped(vma: Vma, folio: Folio, addr: int) -> bool:
    """The THP is mapped by one PMD here: the VMA spans its whole aligned 2 MiB range
    and no subpage was unmapped (a split VMA or a partial munmap leaves PTEs)."""
    lo = addr >> PAGE_SHIFT
    lo -= lo % HPAGE_NR
    return (vma.start >> PAGE_SHIFT <= lo and lo + HPAGE_NR <= vma.end >> PAGE_SHIFT
            and not folio.is_partially_mapped())


def _is_shared(k: Kernel, folio: Folio, sub: int) -> bool:
    if folio.submaps is None:
        return folio.mapcount > 1
    if k.profile.shared_test == "page_mapcount":
        return folio.submaps[sub] > 1
    return folio.submaps[0] > 1  # folio_likely_mapped_shared looks at the first page


def add_page_for_migration(k: Kernel, mm: Mm, addr: int, node: int, migrate_all: bool,
                           pagelist: list[Folio]) -> tuple[int, str, Folio | None]:
    """Classify one entry: (QUEUED, 0 for "already on node", or -errno; why; folio)."""
    vma = mm.find_vma(addr)
    if vma is None:
        return -E.EFAULT, "no VMA at this address", None
    if not vma.migratable:
        return -E.EFAULT, "VMA is not migratable (VM_IO/VM_PFNMAP)", None
    err, folio, sub = follow_page(k, vma, addr)
    if folio is None:
        return err, _lookup_why(k, vma, addr, err), None
    if folio.node == node:
        return 0, "already on the target node", folio
    if not migrate_all and _is_shared(k, folio, sub):
        return -E.EACCES, "mapped by more than one process and MPOL_MF_MOVE_ALL not set", folio
    prof = k.profile
    if folio.is_hugetlb:
        if sub != 0 and prof.hugetlb_tail == "eacces":
            return -E.EACCES, "hugetlb tail page: only a head page is isolated", folio
        if isolate_hugetlb(folio, pagelist):
            return QUEUED, "hugetlb folio isolated", folio
        if prof.hugetlb_isolate_failure == "ebusy":
            return -E.EBUSY, "hugetlb folio already isolated", folio
        return QUEUED, "isolate_huge_page failed but its result is ignored", folio
    if not k.lru.isolate(folio):
        if folio.flags & PG_ISOLATED:
            why = "already isolated (named earlier in this run)"
        elif folio.pvec_cpu >= 0:
            why = f"in CPU {folio.pvec_cpu}'s LRU-add pagevec (PG_lru clear)"
        else:
            why = "not on an LRU list"
        return -E.EBUSY, why, folio
    pagelist.append(folio)
    return QUEUED, "isolated from the LRU", folio


def _lookup_why(k: Kernel, vma: Vma, addr: int, err: int) -> str:
    entry = vma.pt[(addr - vma.start) >> PAGE_SHIFT]
    if entry is ZERO_PAGE:
        return "the shared zero page"
    if entry is HUGE_ZERO_PAGE:
        return "the huge zero page"
    if entry is SWAP_ENTRY:
        return "swapped out"
    if entry is None:
        return "page never touched"
    return "PROT_NONE entry is not followed"


# -- status and flushes ------------------------------------------------------------------

def store_status(mv: _Move, start: int, value: int, nr: int) -> Event:
    """Write ``value`` into ``status[start:start+nr]``."""
    mv.status[start:start + nr] = [value] * nr
    return StatusStore(start=start, end=start + nr, value=value)


def _putback(k: Kernel, folios: list[Folio], cpu: int) -> None:
    via_pvec = k.profile.putback_via_pagevec and not k.lru.disabled
    for folio in folios:
        if folio.is_hugetlb:
            end_isolation(k, folio, folio.node)
        else:
            k.lru.putback(folio, cpu, via_pvec, folio.node)
            if folio.refcount <= 0:
                k.free_folio(folio)


def do_move_pages_to_node(mv: _Move, node: int, start: int, end: int, why: str
                          ) -> Generator[Event, None, int]:
    """Migrate the run's list to ``node``; put back whatever is left on failure."""
    if not mv.pagelist:
        return 0
    yield BatchFlush(node=node, start=start, end=end, folios=len(mv.pagelist), why=why)
    mv.calls += 1
    call = MigrateCall(target=lambda _f: node, cpu=mv.cpu, node=node, detail=mv.detail,
                       fixed_node=node)
    err = yield from migrate_pages(mv.k, mv.pagelist, call)
    if err and mv.pagelist:
        yield Putback(folios=len(mv.pagelist))
        _putback(mv.k, mv.pagelist, mv.cpu)
    mv.pagelist.clear()
    return err


def _not_attempted(mv: _Move, err: int, i: int, where: str) -> int:
    """Add the entries that were never attempted to a positive result (section 4.3)."""
    if err <= 0:
        return err
    rule = mv.k.profile.positive_return
    n = mv.n
    if rule == "v5_6":
        return err + (n - i - 1) if where != "final" else err
    if rule == "v5_7":
        return err + (n - i - 1)
    if rule == "exact":
        if where == "node_change":
            return err + (n - i)
        if where == "error_entry":
            return err + (n - i) - 1
        return err
    return err


def _entry_drain(k: Kernel) -> Generator[Event, None, None]:
    if k.profile.entry_drain == "lru_cache_disable":
        k.lru.disabled += 1
        yield LruCacheDisable()
    cpus, moved = k.lru.drain_all()
    reason = "migrate_prep" if k.profile.entry_drain == "migrate_prep" else "lru_cache_disable"
    yield LruDrain(reason=reason, cpus=cpus, pages=moved)
    yield from staging.replay_pagevec_holds(k)


def _exit_staging(k: Kernel) -> None:
    if k.profile.entry_drain == "lru_cache_disable" and k.lru.disabled:
        k.lru.disabled -= 1
    staging.end_of_syscall(k)


# -- v4.17+: dynamic runs ---------------------------------------------------------

def do_pages_move(mv: _Move) -> Generator[Event, None, int]:
    """Walk the request, building runs of same-node entries (section 4.2)."""
    k = mv.k
    prof = k.profile
    aot = prof.already_on_target
    store_flush = aot == "store_flush"
    detail = mv.detail
    cpuset = mv.task.cpuset
    pages, nodes, n = mv.pages, mv.nodes, mv.n
    current: int | None = None
    start = 0
    err = 0
    i = 0
    jumped = False
    while i < n:
        if i >= len(pages) or i >= len(nodes):
            err = -E.EFAULT
            yield Note(text=f"pages[{i}] or nodes[{i}] is not readable: EFAULT")
            jumped = True
            break
        addr = pages[i]
        node = nodes[i]
        if node < 0 or node >= MAX_NUMNODES or not k.node_has_memory(node):
            err = -E.ENODEV
        elif node not in cpuset:
            err = -E.EACCES
        if err:
            yield NodeInvalid(index=i, node=node, errno=E.errno_name(-err))
            jumped = True
            break
        if current is None:
            current, start = node, i
            yield BatchStart(node=node, start=i)
        elif node != current:
            err = yield from do_move_pages_to_node(mv, current, start, i, "node change")
            if err:
                return _not_attempted(mv, err, i, "node_change")
            if i > start or not store_flush:
                yield store_status(mv, start, current, i - start)
            current, start = node, i
            yield BatchStart(node=node, start=i)
        r, why, folio = add_page_for_migration(k, mv.mm, addr, current, mv.migrate_all,
                                               mv.pagelist)
        if r == QUEUED:
            if detail and folio is not None:
                yield PageIsolated(index=i, pfn=folio.pfn, node=folio.node,
                                   nr_pages=folio.nr_pages, folio=folio.label())
            i += 1
            continue
        if r == 0 and aot == "queued":
            # 4.17: "already there" looks like success and stays in the run
            if detail:
                yield EntryResult(index=i, status=current, why=why + " (left to the run)")
            i += 1
            continue
        value = r if r < 0 else current
        if detail:
            yield EntryResult(index=i, status=value, why=why)
        yield store_status(mv, i, value, 1)
        if r == 0 and aot == "store_continue":
            i += 1
            continue
        err = yield from do_move_pages_to_node(mv, current, start, i, "entry not queued")
        if err:
            return _not_attempted(mv, err, i, "error_entry")
        if i > start and (not store_flush or mv.calls):
            yield store_status(mv, start, current, i - start)
        current = None
        i += 1
    # out_flush
    if current is None:
        return err
    if not mv.pagelist and not store_flush and aot == "queued":
        if i > start:
            yield Note(text=f"final flush: nothing queued, so status[{start}:{i}] "
                            "is never written (fixed by e0153fc2c760 in 5.5)")
        return err
    if not mv.pagelist:
        if i > start and aot == "store_continue":
            yield store_status(mv, start, current, i - start)
        return err
    err1 = yield from do_move_pages_to_node(mv, current, start, i, "final flush"
                                            if not jumped else "final flush after an error")
    if err1 == 0:
        yield store_status(mv, start, current, i - start)
    else:
        err1 = _not_attempted(mv, err1, i, "final")
    if prof.positive_return in ("ignored", "run_only"):
        if not err:
            err = err1
    elif err >= 0:
        err = err1
    return err


# -- v4.14: fixed chunks ------------------------------------------------------------

def do_pages_move_chunked(mv: _Move) -> Generator[Event, None, int]:
    """v4.14: chunks of 169 entries, one ``migrate_pages`` per chunk (section 4.1)."""
    k = mv.k
    size = k.profile.chunk_entries
    for chunk_start in range(0, mv.n, size):
        chunk_n = min(size, mv.n - chunk_start)
        yield ChunkStart(start=chunk_start, count=chunk_n)
        for j in range(chunk_start, chunk_start + chunk_n):
            if j >= len(mv.pages) or j >= len(mv.nodes):
                yield Note(text=f"pages[{j}] is not readable: EFAULT, chunk dropped")
                return -E.EFAULT
            node = mv.nodes[j]
            err = 0
            if node < 0 or node >= MAX_NUMNODES or not k.node_has_memory(node):
                err = -E.ENODEV
            elif node not in mv.task.cpuset:
                err = -E.EACCES
            if err:
                yield NodeInvalid(index=j, node=node, errno=E.errno_name(-err))
                return err
        err = yield from do_move_page_to_node_array(mv, chunk_start, chunk_n)
        if err < 0:
            return err
    return 0


def do_move_page_to_node_array(mv: _Move, base: int, count: int
                               ) -> Generator[Event, None, int]:
    """Look up and isolate a whole chunk, migrate it in one call, copy statuses out."""
    k = mv.k
    pm_status = [0] * count
    pm_page: list[Folio | None] = [None] * count
    pagelist = mv.pagelist
    for j in range(count):
        i = base + j
        node = mv.nodes[i]
        vma = mv.mm.find_vma(mv.pages[i])
        if vma is None or not vma.migratable:
            pm_status[j] = -E.EFAULT
            why = "no VMA" if vma is None else "VMA not migratable"
        else:
            err, folio, sub = follow_page(k, vma, mv.pages[i])
            why = ""
            if folio is None:
                pm_status[j] = err
                why = _lookup_why(k, vma, mv.pages[i], err)
            elif folio.node == node:
                pm_status[j] = node
                why = "already on the target node"
            elif not mv.migrate_all and _is_shared(k, folio, sub):
                pm_status[j] = -E.EACCES
                why = "mapped by more than one process"
            elif folio.is_hugetlb:
                if sub == 0:
                    isolate_hugetlb(folio, pagelist)  # v4.14 ignores the result
                    pm_page[j] = folio
                    pm_status[j] = 0
                    why = "hugetlb head isolated (result ignored)"
                else:
                    pm_status[j] = -E.EACCES
                    why = "hugetlb tail page"
            else:
                pm_page[j] = folio
                if k.lru.isolate(folio):
                    pagelist.append(folio)
                    pm_status[j] = 0
                    why = "isolated"
                    if mv.detail:
                        yield PageIsolated(index=i, pfn=folio.pfn, node=folio.node,
                                           nr_pages=folio.nr_pages, folio=folio.label())
                        continue
                else:
                    pm_status[j] = -E.EBUSY
                    why = "isolation failed (not on an LRU list)"
        if mv.detail:
            yield EntryResult(index=i, status=pm_status[j], why=why)
    err = 0
    if pagelist:
        first: dict[Folio, int] = {}
        for j, folio in enumerate(pm_page):
            if folio is not None and folio not in first:
                first[folio] = j

        def target(folio: Folio) -> int | None:
            j = first.get(folio)
            return None if j is None else mv.nodes[base + j]

        def on_result(folio: Folio, rc: int, node: int) -> None:
            # unmap_and_move writes page_to_nid(newpage): the node the target was
            # allocated on. A page "freed under us" is a success whose folio never
            # moved, so its own node would be the stale source (kernel-notes 6, F24).
            j = first.get(folio)
            if j is not None:
                pm_status[j] = rc if rc else node

        yield BatchFlush(node=-1, start=base, end=base + count, folios=len(pagelist),
                         why="whole chunk, each page to its own entry's node")
        mv.calls += 1
        call = MigrateCall(target=target, cpu=mv.cpu, node=-1, detail=mv.detail,
                           on_result=on_result)
        err = yield from migrate_pages(k, pagelist, call)
        if err and pagelist:
            yield Putback(folios=len(pagelist))
            _putback(k, pagelist, mv.cpu)
        pagelist.clear()
    if err < 0:
        yield Note(text=f"migrate_pages failed with {E.errno_name(-err)}: the chunk's "
                        "statuses are never copied out")
        return err
    mv.status[base:base + count] = pm_status
    yield StatusStore(start=base, end=base + count, value=-1)
    return 0


# -- query mode ------------------------------------------------------------------

def do_pages_stat(k: Kernel, mm: Mm, pages: list[int], status: list[int], n: int
                  ) -> Generator[Event, None, int]:
    """nodes == NULL: report where each page is, in chunks of 16; no drain."""
    for i in range(n):
        if i >= len(pages):
            return -E.EFAULT
        addr = pages[i]
        vma = mm.find_vma(addr)
        if vma is None:
            status[i] = -E.EFAULT
            continue
        err, folio, _ = follow_page(k, vma, addr)
        status[i] = err if folio is None else folio.node
    yield StatusStore(start=0, end=n, value=-1)
    return 0


# -- the syscall -------------------------------------------------------------------

def sys_move_pages(k: Kernel, caller: Process, pid: int, pages: list[int],
                   nodes: list[int] | None, flags: int, status: list[int] | None = None,
                   count: int | None = None, detail: bool = False
                   ) -> Generator[Event, None, SyscallResult]:
    """move_pages(pid, count, pages, nodes, status, flags)."""
    n = len(pages) if count is None else count
    out = list(status) if status is not None else [E.UNSET] * max(n, 0)
    if len(out) < n:
        out.extend([E.UNSET] * (n - len(out)))
    yield SyscallEnter(pid=pid, count=n, flags=flags, nodes_null=nodes is None)
    mv: _Move | None = None
    err = 0
    task: Process | None = None
    if flags & ~(MPOL_MF_MOVE | MPOL_MF_MOVE_ALL):
        err = -E.EINVAL
    elif flags & MPOL_MF_MOVE_ALL and not caller.capable(CAP_SYS_NICE):
        err = -E.EPERM
    else:
        task = caller if pid == 0 else k.find_task(pid)
        if task is None:
            err = -E.ESRCH
        elif task is not caller and not (task.uid == caller.uid
                                          or caller.capable(CAP_SYS_PTRACE)):
            err = -E.EPERM
        elif task.mm is None:
            err = -E.EINVAL
    if not err and task is not None and task.mm is not None:
        if nodes is None:
            err = yield from do_pages_stat(k, task.mm, pages, out, n)
        else:
            mv = _Move(k=k, task=task, mm=task.mm, pages=pages, nodes=nodes, status=out, n=n,
                       migrate_all=bool(flags & MPOL_MF_MOVE_ALL), detail=detail,
                       cpu=caller.cpu)
            yield from _entry_drain(k)
            k.track(mv.pagelist)
            try:
                if k.profile.batching == "chunked":
                    err = yield from do_pages_move_chunked(mv)
                else:
                    err = yield from do_pages_move(mv)
            finally:
                k.untrack(mv.pagelist)
            if k.lru.disabled:
                yield LruCacheEnable()
            _exit_staging(k)
    if err < 0:
        ret, name = -1, E.errno_name(-err)
    else:
        ret, name = err, None
    yield SyscallExit(ret=ret, errno=name)
    return SyscallResult(ret=ret, errno=name, status=out,
                         migrate_calls=mv.calls if mv is not None else 0)


def run_syscall(gen: Generator[Event, None, SyscallResult],
                sink: list[Event] | None = None) -> SyscallResult:
    """Drain an engine generator, optionally keeping its events."""
    while True:
        try:
            event = next(gen)
        except StopIteration as stop:
            result: SyscallResult = stop.value
            return result
        if sink is not None:
            sink.append(event)
