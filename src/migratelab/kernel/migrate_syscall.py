"""migrate_pages(2): move a process's pages from one node set to another
(mm/mempolicy.c: ``kernel_migrate_pages``, ``do_migrate_pages``, ``migrate_to_node``).

Call graph (names as in the kernel)::

    sys_migrate_pages -> kernel_migrate_pages -> do_migrate_pages
                          -> migrate_to_node -> queue_pages_range (pages on the node)
                                             -> migrate_pages(..., MR_SYSCALL)

The page walk and the policy results are :mod:`.mempolicy`'s (mbind shares them).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

from migratelab.kernel import errno as E
from migratelab.kernel.events import Event, MigratePagesEnter, MigrateToNode, Putback, QueuePages
from migratelab.kernel.machine import CAP_SYS_NICE, CAP_SYS_PTRACE, MAX_NUMNODES
from migratelab.kernel.mempolicy import (
    MPOL_MF_DISCONTIG_OK,
    MPOL_MF_MOVE,
    MPOL_MF_MOVE_ALL,
    MR_SYSCALL,
    PageQueue,
    PolicyResult,
    drain_for_isolation,
    policy_exit,
    queue_pages_range,
    undrain,
)
from migratelab.kernel.migrate import MigrateCall, migrate_pages, putback_movable_pages

if TYPE_CHECKING:
    from migratelab.kernel.machine import Kernel
    from migratelab.kernel.mm import Mm, Process


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
        return (yield from policy_exit(k, "migrate_pages", err, 0))
    assert task is not None and task.mm is not None
    flags = MPOL_MF_MOVE_ALL if caller.capable(CAP_SYS_NICE) else MPOL_MF_MOVE
    result = yield from do_migrate_pages(k, task.mm, sorted(set(old)), allowed, flags,
                                         caller.cpu, detail)
    return result


def do_migrate_pages(k: Kernel, mm: Mm, old: list[int], new: list[int], flags: int,
                     cpu: int, detail: bool) -> Generator[Event, None, PolicyResult]:
    """Move node by node, keeping the relative layout: pick a source whose target is
    not itself still to be emptied, so no node is filled before it is drained."""
    yield from drain_for_isolation(k)
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
    yield from undrain(k)
    return (yield from policy_exit(k, "migrate_pages", err if err < 0 else busy, calls))


def migrate_to_node(k: Kernel, mm: Mm, source: int, dest: int, flags: int, cpu: int,
                    detail: bool) -> Generator[Event, None, tuple[int, int]]:
    """Queue every page of the address space on ``source`` and migrate it to
    ``dest``; (failures or -errno, migrate_pages calls made)."""
    q = PageQueue(k=k, flags=flags | MPOL_MF_DISCONTIG_OK, nmask=frozenset({source}), pagelist=[])
    k.track(q.pagelist)
    try:
        if mm.vmas:
            queue_pages_range(q, mm, mm.vmas[0].start, mm.vmas[-1].end)
        yield QueuePages(queued=len(q.pagelist), skipped_shared=q.shared, failed=q.nr_failed,
                         errno=None)
        err = 0
        calls = 1 if q.pagelist else 0
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
        return err, calls
    finally:
        k.untrack(q.pagelist)
