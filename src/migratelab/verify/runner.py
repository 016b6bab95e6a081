"""Apply ops to the running kernel and record results in the harness's shape.

:class:`RealRunner` is the real-kernel twin of
:class:`migratelab.scenario.runner.ScenarioRunner`: the same ops, the same region
names, and ``move_pages``/``query`` records with the same fields (``ret``,
``errno``, ``status_str``, ``after_nodes_str``, ``vmstat_delta``), so that the
comparison code of ``migratelab check`` judges both. ``migrate_calls`` is absent:
a real kernel does not count its calls to ``migrate_pages()`` where user space
can see them.

Regions are mapped where the kernel puts them (a 2 MiB aligned one inside a
larger reservation the kernel chose). Every op that would crash the process
(a write to a read-only page, a touch after munmap) is refused as a
:class:`RealRunError` instead.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass, field
from typing import Any

from migratelab.scenario import ops as O
from migratelab.verify import fill, ops_memory
from migratelab.verify.children import ChildProcess
from migratelab.verify.host import Host, hugetlb_path, read_vmstat, vmstat_delta
from migratelab.verify.region import RealRunError, Region
from migratelab.verify.restore import Restorer
from migratelab.verify.syscalls import (
    MPOL_FLAGS,
    MPOL_MODE,
    PAGE,
    KernelCalls,
    SyscallError,
    errno_name,
    status_str,
)

#: Pages a pipe holds before vmsplice(2) would block (the default pipe size).
_PIPE_PAGES = 16
#: Only these trees may be written by a ``sysctl`` op of a shared file.
SYSCTL_ROOTS = ("/proc/sys/vm/", "/proc/sys/kernel/numa_balancing",
                "/sys/kernel/mm/transparent_hugepage/")


@dataclass
class RealRunner:
    """Runs ops on the real kernel as this process (or, in a child, as the child)."""

    sys: KernelCalls
    host: Host
    restorer: Restorer
    is_child: bool = False
    regions: dict[str, Region] = field(default_factory=dict)
    children: dict[str, ChildProcess] = field(default_factory=dict)
    #: Pids of children that exited and were reaped (pids are not reused soon).
    exited: dict[str, int] = field(default_factory=dict)
    pipes: list[tuple[int, int]] = field(default_factory=list)
    #: True while the op being applied is a judged call (see :meth:`apply`).
    requesting: bool = False
    #: fill_node's mappings, and each filled node's hugetlb pool size before it.
    fills: list[tuple[int, int]] = field(default_factory=list)
    fill_pools: dict[int, str] = field(default_factory=dict)

    # -- resolution ------------------------------------------------------------------
    def node(self, ref: O.NodeRef) -> int:
        """An int, "N", "last" or "N+k", against the running machine's nodes."""
        number = O.node_number(ref, self.host.node_count)
        if number is not None:
            return number
        raise RealRunError(f"expected a node, 'N', 'last' or 'N+k', got {ref!r}")

    def region(self, rid: str) -> Region:
        """A mapped region by name."""
        if rid not in self.regions:
            known = ", ".join(sorted(self.regions)) or "none"
            raise RealRunError(f"no region named {rid!r} (known: {known})")
        return self.regions[rid]

    def span(self, rid: str, rng: O.PageRange | None) -> tuple[Region, int, int]:
        """(region, first page, page count) of a region or a slice of it."""
        reg = self.region(rid)
        start, count = (0, reg.pages) if rng is None else rng
        if start < 0 or count <= 0 or start + count > reg.pages:
            raise RealRunError(f"range [{start}, {count}] is outside region {rid!r}")
        return reg, start, count

    def pages(self, rid: str, sel: O.PageSel) -> list[int]:
        """Page indices of "all", [i, ...] or [[start, count], ...]."""
        reg = self.region(rid)
        if sel == "all":
            return list(range(reg.pages))
        out: list[int] = []
        for item in sel:
            out.extend([item] if isinstance(item, int) else range(item[0], item[0] + item[1]))
        bad = [p for p in out if not 0 <= p < reg.pages]
        if bad:
            raise RealRunError(f"page {bad[0]} is outside region {rid!r} ({reg.pages} pages)")
        return out

    def pid(self, ref: O.PidRef) -> int:
        """0 for "self", a child's pid for "child:NAME" (after ``child_exit``, the
        pid it had), or a literal pid."""
        if isinstance(ref, int):
            return ref
        if ref == "self":
            return 0
        if ref.startswith("child:") and ref[6:] in self.children:
            return self.children[ref[6:]].pid
        if ref.startswith("child:") and ref[6:] in self.exited:
            return self.exited[ref[6:]]
        raise RealRunError(f"no child named {ref[6:]!r}" if ref.startswith("child:")
                           else f"expected 'self', 'child:NAME' or a pid, got {ref!r}")

    @staticmethod
    def flags(value: O.Flags) -> int:
        """Flag names or an int, as the syscall receives them."""
        if isinstance(value, int):
            return value
        unknown = [f for f in value if f not in MPOL_FLAGS]
        if unknown:
            raise RealRunError(f"unknown flag {unknown[0]!r}")
        bits = 0
        for name in value:
            bits |= MPOL_FLAGS[name]
        return bits

    def policy_nodes(self, node: O.NodeRef | None, nodes: list[O.NodeRef] | None) -> list[int]:
        """The nodes of an mbind/set_mempolicy op."""
        chosen = [self.node(node)] if node is not None else []
        return chosen + [self.node(n) for n in nodes or []]

    # -- running -----------------------------------------------------------------------
    def apply(self, op: Any, index: int = 0, request: bool = False) -> dict[str, Any]:
        """Apply one op; returns its record. Raises :class:`RealRunError`.

        ``request``: the op is a call whose answer is judged, so a syscall that fails
        (an mbind the kernel refuses) is its result, not a setup that cannot run."""
        name = O.op_name(op)
        rec: dict[str, Any] = {"i": index, "op": name}
        self.requesting = request
        try:
            if isinstance(op, (O.MovePages, O.Query)):
                rec.update(self.call(op))
            else:
                self._apply_plain(op, rec)
        except SyscallError as exc:
            raise RealRunError(f"{name}: {exc.strerror}") from None
        except (OSError, ValueError) as exc:
            raise RealRunError(f"{name}: {exc}") from None
        return rec

    def _apply_plain(self, op: Any, rec: dict[str, Any]) -> None:
        if isinstance(op, (O.Fork, O.Child, O.ChildExit)):
            self._child_op(op, rec)
        elif isinstance(op, O.SetMempolicy):
            self.restorer.keep_mempolicy()
            rc, err = self.sys.set_mempolicy(MPOL_MODE[op.mode],
                                             self.policy_nodes(op.node, op.nodes))
            if rc < 0:
                raise RealRunError(f"set_mempolicy failed: {errno_name(err)}")
        elif isinstance(op, O.Vmsplice):
            self._vmsplice(op)
        elif isinstance(op, O.Unpin):
            self.unpin()
        elif isinstance(op, (O.HugetlbPool, O.Sysctl)):
            if self.is_child:
                raise RealRunError("a child may not change machine-wide settings")
            if isinstance(op, O.HugetlbPool):
                path = hugetlb_path(self.node(op.node))
                self.restorer.write(path, str(op.count))
                rec["nr_hugepages"] = int((self.sys.read_file(path) or "0").strip())
            else:
                self.sysctl(op)
        elif isinstance(op, O.DropCaches):
            os.sync()
            self.restorer.files.write_file("/proc/sys/vm/drop_caches", "3")
        elif isinstance(op, O.Compact):
            self.restorer.files.write_file("/proc/sys/vm/compact_memory", "1")
        elif isinstance(op, O.Sleep):
            time.sleep(min(max(op.seconds, 0.0), 60.0))
        elif isinstance(op, O.Snapshot):
            rec["numa_maps"] = self.sys.read_file("/proc/self/numa_maps") or ""
        elif isinstance(op, (O.FillNode, O.ReleaseFill)):
            if self.is_child:
                raise RealRunError("a child may not change machine-wide settings")
            if isinstance(op, O.FillNode):
                fill.fill_node(self, op, rec)
            else:
                fill.release_fill(self)
        elif isinstance(op, O.MigratePages):
            self._migrate_pages(op, rec)
        elif isinstance(op, (O.Cat, O.MemcpyBench)):
            rec["skipped"] = "verify does not run diagnostic ops"
        else:
            ops_memory.apply(self, op, rec)

    def sysctl(self, op: O.Sysctl) -> None:
        """A ``sysctl`` op: only the memory-management trees, restored afterwards."""
        path = op.path
        if not path.startswith(SYSCTL_ROOTS) or ".." in path:
            raise RealRunError(f"sysctl path {path!r} is outside {', '.join(SYSCTL_ROOTS)}")
        self.restorer.write(path, str(op.value))

    def _migrate_pages(self, op: O.MigratePages, rec: dict[str, Any]) -> None:
        """migrate_pages(2): ret is the number of pages it could not move (or -1). The
        record has the simulator's fields (vmstat here also counts this interpreter's
        own pages, so only the regions' placement is comparable)."""
        pid = self.pid(op.pid)
        old = [self.node(n) for n in op.from_]
        new = [self.node(n) for n in op.to]
        before = read_vmstat(self.sys)
        rc, err = self.sys.migrate_pages(pid, old, new)
        rec.update({"pid": pid, "from": old, "to": new, "ret": rc,
                    "errno": errno_name(err) if err else None,
                    "vmstat_delta": vmstat_delta(before, read_vmstat(self.sys))})
        rec["after_nodes_str"] = {
            rid: [status_str(v) for v in self.sys.move_pages(
                pid, [reg.addr + p * PAGE for p in range(reg.pages)], None, 0).status]
            for rid, reg in sorted(self.regions.items())}

    def _child_op(self, op: O.Fork | O.Child | O.ChildExit, rec: dict[str, Any]) -> None:
        if isinstance(op, O.Fork):
            if op.child in self.children or op.child in self.exited:
                raise RealRunError(f"child {op.child!r} already exists")
            new = ChildProcess.start(self)
            self.children[op.child] = new
            rec["pid"] = new.pid
            rec["child_ops"] = new.run(op.ops)
            return
        child = self.children.get(op.child)
        if child is None:
            raise RealRunError(f"no child named {op.child!r}")
        if isinstance(op, O.Child):
            rec["child_ops"] = child.run(op.ops)
        else:
            child.end()
            del self.children[op.child]
            self.exited[op.child] = child.pid

    def _vmsplice(self, op: O.Vmsplice) -> None:
        reg = self.region(op.id)
        spans = [(reg.addr + p * PAGE, PAGE) for p in self.pages(op.id, op.pages)]
        # one pipe per pipe-full: a full pipe would block vmsplice(2) for ever
        for i in range(0, len(spans), _PIPE_PAGES):
            r, w = os.pipe()
            self.pipes.append((r, w))
            rc, err = self.sys.vmsplice(w, spans[i:i + _PIPE_PAGES])
            if rc < 0:
                raise RealRunError(f"vmsplice failed: {errno_name(err)}")

    def unpin(self) -> None:
        """Close the vmsplice pipes: the kernel drops their page references."""
        for r, w in self.pipes:
            os.close(r)
            os.close(w)
        self.pipes.clear()

    # -- the syscall ---------------------------------------------------------------------
    def addresses(self, op: O.MovePages | O.Query) -> tuple[list[int], list[int]]:
        """Addresses and target nodes of a request (nodes empty for a query)."""
        addrs: list[int] = []
        nodes: list[int] = []
        if op.range is not None:
            reg = self.region(op.range.id)
            first, count = (0, reg.pages) if op.range.pages == "all" else op.range.pages
            addrs = [reg.addr + (first + p) * PAGE for p in range(count)]
            nodes = [self.node(op.range.node)] * count
        hole: int | None = None
        for entry in op.entries or []:
            if isinstance(entry, (O.EntryObj, O.QueryEntryObj)):
                rid, page, offset = entry.id, entry.page, entry.offset
                if isinstance(entry, O.EntryObj):
                    nodes.append(self.node(entry.node))
            else:
                rid, page, offset = entry[0], entry[1], 0
                if len(entry) == 3:
                    nodes.append(self.node(entry[2]))
            if rid == "NULL":
                addrs.append(0)
            elif rid == "UNMAPPED":
                hole = hole if hole is not None else ops_memory.unmapped_address(self.sys)
                addrs.append(hole + page * PAGE + offset)
            else:
                addrs.append(self.region(rid).addr + page * PAGE + offset)
        return addrs, nodes

    def call(self, op: O.MovePages | O.Query) -> dict[str, Any]:
        """Make the call; the record has the harness's fields."""
        addrs, nodes = self.addresses(op)
        pid = self.pid(op.pid)
        is_query = isinstance(op, O.Query) or op.nodes_null
        flags = 0 if isinstance(op, O.Query) else self.flags(op.flags)
        count = op.count if isinstance(op, O.MovePages) else None
        prefill = op.status if isinstance(op, O.MovePages) else None
        before = read_vmstat(self.sys)
        res = self.sys.move_pages(pid, addrs, None if is_query else nodes, flags, count,
                                  prefill)
        delta = vmstat_delta(before, read_vmstat(self.sys))
        rec: dict[str, Any] = {
            "pid": pid, "count": len(addrs) if count is None else count, "flags": flags,
            "nodes_null": is_query, "ret": res.ret, "errno": res.errno,
            "status": res.status, "status_str": [status_str(s) for s in res.status],
            "vmstat_delta": delta,
        }
        if not is_query:
            rec["nodes"] = nodes
            after = self.sys.move_pages(pid, addrs, None, 0)
            if after.ret < 0:
                rec["after_query_errno"] = after.errno
            rec["after_nodes"] = after.status
            rec["after_nodes_str"] = [status_str(s) for s in after.status]
        return rec

    # -- the end ---------------------------------------------------------------------------
    def cleanup(self) -> None:
        """End children, drop pins, unmap every region and remove its file."""
        for name in list(self.children):
            self.children.pop(name).end()
        self.unpin()
        for reg in list(self.regions.values()):
            self.forget(reg, unmap=True)
        if self.fills or self.fill_pools:
            fill.release_fill(self)

    def forget(self, reg: Region, unmap: bool) -> None:
        """Drop a region: unmap what is still mapped, close and remove its file."""
        if unmap and any(p is not None for p in reg.prot):
            with contextlib.suppress(OSError):
                self.sys.munmap(reg.addr, reg.pages * PAGE)
        if reg.fd >= 0:
            os.close(reg.fd)
            reg.fd = -1
        if reg.path is not None:
            with contextlib.suppress(OSError):
                os.unlink(reg.path)
        self.regions.pop(reg.id, None)

