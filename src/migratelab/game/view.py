"""What the UI may look at: read-only views of the simulated machine.

Widgets draw these plain values and never touch kernel objects, so the rule
"the UI never reaches into engine internals" holds, and every classification
the screen shows (is this page a THP tail? a pinned page?) is tested here,
without a terminal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from migratelab.kernel.folio import (
    FILE,
    HPAGE_NR,
    HUGE_ZERO_PAGE,
    PG_MLOCKED,
    SWAP_ENTRY,
    ZERO_PAGE,
    Folio,
)
from migratelab.kernel.machine import Kernel
from migratelab.kernel.mm import PAGE_SHIFT
from migratelab.kernel.physmem import (
    BLOCK_BASE,
    BLOCK_FILL,
    BLOCK_FREE,
    BLOCK_HUGETLB,
    BLOCK_THP,
)
from migratelab.scenario.runner import ScenarioRunner

#: Page kinds, most specific first (as the address space pane shows them).
PAGE_KINDS = ("unmapped", "not_present", "zero", "huge_zero", "swapped", "pinned", "mlocked",
              "hugetlb", "thp_head", "thp_tail", "shared", "file", "base")


@dataclass(frozen=True, slots=True)
class PageView:
    """One virtual page of the process: where it lives and what it is."""

    kind: str
    node: int | None
    detail: str


_WORDS = {"pinned": "pinned", "mlocked": "mlocked", "hugetlb": "hugetlb",
          "thp_head": "THP head", "thp_tail": "THP tail", "shared": "shared",
          "file": "page cache", "base": "base page"}
_NO_FOLIO = {"unmapped": "unmapped", "not_present": "not present", "zero": "zero page",
             "huge_zero": "huge zero page", "swapped": "swapped out"}


def page_entry(runner: ScenarioRunner, addr: int) -> tuple[str, object]:
    """The kind of the page mapped at ``addr`` in the runner's own process, and
    what its page table holds there (a folio, a marker or None)."""
    mm = runner.proc.mm
    vma = mm.find_vma(addr) if mm is not None else None
    if vma is None:
        return "unmapped", None
    entry = vma.pt[(addr - vma.start) >> PAGE_SHIFT]
    return _entry_kind(addr, entry), entry


def _entry_kind(addr: int, entry: object) -> str:
    """The kind of a page table entry mapped at ``addr``."""
    if entry is None:
        return "not_present"
    if entry is ZERO_PAGE:
        return "zero"
    if entry is HUGE_ZERO_PAGE:
        return "huge_zero"
    if entry is SWAP_ENTRY:
        return "swapped"
    assert isinstance(entry, Folio)
    if entry.pins:
        return "pinned"
    if entry.flags & PG_MLOCKED:
        return "mlocked"
    if entry.is_hugetlb:
        return "hugetlb"
    if entry.order:
        return "thp_head" if (addr >> PAGE_SHIFT) % HPAGE_NR == 0 else "thp_tail"
    if entry.mapcount > 1:
        return "shared"
    if entry.kind == FILE:
        return "file"
    return "base"


def page_kinds(runner: ScenarioRunner, addr: int, count: int
               ) -> tuple[tuple[str, int | None], ...]:
    """:func:`page_kind` of ``count`` pages from ``addr`` on: a row of the address
    space, compared as a whole to tell whether the row must be drawn again."""
    mm = runner.proc.mm
    out: list[tuple[str, int | None]] = []
    end = addr + (count << PAGE_SHIFT)
    while addr < end:
        vma = mm.find_vma(addr) if mm is not None else None
        if vma is None:  # (a hole: one page at a time until the next VMA)
            out.append(("unmapped", None))
            addr += 1 << PAGE_SHIFT
            continue
        first = (addr - vma.start) >> PAGE_SHIFT
        last = min(vma.npages, first + ((end - addr) >> PAGE_SHIFT))
        for i, entry in enumerate(vma.pt[first:last]):
            kind = _entry_kind(addr + (i << PAGE_SHIFT), entry)
            out.append((kind, entry.node if isinstance(entry, Folio) else None))
        addr += (last - first) << PAGE_SHIFT
    return tuple(out)


def page_kind(runner: ScenarioRunner, addr: int) -> tuple[str, int | None]:
    """(kind, node) of the page at ``addr``: what drawing it needs, without the
    words of :func:`page_view` (an address space row draws dozens of pages)."""
    kind, entry = page_entry(runner, addr)
    return kind, entry.node if isinstance(entry, Folio) else None


def page_view(runner: ScenarioRunner, addr: int) -> PageView:
    """Classify the page mapped at ``addr`` in the runner's own process."""
    kind, entry = page_entry(runner, addr)
    if not isinstance(entry, Folio):
        return PageView(kind, None, _NO_FOLIO[kind])
    return PageView(kind, entry.node,
                    f"node {entry.node}, {_WORDS[kind]} ({entry.kind}, "
                    f"pfn {entry.pfn:#x}, map {entry.mapcount}, ref {entry.refcount})")


def pages_on_node(runner: ScenarioRunner, region: str, node: int) -> tuple[int, int]:
    """(pages of ``region`` mapped on ``node``, pages in the region)."""
    reg = runner.regions[region]
    mm = runner.proc.mm
    on = 0
    end = reg.base + (reg.pages << PAGE_SHIFT)
    for vma in (mm.vmas if mm is not None else []):
        if vma.end <= reg.base or vma.start >= end:
            continue
        lo = max(0, (reg.base - vma.start) >> PAGE_SHIFT)
        hi = min(vma.npages, (end - vma.start) >> PAGE_SHIFT)
        on += sum(1 for e in vma.pt[lo:hi] if isinstance(e, Folio) and e.node == node)
    return on, reg.pages


@dataclass(frozen=True, slots=True)
class NodeView:
    """A node's memory at a glance."""

    nid: int
    has_memory: bool
    blocks: int
    total_mb: int
    used_mb: int
    free_2m_blocks: int
    hugetlb_free: int
    hugetlb_total: int


def nodes(k: Kernel) -> list[NodeView]:
    """Every node, memoryless ones included."""
    out: list[NodeView] = []
    for node in k.nodes:
        mem = node.mem
        if mem is None:
            out.append(NodeView(node.nid, False, 0, 0, 0, 0, 0, 0))
            continue
        out.append(NodeView(node.nid, True, mem.nblocks, mem.total_pages * 4 // 1024,
                            (mem.total_pages - mem.nr_free) * 4 // 1024, mem.nr_free_blocks,
                            len(mem.pool_free), mem.pool_total))
    return out


#: Kinds of 2 MiB block, as the frame map tells them apart.
BLOCK_KINDS = ("free", "base", "thp", "hugetlb", "hugetlb_free", "fill")


class BlockView(NamedTuple):
    """One 2 MiB block of physical memory; ``used`` counts 4 KiB frames in use.

    A tuple, not a dataclass: the frame map keys each row on its 64 blocks, and a
    tuple hashes in C (a dataclass's hash is Python, about 1,000 calls a step)."""

    kind: str
    used: int


def blocks(k: Kernel, nid: int, first: int, count: int) -> list[BlockView]:
    """Blocks ``first`` .. ``first + count - 1`` of a node (clipped to the node)."""
    mem = k.nodes[nid].mem
    if mem is None:
        return []
    out: list[BlockView] = []
    for block in range(first, min(mem.nblocks, first + count)):
        kind = mem.block_kind[block]
        if kind == BLOCK_FREE:
            out.append(BlockView("free", 0))
        elif kind == BLOCK_BASE:
            out.append(BlockView("base", mem.used_in_block.get(block, HPAGE_NR)))
        elif kind == BLOCK_THP:
            out.append(BlockView("thp", HPAGE_NR))
        elif kind == BLOCK_HUGETLB:
            free = block in mem.pool_free
            out.append(BlockView("hugetlb_free" if free else "hugetlb", 0 if free else HPAGE_NR))
        elif kind == BLOCK_FILL:
            out.append(BlockView("fill", HPAGE_NR))
    return out


def vmstat(k: Kernel) -> dict[str, int]:
    """A copy of the vmstat counters."""
    return dict(k.vmstat)


def node_count(k: Kernel) -> int:
    """How many nodes the machine has."""
    return len(k.nodes)
