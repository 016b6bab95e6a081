"""Apply ops to a simulated kernel and record results in the real harness's shape.

:class:`ScenarioRunner` keeps the names a scenario uses (regions, children; see
:mod:`migratelab.scenario.resolve`) and turns each op into kernel calls: one
``case`` per op of the union, so mypy checks that every op is handled. The
simulator-only ops call :mod:`migratelab.kernel.staging`; ``move_pages`` and
``query`` records are built by :mod:`migratelab.scenario.syscall_record`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, assert_never

from migratelab.kernel import errno as E
from migratelab.kernel import staging
from migratelab.kernel.events import Event
from migratelab.kernel.fork import do_exit, do_fork
from migratelab.kernel.huge_memory import deferred_split_scan
from migratelab.kernel.machine import AGREEMENT_COUNTERS, Kernel
from migratelab.kernel.madvise import do_madvise
from migratelab.kernel.memory import handle_mm_fault, page_cache_get
from migratelab.kernel.mm import PAGE_SIZE, FaultError, Process
from migratelab.kernel.mmap import (
    do_mlock,
    do_mmap,
    do_mprotect,
    do_munmap,
)
from migratelab.kernel.move_pages import run_syscall
from migratelab.kernel.observe import numa_maps
from migratelab.scenario import ops as O
from migratelab.scenario.policy_record import run_mbind, run_migrate_pages
from migratelab.scenario.resolve import (
    MAX_REGION_PAGES,
    UNMAPPED_ADDR,
    Region,
    Resolver,
    RunError,
)
from migratelab.scenario.syscall_record import PendingSyscall, start_syscall

__all__ = ["MAX_REGION_PAGES", "UNMAPPED_ADDR", "PendingSyscall", "Region", "RunError",
           "ScenarioRunner", "run_scenario"]


@dataclass
class ScenarioRunner(Resolver):
    """Runs ops against one kernel. ``detail`` turns on per-page events."""

    detail: bool = False
    notes: list[str] = field(default_factory=list)

    def run(self, ops: list[O.Op], sink: list[Event] | None = None) -> list[dict[str, Any]]:
        """Apply every op in order; returns one record per op."""
        return [self.apply(op, i, self.proc, sink) for i, op in enumerate(ops)]

    def apply(self, op: O.Op, index: int, proc: Process,
              sink: list[Event] | None = None) -> dict[str, Any]:
        """Apply one op as ``proc``; returns its record."""
        rec: dict[str, Any] = {"i": index, "op": O.op_name(op)}
        if isinstance(op, (O.MovePages, O.Query)):
            pending = self.start_syscall(op, index, proc)
            rec.update(pending.finish(run_syscall(pending.events, sink)))
            return rec
        if isinstance(op, O.Mbind):
            rec.update(run_mbind(self, op, index, proc, self.detail, sink))
            return rec
        if isinstance(op, O.MigratePages):
            rec.update(run_migrate_pages(self, op, index, proc, self.detail, sink))
            return rec
        try:
            self._apply_plain(op, index, proc, rec)
        except (FaultError, ValueError) as exc:
            raise RunError(index, "op", str(exc)) from None
        return rec

    def start_syscall(self, op: O.MovePages | O.Query, index: int, caller: Process
                      ) -> PendingSyscall:
        """Begin a move_pages/query; the caller drains ``events`` then calls ``finish``."""
        return start_syscall(self, op, index, caller, self.detail)

    def _apply_plain(self, op: O.Op, index: int, proc: Process, rec: dict[str, Any]) -> None:
        k = self.k
        # one case per op; the simulator-only ones call migratelab.kernel.staging
        match op:
            case O.MovePages() | O.Query() | O.Mbind() | O.MigratePages():
                raise AssertionError("syscalls are applied by apply()")
            case O.RealOnly():
                rec["skipped"] = "only a real machine can run this op"
            case O.Mmap():
                self._mmap(op, index, proc, rec)
            case O.Munmap():
                do_munmap(k, proc, *self.span(op.id, op.range, index))
            case O.Mprotect():
                do_mprotect(k, proc, *self.span(op.id, op.range, index), op.prot)
            case O.Madvise():
                err, notes = do_madvise(k, proc, *self.span(op.id, op.range, index), op.advice)
                self.notes.extend(notes)
                rec["ret"], rec["errno"] = (-1, E.errno_name(-err)) if err else (0, None)
            case O.SetMempolicy():
                proc.policy = self.policy(op.mode, op.node, op.nodes, index)
            case O.Touch():
                reg = self.region(op.id, index)
                for p in self.page_list(op.id, op.pages, index):
                    handle_mm_fault(k, proc, reg.base + p * PAGE_SIZE, op.mode == "write")
            case O.Mlock() | O.Munlock():
                do_mlock(k, proc, *self.span(op.id, op.range, index), isinstance(op, O.Mlock))
            case O.Fork():
                if op.child in self.children or op.child in self.exited:
                    raise RunError(index, "child", f"child {op.child!r} already exists")
                child = do_fork(k, proc, op.child)
                self.children[op.child] = child
                rec["pid"] = child.pid
                rec["child_ops"] = [self.apply(c, j, child) for j, c in enumerate(op.ops)]
            case O.Child():
                child = self.child(op.child, index)
                rec["child_ops"] = [self.apply(c, j, child) for j, c in enumerate(op.ops)]
            case O.ChildExit():
                exiting = self.child(op.child, index)
                do_exit(k, exiting)
                del self.children[op.child]
                self.exited[op.child] = exiting.pid
            case O.FillNode():
                node = self.mem_node(op.node, index)
                # squeezing a node is memory pressure: the THP shrinker runs too
                rec["thps_split_by_shrinker"] = deferred_split_scan(k)
                k.mem(node).fill(op.leave_mb * 256, op.hole_pages)
            case O.ReleaseFill():
                for each in k.nodes:
                    if each.mem is not None:
                        each.mem.release_fill()
            case O.HugetlbPool():
                node = self.mem_node(op.node, index)
                if op.count < 0:
                    raise RunError(index, "count", "expected a count >= 0")
                rec["nr_hugepages"] = k.mem(node).set_pool(op.count)
            case O.Snapshot():
                rec["regions"] = {rid: numa_maps(k, proc, self.region(rid, index).base)
                                  for rid in (op.ids or list(self.regions))}
                rec["node_state"] = k.node_state()
            case O.Vmsplice() | O.Pin():
                count = op.count if isinstance(op, O.Pin) else 1
                if count <= 0:
                    raise RunError(index, "count", "expected a positive count")
                staging.pin(k, self.folios_at(proc, op.id, op.pages, index), count)
            case O.Unpin():
                staging.unpin(k)
            case O.PagevecHold():
                self.cpu(op.cpu, index)
                staging.pagevec_hold(k, self.folios_at(proc, op.id, op.pages, index), op.cpu,
                                     op.during_call)
            case O.LruAddDrain():
                self.cpu(op.cpu, index)
                rec["drained"] = staging.lru_add_drain(k, op.cpu)
            case O.LruAddDrainAll():
                rec["drained"] = staging.lru_add_drain_all(k)
            case O.LockPage() | O.Writeback():
                staging.hold_page_lock(k, self.folios_at(proc, op.id, op.pages, index),
                                       writeback=isinstance(op, O.Writeback))
            case O.Cpuset() | O.Setuid():
                self._credentials(op, index, proc)
            case _:
                assert_never(op)

    def _mmap(self, op: O.Mmap, index: int, proc: Process, rec: dict[str, Any]) -> None:
        if not 0 < op.pages <= MAX_REGION_PAGES:
            raise RunError(index, "pages", f"expected a page count from 1 to "
                                           f"{MAX_REGION_PAGES}, got {op.pages}")
        if op.id in self.regions:
            raise RunError(index, "id", f"region {op.id!r} is already mapped")
        shared = None if op.map is None else op.map == "shared"
        base = do_mmap(self.k, proc, op.pages, op.kind, prot=op.prot, shared=shared, fs=op.fs,
                       align_2m=op.align_2m, name=op.id)
        self.regions[op.id] = Region(base, op.pages, op.kind)
        rec["addr"] = hex(base)
        if op.prefill and op.kind == "file":
            assert proc.mm is not None
            vma = proc.mm.find_vma(base)
            assert vma is not None
            for idx in range(vma.npages):
                page_cache_get(self.k, proc, vma, idx)

    def _credentials(self, op: O.Cpuset | O.Setuid, index: int, proc: Process) -> None:
        pid = self.pid(op.pid, index, proc)
        task = proc if pid == 0 else self.k.find_task(pid)
        if task is None:
            raise RunError(index, "pid", f"no task with pid {pid}")
        if isinstance(op, O.Cpuset):
            nodes = [self.node(ref, index, "nodes") for ref in op.nodes]
            bad = [n for n in nodes if not self.k.node_has_memory(n)]
            if bad or not nodes:
                raise RunError(index, "nodes", f"a cpuset needs existing memory nodes, "
                                               f"got {nodes}")
            staging.set_cpuset(task, nodes)
        else:
            if op.uid < 0:
                raise RunError(index, "uid", "expected a uid >= 0")
            staging.set_credentials(task, op.uid, op.caps)


def run_scenario(scenario: O.Scenario, kernel: Kernel, detail: bool = False,
                 sink: list[Event] | None = None) -> dict[str, Any]:
    """Run a whole scenario; the result has the harness's top-level shape
    (``guest_runner.run_scenario``), including its ``skipped`` form when the machine
    has fewer nodes than ``min_nodes``."""
    res: dict[str, Any] = {"name": scenario.name, "description": scenario.description,
                           "kernel": kernel.profile.name, "nodes": len(kernel.nodes), "ok": True}
    if (scenario.min_nodes or 1) > len(kernel.nodes):
        res.update({"skipped": f"needs {scenario.min_nodes} nodes", "ops": []})
        return res
    runner = ScenarioRunner(kernel, detail=detail)
    before = Counter(kernel.vmstat)
    res["ops"] = runner.run(scenario.ops, sink)
    res["vmstat_delta"] = {c: kernel.vmstat[c] - before[c] for c in AGREEMENT_COUNTERS}
    res["notes"] = runner.notes
    return res
