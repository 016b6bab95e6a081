"""Names a scenario uses, resolved against one kernel.

:class:`Resolver` keeps the regions and children a scenario has created and turns
the ops language's references (``"A"``, ``"N+1"``, ``"child:C1"``, page
selections, flag names) into addresses, node ids, pids and folios. Every error
is a :class:`RunError` naming the op index and the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from migratelab.kernel.folio import Folio
from migratelab.kernel.machine import Kernel
from migratelab.kernel.mempolicy import MemPolicy
from migratelab.kernel.mm import PAGE_SIZE, Process
from migratelab.kernel.move_pages import FLAG_BITS
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


@dataclass
class Resolver:
    """The scenario's names on one kernel: regions, children, and ``k.init`` as self."""

    k: Kernel
    regions: dict[str, Region] = field(default_factory=dict)
    children: dict[str, Process] = field(default_factory=dict)
    #: Pids of children that exited and were reaped (no process has them now).
    exited: dict[str, int] = field(default_factory=dict)

    @property
    def proc(self) -> Process:
        """The scenario's own process."""
        return self.k.init

    # -- resolution ------------------------------------------------------------
    def node(self, ref: O.NodeRef, index: int, fname: str = "node") -> int:
        """Resolve an int, "N", "last" or "N+k" against this machine."""
        number = O.node_number(ref, len(self.k.nodes))
        if number is not None:
            return number
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

    def pid(self, ref: O.PidRef, index: int, caller: Process | None = None) -> int:
        """0 for "self", the caller's own pid for "getpid", a child's pid for
        "child:NAME" (after ``child_exit``, the pid it had), or a literal pid."""
        if isinstance(ref, int):
            return ref
        if ref == "self":
            return 0
        if ref == "getpid":
            return (self.proc if caller is None else caller).pid
        if ref.startswith("child:"):
            child = self.children.get(ref[6:])
            if child is not None:
                return child.pid
            if ref[6:] in self.exited:
                return self.exited[ref[6:]]
            raise RunError(index, "pid", f"no child named {ref[6:]!r}")
        raise RunError(index, "pid", f"expected 'self', 'getpid', 'child:NAME' or an int, "
                                     f"got {ref!r}")

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

    def child(self, name: str, index: int) -> Process:
        """A live child by name."""
        child = self.children.get(name)
        if child is None:
            raise RunError(index, "child", f"no child named {name!r}")
        return child

    def cpu(self, cpu: int, index: int) -> None:
        """Check that the machine has this CPU."""
        if not 0 <= cpu < len(self.k.cpus):
            raise RunError(index, "cpu", f"no CPU {cpu} (this machine has {len(self.k.cpus)})")

    def mem_node(self, ref: O.NodeRef, index: int) -> int:
        """A node that exists and has memory."""
        node = self.node(ref, index)
        if not self.k.node_has_memory(node):
            raise RunError(index, "node", f"node {node} does not exist or has no memory")
        return node

    def policy(self, mode: str, node: O.NodeRef | None, nodes: list[O.NodeRef] | None,
               index: int) -> MemPolicy:
        """The memory policy an mbind or set_mempolicy op names."""
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
            step = op.range.step
            if step <= 0:
                raise RunError(index, "range.step", f"expected a step >= 1, got {step}")
            node = self.node(op.range.node, index, "range.node")
            addrs = [reg.base + p * PAGE_SIZE for p in range(first, first + count, step)]
            nodes = [node] * len(addrs)
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
