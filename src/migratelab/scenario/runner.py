"""Apply ops to a simulated kernel and record results in the real harness's shape.

:class:`ScenarioRunner` keeps the names a scenario uses (regions, children) and
turns each op into kernel calls. ``move_pages`` and ``query`` records carry the
same fields as ``shared/conformance/results``: ``ret``, ``errno``, ``status``,
``status_str``, ``after_nodes``/``after_nodes_str`` (a query of the same
addresses right after the call) and ``vmstat_delta``, plus ``migrate_calls``,
which only a simulator can see.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

from migratelab.kernel import errno as E
from migratelab.kernel.events import Event
from migratelab.kernel.folio import PG_LOCKED, PG_LRU, PG_WRITEBACK, Folio
from migratelab.kernel.fork import do_exit, do_fork
from migratelab.kernel.huge_memory import deferred_split_scan
from migratelab.kernel.machine import AGREEMENT_COUNTERS, Kernel
from migratelab.kernel.memory import handle_mm_fault, page_cache_get
from migratelab.kernel.mempolicy import MemPolicy
from migratelab.kernel.mm import PAGE_SIZE, FaultError, Process
from migratelab.kernel.mmap import (
    do_madvise,
    do_mbind,
    do_mlock,
    do_mmap,
    do_mprotect,
    do_munmap,
)
from migratelab.kernel.move_pages import (
    FLAG_BITS,
    SyscallResult,
    run_syscall,
    sys_move_pages,
)
from migratelab.kernel.observe import numa_maps
from migratelab.scenario import ops as O

#: An address that no mapping covers (below the mmap area).
UNMAPPED_ADDR = 0x10000000
#: The largest region a scenario may map (16 GiB): a page table costs 8 bytes a
#: page even before anything is touched, so a typo must not exhaust memory.
MAX_REGION_PAGES = 1 << 22


class RunError(Exception):
    """An op that cannot be applied: names the op index and the field."""

    def __init__(self, index: int, field_name: str, message: str) -> None:
        super().__init__(f"ops[{index}].{field_name}: {message}")
        self.index = index
        self.field = field_name
        self.message = message


@dataclass(slots=True)
class Region:
    """A named mapping: start address and length in pages."""

    base: int
    pages: int
    kind: str


@dataclass(slots=True)
class PendingSyscall:
    """A move_pages or query started but not yet drained (for stepping UIs)."""

    events: Generator[Event, None, SyscallResult]
    finish: Callable[[SyscallResult], dict[str, Any]]


@dataclass
class ScenarioRunner:
    """Runs ops against one kernel. ``detail`` turns on per-page events."""

    k: Kernel
    detail: bool = False
    regions: dict[str, Region] = field(default_factory=dict)
    children: dict[str, Process] = field(default_factory=dict)
    pins: list[tuple[Folio, int]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def proc(self) -> Process:
        """The scenario's own process."""
        return self.k.init

    # -- resolution ------------------------------------------------------------
    def node(self, ref: O.NodeRef, index: int, fname: str = "node") -> int:
        """Resolve an int, "N", "last" or "N+k" against this machine."""
        n = len(self.k.nodes)
        if isinstance(ref, int):
            return ref
        text = ref.strip()
        if text == "N":
            return n
        if text == "last":
            return n - 1
        if text.startswith("N+") and text[2:].isdigit():
            return n + int(text[2:])
        raise RunError(index, fname, f"expected an int, 'N', 'last' or 'N+k', got {ref!r}")

    def region(self, rid: str, index: int, fname: str = "id") -> Region:
        """Look a region up by id."""
        try:
            return self.regions[rid]
        except KeyError:
            known = ", ".join(sorted(self.regions)) or "none"
            raise RunError(index, fname, f"no region named {rid!r} (known: {known})") from None

    def addr(self, rid: str, page: int, offset: int, index: int) -> int:
        """Byte address of page ``page`` of region ``rid`` (UNMAPPED and NULL too)."""
        if rid == "NULL":
            return 0
        if rid == "UNMAPPED":
            return UNMAPPED_ADDR + page * PAGE_SIZE + offset
        reg = self.region(rid, index, "entries")
        return reg.base + page * PAGE_SIZE + offset

    def page_list(self, rid: str, sel: O.PageSel, index: int) -> list[int]:
        """Page indices selected by "all", [i, ...] or [[start, count], ...]."""
        reg = self.region(rid, index)
        if sel == "all":
            return list(range(reg.pages))
        out: list[int] = []
        for item in sel:
            if isinstance(item, int):
                out.append(item)
            else:
                start, count = item
                out.extend(range(start, start + count))
        for p in out:
            if not 0 <= p < reg.pages:
                raise RunError(index, "pages", f"page {p} is outside region {rid!r} "
                                               f"({reg.pages} pages)")
        return out

    def span(self, rid: str, rng: O.PageRange | None, index: int) -> tuple[int, int]:
        """(address, pages) of a region or of a [start, count] slice of it."""
        reg = self.region(rid, index)
        if rng is None:
            return reg.base, reg.pages
        start, count = rng
        if start < 0 or count <= 0 or start + count > reg.pages:
            raise RunError(index, "range", f"[{start}, {count}] is outside region {rid!r}")
        return reg.base + start * PAGE_SIZE, count

    def pid(self, ref: O.PidRef, index: int) -> int:
        """0 for "self", a child's pid for "child:NAME", or a literal pid."""
        if isinstance(ref, int):
            return ref
        if ref == "self":
            return 0
        if ref.startswith("child:"):
            child = self.children.get(ref[6:])
            if child is None:
                raise RunError(index, "pid", f"no child named {ref[6:]!r}")
            return child.pid
        raise RunError(index, "pid", f"expected 'self', 'child:NAME' or an int, got {ref!r}")

    def flags(self, value: O.Flags, index: int) -> int:
        """Flag names or an int, as the syscall receives them."""
        if isinstance(value, int):
            return value
        bits = 0
        for name in value:
            if name not in FLAG_BITS:
                raise RunError(index, "flags", f"unknown flag {name!r} "
                                               f"(known: {', '.join(FLAG_BITS)})")
            bits |= FLAG_BITS[name]
        return bits

    def folios_at(self, proc: Process, rid: str, sel: O.PageSel, index: int) -> list[Folio]:
        """Distinct folios mapped at the selected pages (unmapped pages are skipped)."""
        assert proc.mm is not None
        reg = self.region(rid, index)
        seen: dict[Folio, None] = {}
        for p in self.page_list(rid, sel, index):
            vma = proc.mm.find_vma(reg.base + p * PAGE_SIZE)
            if vma is None:
                continue
            entry = vma.pt[vma.index(reg.base + p * PAGE_SIZE)]
            if isinstance(entry, Folio):
                seen[entry] = None
        return list(seen)

    # -- running ---------------------------------------------------------------
    def run(self, ops: list[Any], sink: list[Event] | None = None) -> list[dict[str, Any]]:
        """Apply every op in order; returns one record per op."""
        return [self.apply(op, i, self.proc, sink) for i, op in enumerate(ops)]

    def apply(self, op: Any, index: int, proc: Process,
              sink: list[Event] | None = None) -> dict[str, Any]:
        """Apply one op as ``proc``; returns its record."""
        name = O.op_name(op)
        rec: dict[str, Any] = {"i": index, "op": name}
        if name in O.REAL_ONLY:
            rec["skipped"] = "only a real machine can run this op"
            return rec
        if isinstance(op, (O.MovePages, O.Query)):
            pending = self.start_syscall(op, index, proc)
            result = run_syscall(pending.events, sink)
            rec.update(pending.finish(result))
            return rec
        try:
            self._apply_plain(op, index, proc, rec)
        except FaultError as exc:
            raise RunError(index, "op", str(exc)) from None
        except ValueError as exc:
            raise RunError(index, "op", str(exc)) from None
        return rec

    def _apply_plain(self, op: Any, index: int, proc: Process, rec: dict[str, Any]) -> None:
        k = self.k
        if isinstance(op, O.Mmap):
            if not 0 < op.pages <= MAX_REGION_PAGES:
                raise RunError(index, "pages", f"expected a page count from 1 to "
                                               f"{MAX_REGION_PAGES}, got {op.pages}")
            if op.id in self.regions:
                raise RunError(index, "id", f"region {op.id!r} is already mapped")
            shared = None if op.map is None else op.map == "shared"
            base = do_mmap(k, proc, op.pages, op.kind, prot=op.prot, shared=shared, fs=op.fs,
                           align_2m=op.align_2m, name=op.id)
            self.regions[op.id] = Region(base, op.pages, op.kind)
            rec["addr"] = hex(base)
            if op.prefill and op.kind == "file":
                assert proc.mm is not None
                vma = proc.mm.find_vma(base)
                assert vma is not None
                for idx in range(vma.npages):
                    page_cache_get(k, proc, vma, idx)
        elif isinstance(op, O.Munmap):
            addr, n = self.span(op.id, op.range, index)
            do_munmap(k, proc, addr, n)
        elif isinstance(op, O.Mprotect):
            addr, n = self.span(op.id, op.range, index)
            do_mprotect(k, proc, addr, n, op.prot)
        elif isinstance(op, O.Madvise):
            addr, n = self.span(op.id, op.range, index)
            self.notes.extend(do_madvise(k, proc, addr, n, op.advice))
        elif isinstance(op, O.Mbind):
            addr, n = self.span(op.id, op.range, index)
            do_mbind(k, proc, addr, n, self._policy(op.mode, op.node, op.nodes, index))
            if op.flags and self.flags(op.flags, index):
                self.notes.append("mbind(MPOL_MF_MOVE) does not migrate existing pages here")
        elif isinstance(op, O.SetMempolicy):
            proc.policy = self._policy(op.mode, op.node, op.nodes, index)
        elif isinstance(op, O.Touch):
            reg = self.region(op.id, index)
            write = op.mode == "write"
            for p in self.page_list(op.id, op.pages, index):
                handle_mm_fault(k, proc, reg.base + p * PAGE_SIZE, write)
        elif isinstance(op, (O.Mlock, O.Munlock)):
            addr, n = self.span(op.id, op.range, index)
            do_mlock(k, proc, addr, n, isinstance(op, O.Mlock))
        elif isinstance(op, O.Fork):
            if op.child in self.children:
                raise RunError(index, "child", f"child {op.child!r} already exists")
            child = do_fork(k, proc, op.child)
            self.children[op.child] = child
            rec["pid"] = child.pid
            rec["child_ops"] = [self.apply(c, j, child) for j, c in enumerate(op.ops)]
        elif isinstance(op, O.Child):
            child = self._child(op.child, index)
            rec["child_ops"] = [self.apply(c, j, child) for j, c in enumerate(op.ops)]
        elif isinstance(op, O.ChildExit):
            do_exit(k, self._child(op.child, index))
            del self.children[op.child]
        elif isinstance(op, (O.Vmsplice, O.Pin)):
            count = op.count if isinstance(op, O.Pin) else 1
            if count <= 0:
                raise RunError(index, "count", "expected a positive count")
            for folio in self.folios_at(proc, op.id, op.pages, index):
                folio.pins += count
                folio.refcount += count
                self.pins.append((folio, count))
        elif isinstance(op, O.Unpin):
            for folio, count in self.pins:
                folio.pins -= count
                for _ in range(count):
                    k.put_folio(folio)
            self.pins.clear()
        elif isinstance(op, O.FillNode):
            node = self._mem_node(op.node, index)
            # squeezing a node is memory pressure: the THP shrinker runs too
            rec["thps_split_by_shrinker"] = deferred_split_scan(k)
            k.mem(node).fill(op.leave_mb * 256, op.hole_pages)
        elif isinstance(op, O.ReleaseFill):
            for each in k.nodes:
                if each.mem is not None:
                    each.mem.release_fill()
        elif isinstance(op, O.HugetlbPool):
            node = self._mem_node(op.node, index)
            if op.count < 0:
                raise RunError(index, "count", "expected a count >= 0")
            rec["nr_hugepages"] = k.mem(node).set_pool(op.count)
        elif isinstance(op, O.Snapshot):
            rec["regions"] = {rid: numa_maps(k, proc, self.region(rid, index).base)
                              for rid in (op.ids or list(self.regions))}
            rec["node_state"] = k.node_state()
        elif isinstance(op, O.PagevecHold):
            self._cpu(op.cpu, index)
            folios = [f for f in self.folios_at(proc, op.id, op.pages, index) if not f.is_large]
            if op.during_call:
                k.pending.pagevec_holds.append((folios, op.cpu))
            else:
                for folio in folios:
                    if folio.flags & PG_LRU:
                        k.lru.vecs[folio.node].remove(folio)
                        k.lru.lru_cache_add(folio, op.cpu)
        elif isinstance(op, O.LruAddDrain):
            self._cpu(op.cpu, index)
            rec["drained"] = k.lru.drain_cpu(op.cpu)
        elif isinstance(op, O.LruAddDrainAll):
            rec["drained"] = k.lru.drain_all()[1]
        elif isinstance(op, (O.LockPage, O.Writeback)):
            bit = PG_LOCKED if isinstance(op, O.LockPage) else PG_WRITEBACK
            for folio in self.folios_at(proc, op.id, op.pages, index):
                folio.flags |= bit
                k.pending_locks.append(folio)
        elif isinstance(op, (O.Cpuset, O.Setuid)):
            pid = self.pid(op.pid, index)
            task = proc if pid == 0 else k.find_task(pid)
            if task is None:
                raise RunError(index, "pid", f"no task with pid {pid}")
            if isinstance(op, O.Cpuset):
                nodes = [self.node(ref, index, "nodes") for ref in op.nodes]
                bad = [n for n in nodes if not k.node_has_memory(n)]
                if bad or not nodes:
                    raise RunError(index, "nodes", f"a cpuset needs existing memory nodes, "
                                                   f"got {nodes}")
                task.cpuset = frozenset(nodes)
            else:
                if op.uid < 0:
                    raise RunError(index, "uid", "expected a uid >= 0")
                task.uid = op.uid
                task.caps = frozenset(op.caps)
        else:  # pragma: no cover - every Op type is handled above
            raise RunError(index, "op", f"unsupported op {O.op_name(op)!r}")

    def _child(self, name: str, index: int) -> Process:
        child = self.children.get(name)
        if child is None:
            raise RunError(index, "child", f"no child named {name!r}")
        return child

    def _cpu(self, cpu: int, index: int) -> None:
        if not 0 <= cpu < len(self.k.cpus):
            raise RunError(index, "cpu", f"no CPU {cpu} (this machine has {len(self.k.cpus)})")

    def _mem_node(self, ref: O.NodeRef, index: int) -> int:
        node = self.node(ref, index)
        if not self.k.node_has_memory(node):
            raise RunError(index, "node", f"node {node} does not exist or has no memory")
        return node

    def _policy(self, mode: str, node: O.NodeRef | None, nodes: list[O.NodeRef] | None,
                index: int) -> MemPolicy:
        chosen: list[int] = []
        if node is not None:
            chosen.append(self.node(node, index))
        for ref in nodes or []:
            chosen.append(self.node(ref, index, "nodes"))
        for n in chosen:
            if not 0 <= n < len(self.k.nodes):
                raise RunError(index, "node", f"node {n} does not exist")
        if mode in ("bind", "preferred", "interleave") and not chosen:
            raise RunError(index, "node", f"mode {mode!r} needs a node or nodes")
        return MemPolicy(mode, tuple(chosen))

    # -- the syscall -------------------------------------------------------------
    def entries(self, op: O.MovePages | O.Query, index: int) -> tuple[list[int], list[int]]:
        """Addresses and target nodes of a request (nodes empty for a query)."""
        addrs: list[int] = []
        nodes: list[int] = []
        if op.range is not None:
            reg = self.region(op.range.id, index, "range.id")
            if op.range.pages == "all":
                first, count = 0, reg.pages
            else:
                first, count = op.range.pages
            node = self.node(op.range.node, index, "range.node")
            addrs = [reg.base + (first + p) * PAGE_SIZE for p in range(count)]
            nodes = [node] * count
        for entry in op.entries or []:
            if isinstance(entry, (O.EntryObj, O.QueryEntryObj)):
                addrs.append(self.addr(entry.id, entry.page, entry.offset, index))
                if isinstance(entry, O.EntryObj):
                    nodes.append(self.node(entry.node, index, "entries"))
            elif len(entry) == 3:
                addrs.append(self.addr(entry[0], entry[1], 0, index))
                nodes.append(self.node(entry[2], index, "entries"))
            else:
                addrs.append(self.addr(entry[0], entry[1], 0, index))
        return addrs, nodes

    def start_syscall(self, op: O.MovePages | O.Query, index: int, caller: Process
                      ) -> PendingSyscall:
        """Begin a move_pages/query; the caller drains ``events`` then calls ``finish``."""
        k = self.k
        addrs, nodes = self.entries(op, index)
        pid = self.pid(op.pid, index)
        is_query = isinstance(op, O.Query) or (isinstance(op, O.MovePages) and op.nodes_null)
        flags = 0 if isinstance(op, O.Query) else self.flags(op.flags, index)
        count = op.count if isinstance(op, O.MovePages) else None
        if count is not None and count < 0:
            raise RunError(index, "count", "expected a count >= 0")
        prefill = op.status if isinstance(op, O.MovePages) else None
        status = list(prefill) if prefill is not None else [E.UNSET] * len(addrs)
        before = Counter(k.vmstat)
        gen = sys_move_pages(k, caller, pid, addrs, None if is_query else nodes, flags,
                             status=status, count=count, detail=self.detail)
        summary = isinstance(op, O.MovePages) and op.record == "summary"

        def finish(result: SyscallResult) -> dict[str, Any]:
            delta = {c: k.vmstat[c] - before[c] for c in AGREEMENT_COUNTERS}
            for name, value in k.vmstat.items():
                if name not in delta and value != before[name]:
                    delta[name] = value - before[name]
            rec: dict[str, Any] = {
                "pid": pid, "count": len(addrs) if count is None else count, "flags": flags,
                "nodes_null": is_query, "ret": result.ret, "errno": result.errno,
            }
            shown = result.status[: max(len(addrs), 0)] if count is None else result.status
            if summary:
                rec["status_hist"] = dict(Counter(E.status_str(s) for s in shown))
            else:
                rec["status"] = shown
                rec["status_str"] = [E.status_str(s) for s in shown]
            rec["vmstat_delta"] = delta
            rec["migrate_calls"] = result.migrate_calls
            if not is_query:
                rec["nodes"] = nodes
                after = run_syscall(sys_move_pages(k, caller, pid, addrs, None, 0))
                if after.ret < 0:
                    after_status = [E.UNSET] * len(addrs)
                    rec["after_query_errno"] = after.errno
                else:
                    after_status = after.status
                if summary:
                    rec["after_nodes_hist"] = dict(Counter(E.status_str(s) for s in after_status))
                else:
                    rec["after_nodes"] = after_status
                    rec["after_nodes_str"] = [E.status_str(s) for s in after_status]
            return rec

        return PendingSyscall(events=gen, finish=finish)


def run_scenario(scenario: O.Scenario, kernel: Kernel, detail: bool = False,
                 sink: list[Event] | None = None) -> dict[str, Any]:
    """Run a whole scenario; the result has the harness's top-level shape."""
    runner = ScenarioRunner(kernel, detail=detail)
    before = Counter(kernel.vmstat)
    ops = runner.run(scenario.ops, sink)
    return {
        "name": scenario.name,
        "kernel": kernel.profile.name,
        "nodes": len(kernel.nodes),
        "ops": ops,
        "vmstat_delta": {c: kernel.vmstat[c] - before[c] for c in AGREEMENT_COUNTERS},
        "notes": runner.notes,
    }
