"""``move_pages`` and ``query`` ops: start the syscall, then build its record.

The record has the shape ``shared/oracle/guest_runner.py`` writes (see
``tests/conformance/FORMAT.md``): ``pid``, ``count``, ``flags``, ``nodes_null``,
``ret``, ``errno``, then either ``status``/``status_str`` (and ``nodes``) or, for
``record: "summary"`` (the default above 4096 entries), ``status_hist``; then
``vmstat_delta``. A call with nodes adds a query of the same addresses right after
it (``after_nodes``/``after_nodes_str`` or ``after_nodes_hist``, and
``after_query_errno`` when that query fails). ``migrate_calls`` (how many times
``migrate_pages()`` ran) is what only a simulator can see.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

from migratelab.kernel import errno as E
from migratelab.kernel.events import Event
from migratelab.kernel.machine import AGREEMENT_COUNTERS, Kernel
from migratelab.kernel.mm import Process
from migratelab.kernel.move_pages import SyscallResult, run_syscall, sys_move_pages
from migratelab.scenario import ops as O
from migratelab.scenario.resolve import Resolver, RunError

#: Requests longer than this are recorded as histograms unless ``record`` says.
FULL_RECORD_MAX = 4096


@dataclass(slots=True)
class PendingSyscall:
    """A move_pages or query started but not yet drained (for stepping UIs)."""

    events: Generator[Event, None, SyscallResult]
    finish: Callable[[SyscallResult], dict[str, Any]]


def _hist(values: list[int]) -> dict[str, int]:
    return dict(Counter(E.status_str(v) for v in values))


def vmstat_delta(k: Kernel, before: Counter[str]) -> dict[str, int]:
    """The six agreement counters always, any other counter only when it moved."""
    delta = {c: k.vmstat[c] - before[c] for c in AGREEMENT_COUNTERS}
    for name, value in k.vmstat.items():
        if name not in delta and value != before[name]:
            delta[name] = value - before[name]
    return delta


def start_syscall(names: Resolver, op: O.MovePages | O.Query, index: int, caller: Process,
                  detail: bool) -> PendingSyscall:
    """Begin a move_pages/query as ``caller``; drain ``events``, then call ``finish``."""
    k = names.k
    addrs, nodes = names.entries(op, index)
    pid = names.pid(op.pid, index, caller)
    query_op = isinstance(op, O.Query)
    nodes_null = query_op or (isinstance(op, O.MovePages) and op.nodes_null)
    flags = names.flags(op.flags, index)
    count = op.count
    if count is not None and count < 0:
        raise RunError(index, "count", "expected a count >= 0")
    prefill = op.status if isinstance(op, O.MovePages) else None
    status = list(prefill) if prefill is not None else [E.UNSET] * len(addrs)
    before = Counter(k.vmstat)
    gen = sys_move_pages(k, caller, pid, addrs, None if nodes_null else nodes, flags,
                         status=status, count=count, detail=detail)
    record = op.record or ("full" if len(addrs) <= FULL_RECORD_MAX else "summary")
    summary = record == "summary"

    def finish(result: SyscallResult) -> dict[str, Any]:
        rec: dict[str, Any] = {
            "pid": pid, "count": len(addrs) if count is None else count, "flags": flags,
            "nodes_null": nodes_null, "ret": result.ret, "errno": result.errno,
        }
        shown = result.status[:len(addrs)]
        if summary:
            rec["status_hist"] = _hist(shown)
        else:
            rec["status"] = shown
            rec["status_str"] = [E.status_str(s) for s in shown]
            if not nodes_null:
                rec["nodes"] = nodes
        rec["vmstat_delta"] = vmstat_delta(k, before)
        rec["migrate_calls"] = result.migrate_calls
        if query_op:
            return rec
        after = run_syscall(sys_move_pages(k, caller, pid, addrs, None, 0))
        if after.ret < 0:
            after_status = [E.UNSET] * len(addrs)
            rec["after_query_errno"] = after.errno
        else:
            after_status = after.status
        if summary:
            rec["after_nodes_hist"] = _hist(after_status)
        else:
            rec["after_nodes"] = after_status
            rec["after_nodes_str"] = [E.status_str(s) for s in after_status]
        return rec

    return PendingSyscall(events=gen, finish=finish)
