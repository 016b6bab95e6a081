"""The rules every part of a level obeys: limits, and what names and numbers may mean.

A level is shared, so nothing in it may cost unbounded memory or time (file size,
nodes, memory, ops, pages, entries), and a name must mean something where it is
used (a region mapped before it, a node the machine has, a known errno). The
checks here raise :class:`Problem` with the path of the offending field; the level
validator and every goal kind use them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from migratelab.kernel import errno as E
from migratelab.kernel.move_pages import FLAG_BITS
from migratelab.kernel.profiles import PROFILES, UnknownProfile, get_profile
from migratelab.levels.base import STATUS_RE, Request
from migratelab.scenario import ops as O

# the numbers shared with scenarios live in scenario.limits, with the work bound
from migratelab.scenario.limits import (
    MAX_ENTRIES,
    MAX_NODE_MB,
    MAX_OPS,
    MAX_PAGE_INDEX,
    MAX_PIN_COUNT,
    MAX_REGION_PAGES,
    MAX_TOTAL_REGION_PAGES,
)

if TYPE_CHECKING:
    from migratelab.levels.format import MachineSection

# -- limits: a level is shared, so nothing in it may cost unbounded memory or time ----
MAX_LEVEL_BYTES = 256 * 1024
MAX_HINTS = 20
MAX_EXPECT = 100
MAX_TEXT = 20_000
#: Nodes one migrate_pages op may list in ``from`` or ``to``.
MAX_NODES_LISTED = 64


class Problem(Exception):
    """The first thing wrong with a level: the field's path and what is wrong."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(message)
        self.where = where
        self.message = message


@dataclass
class World:
    """What static checking knows after some ops: regions (pages) and children."""

    regions: dict[str, int] = field(default_factory=dict)
    children: set[str] = field(default_factory=set)
    total_pages: int = 0
    #: Children that exited: ``child:NAME`` still names the pid they had.
    exited: set[str] = field(default_factory=set)

    def copy(self) -> World:
        """An independent copy (an expectation's setup must not leak into the next)."""
        return World(dict(self.regions), set(self.children), self.total_pages,
                     set(self.exited))


class Rules:
    """Checks of single values and ops against one machine; counts ops in the file."""

    def __init__(self, machine: MachineSection) -> None:
        self.machine = machine
        self.nodes = machine.nodes
        self.ops = 0

    @staticmethod
    def int_in(where: str, value: int, lo: int, hi: int) -> None:
        """``value`` lies in ``lo..hi``."""
        if not lo <= value <= hi:
            kind = f">= {lo}" if hi >= 1 << 40 else f"in {lo}..{hi}"
            raise Problem(where, f"expected int {kind}, got {value}")

    def node(self, where: str, ref: O.NodeRef, *, must_exist: bool) -> int:
        """The node ``ref`` names on this machine (it must exist when told)."""
        if isinstance(ref, bool):
            raise Problem(where, f"expected a node (int, 'N', 'last' or 'N+k'), got {ref}")
        if isinstance(ref, int):
            node = ref
            self.int_in(where, node, -(1 << 31), (1 << 31) - 1)
        else:
            text = ref.strip()
            if text == "N":
                node = self.nodes
            elif text == "last":
                node = self.nodes - 1
            elif text.startswith("N+") and text[2:].isdigit() and len(text) < 12:
                node = self.nodes + int(text[2:])
            else:
                raise Problem(where, f"expected a node (int, 'N', 'last' or 'N+k'), "
                                     f"got {ref!r}")
        if must_exist and not 0 <= node < self.nodes:
            raise Problem(where, f"node {node} does not exist (the machine has nodes "
                                 f"0..{self.nodes - 1})")
        return node

    def mem_node(self, where: str, ref: O.NodeRef) -> int:
        """A node that exists and has memory."""
        node = self.node(where, ref, must_exist=True)
        if node in self.machine.memoryless:
            raise Problem(where, f"node {node} has no memory")
        return node

    def region(self, where: str, world: World, rid: str) -> int:
        """Pages of region ``rid``, which must be mapped by now."""
        if rid not in world.regions:
            known = ", ".join(sorted(world.regions)) or "none"
            raise Problem(where, f"no region named {rid!r} is mapped before this point "
                                 f"(known: {known})")
        return world.regions[rid]

    def span(self, where: str, pages: int, rng: O.PageRange | None) -> None:
        """``[start, count]`` lies inside a region of ``pages`` pages."""
        if rng is None:
            return
        start, count = rng
        self.int_in(f"{where}[0]", start, 0, pages - 1)
        self.int_in(f"{where}[1]", count, 1, pages - start)

    def sel(self, where: str, pages: int, sel: O.PageSel) -> None:
        """Every item of a page selection lies inside the region."""
        if sel == "all":
            return
        if len(sel) > MAX_ENTRIES:
            raise Problem(where, f"more than {MAX_ENTRIES} items")
        for i, item in enumerate(sel):
            if isinstance(item, int):
                self.int_in(f"{where}[{i}]", item, 0, pages - 1)
            else:
                self.span(f"{where}[{i}]", pages, item)

    def status(self, where: str, value: str) -> None:
        """A ``status[]`` value: a node, ``-EERRNO`` or ``UNSET``."""
        if not STATUS_RE.match(value) or (value.startswith("-E") and value[1:] not in E.BY_NAME):
            raise Problem(where, f"expected a status like '1', '-EBUSY' or 'UNSET', "
                                 f"got {value!r}")

    def errno(self, where: str, value: str) -> None:
        """A known errno name."""
        if value not in E.BY_NAME:
            raise Problem(where, f"unknown errno {value!r} (known: "
                                 f"{', '.join(sorted(E.BY_NAME))})")

    def profile(self, where: str, name: str) -> None:
        """A known kernel profile."""
        try:
            get_profile(name)
        except UnknownProfile:
            raise Problem(where, f"unknown kernel profile {name!r} (known: "
                                 f"{', '.join(PROFILES)})") from None

    def op_list(self, where: str, ops: list[O.Op], world: World) -> None:
        """Every op in order, each seeing what the ones before it mapped."""
        for i, op in enumerate(ops):
            self.op(f"{where}[{i}]", op, world)

    def op(self, where: str, op: O.Op, world: World) -> None:
        """One op: its names exist, its numbers are in limits; updates ``world``."""
        self.ops += 1
        if self.ops > MAX_OPS:
            raise Problem(where, f"more than {MAX_OPS} ops in the file")
        if isinstance(op, O.Mmap):
            self.int_in(f"{where}.pages", op.pages, 1, MAX_REGION_PAGES)
            if op.id in world.regions or op.id in ("NULL", "UNMAPPED"):
                raise Problem(f"{where}.id", f"region {op.id!r} is already mapped"
                               if op.id in world.regions else f"{op.id!r} is a reserved name")
            world.total_pages += op.pages
            if world.total_pages > MAX_TOTAL_REGION_PAGES:
                raise Problem(f"{where}.pages", f"more than {MAX_TOTAL_REGION_PAGES} pages "
                                                f"mapped in total")
            world.regions[op.id] = op.pages
        elif isinstance(op, (O.Munmap, O.Mprotect, O.Madvise, O.Mlock, O.Munlock)):
            pages = self.region(f"{where}.id", world, op.id)
            self.span(f"{where}.range", pages, op.range)
        elif isinstance(op, O.Mbind):
            pages = self.region(f"{where}.id", world, op.id)
            self.span(f"{where}.range", pages, op.range)
            self._policy(where, op.mode, op.node, op.nodes)
            self._flags(f"{where}.flags", op.flags)
        elif isinstance(op, O.SetMempolicy):
            self._policy(where, op.mode, op.node, op.nodes)
        elif isinstance(op, O.MigratePages):
            for name, refs in (("from", op.from_), ("to", op.to)):
                if len(refs) > MAX_NODES_LISTED:
                    raise Problem(f"{where}.{name}", f"more than {MAX_NODES_LISTED} nodes")
                for i, ref in enumerate(refs):
                    self.node(f"{where}.{name}[{i}]", ref, must_exist=False)
            self._pid(f"{where}.pid", op.pid, world)
        elif isinstance(op, (O.Touch, O.Vmsplice, O.PagevecHold, O.Pin, O.LockPage,
                             O.Writeback)):
            pages = self.region(f"{where}.id", world, op.id)
            self.sel(f"{where}.pages", pages, op.pages)
            if isinstance(op, O.PagevecHold):
                self.int_in(f"{where}.cpu", op.cpu, 0,
                            self.nodes * self.machine.cpus_per_node - 1)
            if isinstance(op, O.Pin):
                self.int_in(f"{where}.count", op.count, 1, MAX_PIN_COUNT)
        elif isinstance(op, O.LruAddDrain):
            self.int_in(f"{where}.cpu", op.cpu, 0,
                        self.nodes * self.machine.cpus_per_node - 1)
        elif isinstance(op, O.Fork):
            if op.child in world.children | world.exited:
                raise Problem(f"{where}.child", f"child {op.child!r} already exists")
            world.children.add(op.child)
            self.op_list(f"{where}.ops", op.ops, world)
        elif isinstance(op, O.Child):
            if op.child not in world.children:
                raise Problem(f"{where}.child", f"no child named {op.child!r}")
            self.op_list(f"{where}.ops", op.ops, world)
        elif isinstance(op, O.ChildExit):
            if op.child not in world.children:
                raise Problem(f"{where}.child", f"no child named {op.child!r}")
            world.children.discard(op.child)
            world.exited.add(op.child)
        elif isinstance(op, (O.MovePages, O.Query)):
            self.request(where, op, world)
        elif isinstance(op, O.FillNode):
            node = self.mem_node(f"{where}.node", op.node)
            self.int_in(f"{where}.leave_mb", op.leave_mb, 0, self._node_mb(node))
            self.int_in(f"{where}.hole_pages", op.hole_pages, 1, 511)
            self.int_in(f"{where}.fragment_mb", op.fragment_mb, 0, MAX_NODE_MB)
        elif isinstance(op, O.HugetlbPool):
            node = self.mem_node(f"{where}.node", op.node)
            self.int_in(f"{where}.count", op.count, 0, self._node_mb(node) // 2)
        elif isinstance(op, O.Snapshot):
            for i, rid in enumerate(op.ids):
                self.region(f"{where}.ids[{i}]", world, rid)

    def _node_mb(self, node: int) -> int:
        m = self.machine
        return m.mem_mb[node] if isinstance(m.mem_mb, list) else m.mem_mb

    def _policy(self, where: str, mode: str, node: O.NodeRef | None,
                nodes: list[O.NodeRef] | None) -> None:
        chosen = 0
        if node is not None:
            self.node(f"{where}.node", node, must_exist=True)
            chosen += 1
        for i, ref in enumerate(nodes or []):
            self.node(f"{where}.nodes[{i}]", ref, must_exist=True)
            chosen += 1
        if mode in ("bind", "preferred", "interleave") and not chosen:
            raise Problem(f"{where}.node", f"mode {mode!r} needs a node or nodes")

    def _flags(self, where: str, flags: O.Flags) -> None:
        if isinstance(flags, int):
            self.int_in(where, flags, 0, (1 << 31) - 1)
            return
        for i, name in enumerate(flags):
            if name not in FLAG_BITS:
                raise Problem(f"{where}[{i}]", f"unknown flag {name!r} (known: "
                                               f"{', '.join(FLAG_BITS)})")

    def _pid(self, where: str, pid: O.PidRef, world: World) -> None:
        if isinstance(pid, str) and pid != "self" and (
                not pid.startswith("child:") or pid[6:] not in world.children | world.exited):
            raise Problem(where, f"expected 'self', 'child:NAME' of a forked child "
                                 f"(live, or exited: the pid it had) or an int, got {pid!r}")

    def request(self, where: str, op: Request, world: World) -> None:
        """A move_pages or query request: regions, pages, nodes, flags and pid."""
        n = len(op.entries or [])
        if n > MAX_ENTRIES:
            raise Problem(f"{where}.entries", f"more than {MAX_ENTRIES} entries")
        if op.range is not None:
            pages = self.region(f"{where}.range.id", world, op.range.id)
            if op.range.pages != "all":
                self.span(f"{where}.range.pages", pages, op.range.pages)
            if isinstance(op, O.MovePages):
                self.node(f"{where}.range.node", op.range.node, must_exist=False)
        for i, entry in enumerate(op.entries or []):
            ew = f"{where}.entries[{i}]"
            if isinstance(entry, (O.EntryObj, O.QueryEntryObj)):
                rid, page, offset = entry.id, entry.page, entry.offset
                node = entry.node if isinstance(entry, O.EntryObj) else None
            else:
                rid, page = entry[0], entry[1]
                offset = 0
                node = entry[2] if len(entry) == 3 else None
            if rid not in ("NULL", "UNMAPPED"):
                self.region(ew, world, rid)
            self.int_in(ew, page, 0, MAX_PAGE_INDEX)
            self.int_in(ew, offset, 0, 1 << 30)
            if node is not None:
                self.node(ew, node, must_exist=False)
        if isinstance(op, O.MovePages):
            self._flags(f"{where}.flags", op.flags)
            if op.count is not None:
                self.int_in(f"{where}.count", op.count, 0, MAX_ENTRIES)
            if op.status is not None and len(op.status) > MAX_ENTRIES:
                raise Problem(f"{where}.status", f"more than {MAX_ENTRIES} entries")
        self._pid(f"{where}.pid", op.pid, world)
