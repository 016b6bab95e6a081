"""The ops language (``shared/conformance/FORMAT.md``) as msgspec Structs.

One tagged union, :data:`Op`, keyed by the ``op`` field. Level files use the same
union for ``[[setup]]`` and ``[solution]``, so a scenario op and a level op are
the same value. Ops that only a real machine can run are accepted and skipped;
ops that only a simulator can stage are marked by :data:`SIMULATOR_ONLY`.
"""

from __future__ import annotations

from typing import Literal

import msgspec

#: A node: an int, or "N" (the first node that does not exist), "last", "N+k".
NodeRef = int | str


def node_number(ref: NodeRef, nodes: int) -> int | None:
    """The node ``ref`` names on a machine of ``nodes`` nodes; None if it is no such form."""
    if isinstance(ref, int):
        return ref
    text = ref.strip()
    if text == "N":
        return nodes
    if text == "last":
        return nodes - 1
    if text.startswith("N+") and text[2:].isdigit():
        return nodes + int(text[2:])
    return None
#: [start, count] in pages.
PageRange = tuple[int, int]
#: touch pages: "all", [i, ...] or [[start, count], ...].
PageSel = Literal["all"] | list[int | PageRange]


class Base(msgspec.Struct, tag_field="op", forbid_unknown_fields=True, kw_only=True):
    """Every op."""


class EntryObj(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One move_pages entry written as an object (allows a byte offset)."""

    id: str
    page: int = 0
    offset: int = 0
    node: NodeRef = 0


class QueryEntryObj(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One query entry written as an object."""

    id: str
    page: int = 0
    offset: int = 0


class RangeSpec(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Every ``step``-th page of a region (or of a [start, count] slice) to one node."""

    id: str
    pages: Literal["all"] | PageRange = "all"
    node: NodeRef = 0
    step: int = 1


MoveEntry = tuple[str, int, NodeRef] | EntryObj
QueryEntry = tuple[str, int] | QueryEntryObj


class Mmap(Base, tag="mmap"):
    """Map a region of ``pages`` 4 KiB pages."""

    id: str
    pages: int
    kind: Literal["anon", "anon_shared", "file", "hugetlb", "io"] = "anon"
    align_2m: bool = True
    prot: Literal["rw", "r", "none"] = "rw"
    fs: Literal["tmpfs", "ext4"] = "tmpfs"
    map: Literal["shared", "private"] | None = None
    prefill: bool = False


class Munmap(Base, tag="munmap"):
    """Unmap a region or part of one."""

    id: str
    range: PageRange | None = None


class Mprotect(Base, tag="mprotect"):
    """Change protection."""

    id: str
    prot: Literal["rw", "r", "none"]
    range: PageRange | None = None


class Madvise(Base, tag="madvise"):
    """madvise(2)."""

    id: str
    advice: Literal["hugepage", "nohugepage", "dontneed", "willneed", "cold", "pageout",
                    "mergeable", "unmergeable", "free"]
    range: PageRange | None = None


Mode = Literal["bind", "preferred", "interleave", "default", "local"]


class Mbind(Base, tag="mbind"):
    """Memory policy of a range."""

    id: str
    mode: Mode = "bind"
    node: NodeRef | None = None
    nodes: list[NodeRef] | None = None
    flags: list[str] | int = []
    range: PageRange | None = None


class MigratePages(Base, tag="migrate_pages"):
    """migrate_pages(2): move a process's pages from one node set to another."""

    pid: PidRef = "self"
    from_: list[NodeRef] = msgspec.field(name="from", default_factory=list)
    to: list[NodeRef] = msgspec.field(default_factory=list)


class SetMempolicy(Base, tag="set_mempolicy"):
    """Task memory policy."""

    mode: Mode
    node: NodeRef | None = None
    nodes: list[NodeRef] | None = None


class Touch(Base, tag="touch"):
    """Fault pages in by reading or writing them."""

    id: str
    pages: PageSel = "all"
    mode: Literal["write", "read"] = "write"


class Mlock(Base, tag="mlock"):
    """mlock(2)."""

    id: str
    range: PageRange | None = None


class Munlock(Base, tag="munlock"):
    """munlock(2)."""

    id: str
    range: PageRange | None = None


class Fork(Base, tag="fork"):
    """fork(2); the child runs ``ops`` and stays alive."""

    child: str
    ops: list[Op] = []


class Child(Base, tag="child"):
    """Run more ops in a live child."""

    child: str
    ops: list[Op] = []


class ChildExit(Base, tag="child_exit"):
    """End a child."""

    child: str


Flags = list[str] | int
PidRef = int | str


class MovePages(Base, tag="move_pages"):
    """The syscall (nodes given)."""

    entries: list[MoveEntry] | None = None
    range: RangeSpec | None = None
    flags: Flags = msgspec.field(default_factory=lambda: ["MPOL_MF_MOVE"])
    nodes_null: bool = False
    pid: PidRef = "self"
    count: int | None = None
    record: Literal["full", "summary"] | None = None
    status: list[int] | None = None


class Query(Base, tag="query"):
    """move_pages with nodes == NULL (the flags are still validated, before anything
    else)."""

    entries: list[QueryEntry] | None = None
    range: RangeSpec | None = None
    pid: PidRef = "self"
    flags: Flags = []
    count: int | None = None
    record: Literal["full", "summary"] | None = None


class Vmsplice(Base, tag="vmsplice"):
    """Take extra references on pages (a pin until unpin)."""

    id: str
    pages: PageSel = "all"


class Unpin(Base, tag="unpin"):
    """Drop every vmsplice and pin reference."""


class FillNode(Base, tag="fill_node"):
    """Fill a node so it keeps free 4 KiB pages but no free 2 MiB block."""

    node: NodeRef
    leave_mb: int = 8
    fragment_mb: int = 32
    hole_pages: int = 8


class ReleaseFill(Base, tag="release_fill"):
    """Undo fill_node."""


class HugetlbPool(Base, tag="hugetlb_pool"):
    """Set one node's hugetlb pool size."""

    node: NodeRef
    count: int


class Snapshot(Base, tag="snapshot"):
    """Record numa_maps-style lines for regions."""

    ids: list[str] = []


# -- simulator-only ops -------------------------------------------------------------

class PagevecHold(Base, tag="pagevec_hold"):
    """[simulator only] Pages wait in a CPU's LRU-add pagevec (PG_lru clear)."""

    id: str
    pages: PageSel = "all"
    cpu: int = 0
    during_call: bool = False


class LruAddDrain(Base, tag="lru_add_drain"):
    """[simulator only] Drain one CPU's pagevec."""

    cpu: int = 0


class LruAddDrainAll(Base, tag="lru_add_drain_all"):
    """[simulator only] Drain every CPU's pagevec."""


class Pin(Base, tag="pin"):
    """[simulator only] Extra references, as long-term GUP would take."""

    id: str
    pages: PageSel = "all"
    count: int = 1


class LockPage(Base, tag="lock_page"):
    """[simulator only] Someone else holds the page lock during the next syscall."""

    id: str
    pages: PageSel = "all"


class Writeback(Base, tag="writeback"):
    """[simulator only] The pages are under writeback during the next syscall."""

    id: str
    pages: PageSel = "all"


class Cpuset(Base, tag="cpuset"):
    """[simulator only] Restrict a task's cpuset to these memory nodes."""

    nodes: list[NodeRef]
    pid: PidRef = "self"


class Setuid(Base, tag="setuid"):
    """[simulator only] Change the task's uid; capabilities not listed are dropped."""

    uid: int
    caps: list[Literal["CAP_SYS_NICE", "CAP_SYS_PTRACE"]] = []
    pid: PidRef = "self"


# -- real-machine-only ops: accepted and skipped ---------------------------------------

class RealOnly(msgspec.Struct, tag_field="op", kw_only=True):
    """Ops that only make sense on a real machine; any fields are accepted."""


class Sysctl(RealOnly, tag="sysctl"):
    """Skipped by the simulator; ``migratelab verify`` writes it (and restores it)."""

    path: str = ""
    value: str | int = ""


class DropCaches(RealOnly, tag="drop_caches"):
    """Skipped by the simulator."""


class Compact(RealOnly, tag="compact"):
    """Skipped by the simulator."""


class Sleep(RealOnly, tag="sleep"):
    """Skipped by the simulator."""

    seconds: float = 0.1


class Cat(RealOnly, tag="cat"):
    """Skipped by the simulator."""


class Exec(RealOnly, tag="exec"):
    """Skipped by the simulator."""


class MemcpyBench(RealOnly, tag="memcpy_bench"):
    """Skipped by the simulator."""


Op = (
    Mmap | Munmap | Mprotect | Madvise | Mbind | MigratePages | SetMempolicy | Touch | Mlock
    | Munlock
    | Fork | Child | ChildExit | MovePages | Query | Vmsplice | Unpin | FillNode | ReleaseFill
    | HugetlbPool | Snapshot | PagevecHold | LruAddDrain | LruAddDrainAll | Pin | LockPage
    | Writeback | Cpuset | Setuid | Sysctl | DropCaches | Compact | Sleep | Cat | Exec | MemcpyBench
)

SIMULATOR_ONLY = frozenset(
    {"pagevec_hold", "lru_add_drain", "lru_add_drain_all", "pin", "lock_page", "writeback",
     "cpuset", "setuid"})
REAL_ONLY = frozenset(
    {"sysctl", "drop_caches", "compact", "sleep", "cat", "exec", "memcpy_bench"})
OP_NAMES: tuple[str, ...] = tuple(
    t.__struct_config__.tag for t in Op.__args__
)


class Scenario(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A scenario file."""

    name: str
    description: str = ""
    min_nodes: int | None = None
    ops: list[Op]


def op_name(op: msgspec.Struct) -> str:
    """The ``op`` tag of an op value."""
    return str(type(op).__struct_config__.tag)
