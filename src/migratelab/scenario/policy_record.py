"""The mbind and migrate_pages records, in the real harness's shape.

``mbind`` records ``ret`` and ``errno``, and ``vmstat_delta`` when the flags ask
to move (MPOL_MF_MOVE / MPOL_MF_MOVE_ALL). ``migrate_pages`` records ``pid``,
``from``, ``to``, ``ret``, ``errno``, ``vmstat_delta`` and, for every region the
scenario mapped, the node of each page queried through that pid afterwards
(``after_nodes`` / ``after_nodes_str``). On a real machine the vmstat delta of
migrate_pages(2) also counts the interpreter's own pages, so only the simulated
regions are comparable there (see :mod:`migratelab.scenario.conformance`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from migratelab.kernel import errno as E
from migratelab.kernel.events import Event
from migratelab.kernel.invariants import checked
from migratelab.kernel.machine import AGREEMENT_COUNTERS
from migratelab.kernel.mempolicy import (
    MOVING,
    PolicyResult,
    do_mbind,
    run_policy_call,
)
from migratelab.kernel.migrate_syscall import kernel_migrate_pages
from migratelab.kernel.mm import PAGE_SIZE, Process
from migratelab.kernel.move_pages import run_syscall, sys_move_pages
from migratelab.scenario import ops as O
from migratelab.scenario.resolve import RunError

if TYPE_CHECKING:
    from migratelab.scenario.resolve import Resolver


def _delta(before: Counter[str], after: Counter[str]) -> dict[str, int]:
    out = {c: after[c] - before[c] for c in AGREEMENT_COUNTERS}
    for name, value in after.items():
        if name not in out and value != before[name]:
            out[name] = value - before[name]
    return out


def _drain(res: Resolver, gen: Generator[Event, None, PolicyResult],
           sink: list[Event] | None) -> PolicyResult:
    """Run the call; with ``Kernel.debug_checks`` every invariant after each event."""
    return run_policy_call(checked(res.k, gen) if res.k.debug_checks else gen, sink)


def run_mbind(res: Resolver, op: O.Mbind, index: int, proc: Process, detail: bool,
              sink: list[Event] | None) -> dict[str, Any]:
    """Apply an mbind op as ``proc``; returns the record fields."""
    reg = res.region(op.id, index)
    start, npages = (0, reg.pages) if op.range is None else op.range
    if start < 0 or npages < 0:
        raise RunError(index, "range", f"[{start}, {npages}] is not a page range")
    addr = reg.base + start * PAGE_SIZE  # past the region's end is for the kernel to judge
    nodes: list[int] = []
    if op.node is not None:
        nodes.append(res.node(op.node, index))
    nodes.extend(res.node(ref, index, "nodes") for ref in op.nodes or [])
    flags = res.flags(op.flags, index)
    before = Counter(res.k.vmstat)
    # a policy-only mbind is setup, like mmap: only a moving one reaches the trace
    result = _drain(res, do_mbind(res.k, proc, addr, npages, op.mode, tuple(nodes), flags,
                                  detail), sink if flags & MOVING else None)
    rec: dict[str, Any] = {"ret": result.ret, "errno": result.errno}
    if flags & MOVING:
        rec["vmstat_delta"] = _delta(before, res.k.vmstat)
    return rec


def run_migrate_pages(res: Resolver, op: O.MigratePages, index: int, proc: Process,
                      detail: bool, sink: list[Event] | None) -> dict[str, Any]:
    """Apply a migrate_pages op as ``proc``; returns the record fields."""
    k = res.k
    pid = res.pid(op.pid, index, proc)
    old = [res.node(ref, index, "from") for ref in op.from_]
    new = [res.node(ref, index, "to") for ref in op.to]
    before = Counter(k.vmstat)
    result = _drain(res, kernel_migrate_pages(k, proc, pid, old, new, detail), sink)
    rec: dict[str, Any] = {"pid": pid, "from": old, "to": new, "ret": result.ret,
                           "errno": result.errno, "vmstat_delta": _delta(before, k.vmstat)}
    after: dict[str, list[int]] = {}
    for rid in sorted(res.regions):
        reg = res.regions[rid]
        addrs = [reg.base + i * PAGE_SIZE for i in range(reg.pages)]
        query = run_syscall(sys_move_pages(k, proc, pid, addrs, None, 0))
        after[rid] = query.status
        if query.ret < 0:
            rec.setdefault("after_query_errno", {})[rid] = query.errno
    rec["after_nodes"] = after
    rec["after_nodes_str"] = {rid: [E.status_str(s) for s in st] for rid, st in after.items()}
    return rec
