"""``move_pages(2)``: the syscall, query mode and both batching models (mm/migrate.c).

Call graph (names as in the kernel)::

    sys_move_pages -> kernel_move_pages -> do_pages_stat            (nodes == NULL)
                                        -> do_pages_move            (v4.17+ runs,
                                             add_page_for_migration  pages_move.py)
                                             do_move_pages_to_node -> migrate_pages
                                             store_status
                                        -> do_pages_move_chunked    (v4.14,
                                             do_move_page_to_node_array  pages_move_chunked.py)

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
from migratelab.kernel.add_page import QUEUED, add_page_for_migration, follow_page
from migratelab.kernel.events import (
    EntryResult,
    Event,
    LruCacheDisable,
    LruCacheEnable,
    LruDrain,
    StatusNotStored,
    StatusStore,
    SyscallEnter,
    SyscallExit,
)
from migratelab.kernel.machine import CAP_SYS_NICE, CAP_SYS_PTRACE
from migratelab.kernel.mm import Mm, Process
from migratelab.kernel.pages_move import MoveState, do_pages_move, store_status
from migratelab.kernel.pages_move_chunked import do_pages_move_chunked
from migratelab.kernel.reasons import Reason

if TYPE_CHECKING:
    from migratelab.kernel.machine import Kernel

__all__ = ["FLAG_BITS", "MPOL_MF_MOVE", "MPOL_MF_MOVE_ALL", "MPOL_MF_STRICT", "QUEUED",
           "SyscallResult", "add_page_for_migration", "do_pages_stat", "follow_page",
           "run_syscall", "store_status", "sys_move_pages"]

MPOL_MF_STRICT = 1 << 0
MPOL_MF_MOVE = 1 << 1
MPOL_MF_MOVE_ALL = 1 << 2
FLAG_BITS = {"MPOL_MF_STRICT": MPOL_MF_STRICT, "MPOL_MF_MOVE": MPOL_MF_MOVE,
             "MPOL_MF_MOVE_ALL": MPOL_MF_MOVE_ALL}
DO_PAGES_STAT_CHUNK_NR = 16


@dataclass(slots=True)
class SyscallResult:
    """What the caller of ``move_pages`` sees, plus the engine's own count."""

    ret: int
    errno: str | None
    status: list[int]
    migrate_calls: int = 0
    notes: list[str] = field(default_factory=list)


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


# -- query mode ------------------------------------------------------------------

def do_pages_stat(k: Kernel, mm: Mm, pages: list[int], status: list[int], n: int,
                  detail: bool = False) -> Generator[Event, None, int]:
    """nodes == NULL: report where each page is, in chunks of 16; no drain.

    With ``detail`` every entry gets an :class:`EntryResult` with its reason
    (``PAGE_PRESENT`` for a page found, else the lookup's reason), so a query can
    be explained as well as a move.
    """
    for i in range(n):
        if i >= len(pages):
            if detail:
                yield StatusNotStored(start=i, end=n, reason=Reason.ARRAY_UNREADABLE)
            return -E.EFAULT
        addr = pages[i]
        vma = mm.find_vma(addr)
        if vma is None:
            status[i] = -E.EFAULT
            if detail:
                yield EntryResult(index=i, addr=addr, status=status[i], reason=Reason.NO_VMA)
            continue
        err, folio, _, reason = follow_page(k, vma, addr)
        status[i] = err if folio is None else folio.node
        if detail:
            yield EntryResult(index=i, addr=addr, status=status[i],
                              reason=Reason.PAGE_PRESENT if folio is not None else reason)
    yield StatusStore(start=0, end=n, value=-1)
    return 0


# -- the syscall -------------------------------------------------------------------

def _check_call(k: Kernel, caller: Process, pid: int, flags: int) -> tuple[int, Reason | None]:
    """kernel_move_pages' checks, in its order: flags first, then the task."""
    if flags & ~(MPOL_MF_MOVE | MPOL_MF_MOVE_ALL):
        return -E.EINVAL, Reason.BAD_FLAGS
    if flags & MPOL_MF_MOVE_ALL and not caller.capable(CAP_SYS_NICE):
        return -E.EPERM, Reason.MOVE_ALL_NEEDS_CAP
    task = caller if pid == 0 else k.find_task(pid)
    if task is None:
        return -E.ESRCH, Reason.NO_SUCH_TASK
    if task is not caller and not (task.uid == caller.uid or caller.capable(CAP_SYS_PTRACE)):
        return -E.EPERM, Reason.TASK_NOT_PERMITTED
    if task.mm is None:
        return -E.EINVAL, Reason.TASK_HAS_NO_MM
    return 0, None


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
    mv: MoveState | None = None
    err, reason = _check_call(k, caller, pid, flags)
    task = None if err else (caller if pid == 0 else k.find_task(pid))
    if not err and task is not None and task.mm is not None:
        if nodes is None:
            err = yield from do_pages_stat(k, task.mm, pages, out, n, detail)
            if err:
                reason = Reason.ARRAY_UNREADABLE
        else:
            mv = MoveState(k=k, task=task, mm=task.mm, pages=pages, nodes=nodes, status=out, n=n,
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
            reason = mv.reason
    if err < 0:
        ret, name = -1, E.errno_name(-err)
    else:
        ret, name, reason = err, None, None
    yield SyscallExit(ret=ret, errno=name, reason=reason)
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
