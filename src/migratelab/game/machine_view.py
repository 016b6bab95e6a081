"""One read-only picture of the machine, handed to the UI by :meth:`Session.view`.

A :class:`MachineView` answers every question a pane asks (what is at this
address, what is on node 1's inactive anon list, which folios are isolated)
with plain values, and memoizes its answers: the session hands out a new view
only when its version changes, so two panes asking the same thing in one frame
pay once. Folios are named by the address that maps them (``A[3]``,
``T[0] (THP)``), which is how the player selected them.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from migratelab.game import view as v
from migratelab.kernel.folio import Folio
from migratelab.kernel.lru import LRU_NAMES
from migratelab.kernel.mm import PAGE_SHIFT, PAGE_SIZE
from migratelab.scenario.runner import ScenarioRunner

#: Folios named per LRU list before "... N more".
SHOWN = 6


@dataclass(frozen=True, slots=True)
class RegionView:
    """A named mapping of the player's process."""

    id: str
    kind: str
    base: int
    pages: int


@dataclass(frozen=True, slots=True)
class LruListView:
    """One LRU list from head to tail: pages on it, folios, and the first labels."""

    name: str
    pages: int
    folios: int
    labels: tuple[str, ...]

    @property
    def more(self) -> int:
        """Folios on the list beyond the labels shown."""
        return self.folios - len(self.labels)


@dataclass(frozen=True, slots=True)
class LruNodeView:
    """A node's five LRU lists and the folios isolated from them."""

    nid: int
    isolated_pages: int
    isolated: tuple[str, ...]
    lists: tuple[LruListView, ...]
    #: Folios on a migration list that now sit on this node (``isolated`` names the first).
    isolated_folios: int = 0


@dataclass(frozen=True, slots=True)
class PagevecView:
    """One CPU's LRU-add pagevec; ``slots`` holds the folios' labels in order."""

    cpu: int
    node: int
    size: int
    slots: tuple[str, ...]


class Labels:
    """Folio -> address label, rebuilt from the page tables only on a miss.

    Folios keep their identity when they migrate (see ``kernel.folio``), so the
    map survives most steps; a split makes new folios and one rebuild.
    """

    def __init__(self) -> None:
        self._map: dict[int, tuple[Folio, int, str]] = {}
        self._built_for = -1

    def folio(self, runner: ScenarioRunner, regions: list[RegionView], folio: Folio,
              version: int) -> str:
        """The label of the first address that maps ``folio`` (or ``pfn N``)."""
        hit = self._map.get(id(folio))
        if hit is not None and hit[0] is folio and hit[1] == folio.order:
            return hit[2]
        if self._built_for != version:
            self._rebuild(runner, regions)
            self._built_for = version
            hit = self._map.get(id(folio))
            if hit is not None and hit[0] is folio:
                return hit[2]
        return f"pfn {folio.pfn}"

    def _rebuild(self, runner: ScenarioRunner, regions: list[RegionView]) -> None:
        out: dict[int, tuple[Folio, int, str]] = {}
        mm = runner.proc.mm
        if mm is None:
            self._map = out
            return
        for reg in regions:
            page = 0
            while page < reg.pages:
                vma = mm.find_vma(reg.base + (page << PAGE_SHIFT))
                if vma is None:
                    page += 1
                    continue
                lo = (reg.base + (page << PAGE_SHIFT) - vma.start) >> PAGE_SHIFT
                hi = min(vma.npages, lo + reg.pages - page)
                for i, entry in enumerate(vma.pt[lo:hi]):
                    if isinstance(entry, Folio) and id(entry) not in out:
                        name = f"{reg.id}[{page + i}]"
                        out[id(entry)] = (entry, entry.order,
                                          name + " (THP)" if entry.is_thp else name)
                page += hi - lo
        self._map = out


class MachineView:
    """What the UI may know of the machine at one version (memoized)."""

    def __init__(self, runner: ScenarioRunner, version: int, labels: Labels) -> None:
        self._runner = runner
        self._labels = labels
        self.version = version
        self._pages: dict[int, v.PageView] = {}

    # -- regions and pages -----------------------------------------------------------
    @cached_property
    def regions(self) -> list[RegionView]:
        """The process's named regions, by address."""
        regs = sorted(self._runner.regions.items(), key=lambda kv: kv[1].base)
        return [RegionView(rid, r.kind, r.base, r.pages) for rid, r in regs]

    @cached_property
    def _bases(self) -> list[int]:
        return [r.base for r in self.regions]

    def page(self, addr: int) -> v.PageView:
        """The page mapped at ``addr`` in the player's process."""
        hit = self._pages.get(addr)
        if hit is None:
            hit = self._pages[addr] = v.page_view(self._runner, addr)
        return hit

    def page_kind(self, addr: int) -> tuple[str, int | None]:
        """(kind, node) of the page at ``addr``: :meth:`page` without its words."""
        return v.page_kind(self._runner, addr)

    def page_kinds(self, addr: int, count: int) -> tuple[tuple[str, int | None], ...]:
        """:meth:`page_kind` of ``count`` pages from ``addr`` (a row of the address space)."""
        return v.page_kinds(self._runner, addr, count)

    def label(self, addr: int) -> str:
        """``A[3]`` for an address inside region A (``0x...`` elsewhere)."""
        i = bisect.bisect_right(self._bases, addr) - 1
        if i >= 0:
            reg = self.regions[i]
            page = (addr - reg.base) // PAGE_SIZE
            if page < reg.pages:
                return f"{reg.id}[{page}]"
        return f"{addr:#x}"

    def pages_on_node(self, region: str, node: int) -> tuple[int, int]:
        """(pages of ``region`` on ``node``, pages in the region)."""
        return v.pages_on_node(self._runner, region, node)

    # -- nodes and frames ---------------------------------------------------------------
    @cached_property
    def nodes(self) -> list[v.NodeView]:
        """Every node, memoryless ones included."""
        return v.nodes(self._runner.k)

    @property
    def node_count(self) -> int:
        """How many nodes the machine has."""
        return len(self.nodes)

    def blocks(self, nid: int, first: int, count: int) -> tuple[v.BlockView, ...]:
        """2 MiB blocks of a node (see :func:`migratelab.game.view.blocks`), as a tuple
        a frame-map row can be keyed on."""
        return tuple(v.blocks(self._runner.k, nid, first, count))

    @cached_property
    def _pfn_ranges(self) -> list[tuple[int, int, int]]:
        out = []
        for node in self._runner.k.nodes:
            if node.mem is not None:
                out.append((node.mem.base_pfn, node.mem.base_pfn + node.mem.total_pages,
                            node.nid))
        return sorted(out)

    def locate(self, pfn: int) -> tuple[int, int] | None:
        """(node, 2 MiB block) of a frame, or None for no frame."""
        for lo, hi, nid in self._pfn_ranges:
            if lo <= pfn < hi:
                return nid, (pfn - lo) >> 9
        return None

    # -- LRU lists and pagevecs -----------------------------------------------------------
    def _name(self, folio: Folio) -> str:
        return self._labels.folio(self._runner, self.regions, folio, self.version)

    def _first(self, folios: Iterator[Folio], n: int) -> tuple[str, ...]:
        out: list[str] = []
        for folio in folios:
            if len(out) >= n:
                break
            out.append(self._name(folio))
        return tuple(out)

    @cached_property
    def lru(self) -> list[LruNodeView]:
        """Every node's lists, head to tail, and its isolated folios."""
        k = self._runner.k
        isolated: dict[int, list[Folio]] = {}
        for lst in k.migration_lists:
            for folio in lst:
                isolated.setdefault(folio.node, []).append(folio)
        out: list[LruNodeView] = []
        for nid, vec in enumerate(k.lru.vecs):
            lists = tuple(LruListView(name, vec.lists[name].pages, len(vec.lists[name]),
                                      self._first(iter(vec.lists[name]), SHOWN))
                          for name in LRU_NAMES)
            mine = isolated.get(nid, [])
            out.append(LruNodeView(nid, vec.nr_isolated, self._first(iter(mine), SHOWN * 2),
                                   lists, len(mine)))
        return out

    @property
    def lru_cache_disabled(self) -> bool:
        """Whether lru_cache_disable() is in force (adds bypass the pagevecs)."""
        return bool(self._runner.k.lru.disabled)

    @cached_property
    def pagevecs(self) -> list[PagevecView]:
        """Every CPU's pagevec, slots labelled."""
        k = self._runner.k
        return [PagevecView(c.cpu, c.node, k.lru.pagevec_size,
                            tuple(self._name(f) for f in c.pagevec)) for c in k.lru.cpus]

    @cached_property
    def vmstat(self) -> dict[str, int]:
        """A copy of the vmstat counters."""
        return dict(self._runner.k.vmstat)
