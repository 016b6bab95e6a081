"""The simulated machine: NUMA nodes, CPUs, LRU state, vmstat and all processes.

:class:`Kernel` owns every piece of mutable state. The ``mm`` and ``move_pages``
modules are written as functions over a Kernel, named after the kernel
functions they stand for, so the call graph can be read next to mm/*.c.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from migratelab.kernel.folio import (
    HPAGE_NR,
    HUGETLB,
    PG_LRU,
    Folio,
)
from migratelab.kernel.lru import Cpu, LruState
from migratelab.kernel.physmem import (
    BLOCK_HUGETLB,
    BLOCK_THP,
    FRAME_ANON,
    FRAME_FILE,
    NodeMemory,
)
from migratelab.kernel.profiles import Profile, get_profile
from migratelab.kernel.staging import Pending

if TYPE_CHECKING:
    from migratelab.kernel.mm import Process

#: The vmstat counters every result reports (the conformance agreement set).
AGREEMENT_COUNTERS = (
    "pgmigrate_success", "pgmigrate_fail", "thp_migration_success",
    "thp_migration_fail", "thp_migration_split", "thp_split_page",
)

MAX_NUMNODES = 1024
CAP_SYS_NICE = "CAP_SYS_NICE"
CAP_SYS_PTRACE = "CAP_SYS_PTRACE"


@dataclass(frozen=True, slots=True)
class MachineSpec:
    """What a machine is made of; levels and the CLI build one of these."""

    nodes: int = 2
    mem_mb: tuple[int, ...] = ()
    cpus_per_node: int = 1
    hugetlb_per_node: int = 16
    thp: str = "madvise"
    memoryless: tuple[int, ...] = ()
    #: A swap device: MADV_PAGEOUT can swap anonymous pages out. The real kernels
    #: behind the conformance results have none, which is the default.
    swap: bool = False

    def node_mb(self, node: int) -> int:
        """Memory of one node in MiB (1024 unless given)."""
        if node in self.memoryless:
            return 0
        if self.mem_mb:
            return self.mem_mb[node] if node < len(self.mem_mb) else self.mem_mb[-1]
        return 1024


@dataclass(slots=True)
class Node:
    """One NUMA node."""

    nid: int
    mem: NodeMemory | None
    online: bool = True

    @property
    def has_memory(self) -> bool:
        """node_state(N_MEMORY)."""
        return self.mem is not None


class Kernel:
    """All state of one simulated machine running one profile."""

    def __init__(self, spec: MachineSpec, profile: Profile | str = "v6.12") -> None:
        self.spec = spec
        self.profile = get_profile(profile) if isinstance(profile, str) else profile
        self.nodes: list[Node] = []
        base_pfn = 0
        for nid in range(spec.nodes):
            mb = spec.node_mb(nid)
            mem = NodeMemory(nid, mb, base_pfn) if mb else None
            self.nodes.append(Node(nid, mem))
            base_pfn += max(mb, 2) * 256
        self.cpus = [
            Cpu(n * spec.cpus_per_node + i, n)
            for n in range(spec.nodes) for i in range(spec.cpus_per_node)
        ]
        self.lru = LruState(spec.nodes, self.cpus, self.profile.pagevec_size, self.free_folio)
        self.vmstat: Counter[str] = Counter()
        #: THPs and hugetlb folios that are alive (small, for deferred-split checks).
        self.large_folios: set[Folio] = set()
        #: Page caches of files and shmem objects (registered by mmap).
        self.backings: list[object] = []
        #: Lists of isolated folios in flight (a run's pagelist, split side lists, and
        #: inside ``migrate_pages()`` the pieces of the list a pass has split it into).
        #: A folio is on exactly one of them from isolation until it is moved, freed
        #: or put back, as the kernel's ``folio->lru`` links it into one list_head.
        self.migration_lists: list[Collection[Folio]] = []
        #: (node, pages) of a target frame allocated by migrate_pages() that no folio
        #: owns yet: between the allocation and the move, while a watcher looks.
        self.migration_targets: list[tuple[int, int]] = []
        #: State staged by the simulator-only ops (:mod:`migratelab.kernel.staging`).
        self.pending = Pending()
        self.thp_mode = spec.thp

        self.processes: dict[int, Process] = {}
        self.next_pid = 100
        for node in self.nodes:
            if node.mem is not None:
                node.mem.set_pool(spec.hugetlb_per_node)
        self.init = self.spawn(uid=0)
        #: Set by a debug flag: check every invariant after each engine step.
        self.debug_checks = False

    # -- processes -------------------------------------------------------
    def spawn(self, uid: int = 0, caps: frozenset[str] | None = None) -> Process:
        """Create a process with an empty address space, running on CPU 0."""
        from migratelab.kernel.mm import Mm, Process

        if caps is None:
            caps = frozenset({CAP_SYS_NICE, CAP_SYS_PTRACE}) if uid == 0 else frozenset()
        proc = Process(pid=self.next_pid, uid=uid, caps=caps,
                       cpuset=frozenset(n.nid for n in self.nodes), mm=Mm(), cpu=0)
        self.next_pid += 1
        self.processes[proc.pid] = proc
        return proc

    def find_task(self, pid: int) -> Process | None:
        """find_task_by_vpid: a live (or zombie) process."""
        return self.processes.get(pid)

    # -- folios ----------------------------------------------------------
    def mem(self, nid: int) -> NodeMemory:
        """The memory of a node that has memory."""
        mem = self.nodes[nid].mem
        if mem is None:
            raise ValueError(f"node {nid} has no memory")
        return mem

    def node_has_memory(self, nid: int) -> bool:
        """node_state(nid, N_MEMORY)."""
        return 0 <= nid < len(self.nodes) and self.nodes[nid].mem is not None

    def new_folio(self, kind: str, order: int, node: int, pfn: int) -> Folio:
        folio = Folio(kind, order, node, pfn)
        if order:
            if kind != HUGETLB:
                folio.submaps = bytearray(HPAGE_NR)
            self.large_folios.add(folio)
        return folio

    def alloc_base(self, kind: str, candidates: list[int]) -> Folio | None:
        """An order-0 folio on the first candidate node that has a free frame."""
        for nid in candidates:
            if not self.node_has_memory(nid):
                continue
            pfn = self.mem(nid).alloc_frame(FRAME_ANON if kind != "file" else FRAME_FILE)
            if pfn is not None:
                return self.new_folio(kind, 0, nid, pfn)
        return None

    def alloc_thp(self, kind: str, nid: int) -> Folio | None:
        """A THP on exactly this node (needs a whole free 2 MiB block)."""
        if not self.node_has_memory(nid):
            return None
        pfn = self.mem(nid).alloc_block(BLOCK_THP)
        if pfn is None:
            return None
        return self.new_folio(kind, 9, nid, pfn)

    def alloc_hugetlb(self, nid: int) -> Folio | None:
        """A hugetlb folio from the node's pool (a fault never goes past the pool;
        migration's own callback may, see ``migrate._alloc_target``)."""
        if not self.node_has_memory(nid):
            return None
        pfn = self.mem(nid).take_pool_page()
        return None if pfn is None else self.new_folio(HUGETLB, 9, nid, pfn)

    def free_folio(self, folio: Folio) -> None:
        """Give a folio's frames back (its refcount reached zero)."""
        self.lru.remove_everywhere(folio)
        mem = self.mem(folio.node)
        if folio.kind == HUGETLB:
            mem.return_pool_page(folio.pfn)
        elif folio.order:
            mem.free_block(folio.pfn)
        else:
            mem.free_frame(folio.pfn)
        self.large_folios.discard(folio)
        folio.refcount = 0

    def put_folio(self, folio: Folio) -> None:
        """Drop one reference; free the folio when none is left."""
        folio.refcount -= 1
        if folio.refcount <= 0:
            self.free_folio(folio)

    # -- in-flight lists ---------------------------------------------------
    def track(self, folios: Collection[Folio]) -> None:
        """Register a list of isolated folios in flight (for :attr:`folios`)."""
        self.migration_lists.append(folios)

    @contextmanager
    def tracking(self, *lists: Collection[Folio]) -> Iterator[None]:
        """Track ``lists`` while the block runs (a generator may yield inside it)."""
        for folios in lists:
            self.track(folios)
        try:
            yield
        finally:
            for folios in lists:
                self.untrack(folios)

    def untrack(self, folios: Collection[Folio]) -> None:
        """Forget an in-flight list. By identity: two lists with equal contents
        (two empty ones, say) are still different lists."""
        for i, lst in enumerate(self.migration_lists):
            if lst is folios:
                del self.migration_lists[i]
                return

    # -- reporting -------------------------------------------------------
    def node_state(self) -> dict[str, dict[str, int]]:
        """Per node: free memory, free 2 MiB blocks and the hugetlb pool."""
        out: dict[str, dict[str, int]] = {}
        for node in self.nodes:
            if node.mem is None:
                out[str(node.nid)] = {"memfree_kb": 0, "free_2m_blocks": 0,
                                      "hugetlb_free": 0, "hugetlb_total": 0}
                continue
            mem = node.mem
            out[str(node.nid)] = {
                "memfree_kb": mem.nr_free * 4,
                "free_2m_blocks": mem.free_2m_blocks(),
                "hugetlb_free": len(mem.pool_free),
                "hugetlb_total": mem.pool_total,
            }
        return out

    @property
    def folios(self) -> set[Folio]:
        """Every live folio, found by walking page tables, page caches, LRU lists,
        pagevecs and in-flight migration lists. Not kept as a set so that a 1 GiB
        process costs no extra memory; meant for checks and displays."""
        seen: set[Folio] = set()
        for proc in self.processes.values():
            if proc.mm is None:
                continue
            for vma in proc.mm.vmas:
                seen.update(e for e in vma.pt if isinstance(e, Folio))
        for backing in self.backings:
            seen.update(getattr(backing, "cache", {}).values())
        for vec in self.lru.vecs:
            for lru_list in vec.lists.values():
                seen.update(lru_list)
        for cpu in self.cpus:
            seen.update(cpu.pagevec)
        for in_flight in self.migration_lists:
            seen.update(in_flight)
        seen.update(self.large_folios)
        return {f for f in seen if f.refcount > 0}

    def on_lru(self, folio: Folio) -> bool:
        """PG_lru is set."""
        return bool(folio.flags & PG_LRU)


__all__ = ["AGREEMENT_COUNTERS", "BLOCK_HUGETLB", "Kernel", "MachineSpec", "Node"]
