"""One checker for every invariant of the simulated machine.

* frames are conserved per node (folios + hugetlb pool + fill + free = size);
* every PTE points at a live folio, and mapcounts agree with the page tables;
* LRU membership matches PG_lru, pagevec membership and isolation;
* a folio on an in-flight migration list is isolated, on no LRU list and in no
  pagevec, and on that one list once (a moved folio has left it);
* each refcount equals the references the folio's state implies;
* no two folios claim the same frame.

Tests and property tests call :func:`check`; ``Kernel.debug_checks`` makes the
runner call it after every engine event (:func:`checked`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Generator
from typing import TYPE_CHECKING, TypeVar, cast

from migratelab.kernel.folio import HPAGE_NR, PG_ISOLATED, PG_LRU, Folio
from migratelab.kernel.lru import lru_of
from migratelab.kernel.physmem import BLOCK_HUGETLB, BLOCK_THP, FRAME_FREE

if TYPE_CHECKING:
    from migratelab.kernel.events import Event
    from migratelab.kernel.machine import Kernel

R = TypeVar("R")


class InvariantError(AssertionError):
    """At least one invariant does not hold; the message lists them."""


def violations(k: Kernel) -> list[str]:
    """Every broken invariant, as readable sentences (empty when all hold)."""
    out: list[str] = []
    live = k.folios
    _frames(k, live, out)
    _mappings(k, live, out)
    _lru(k, live, out)
    _in_flight(k, out)
    return out


def check(k: Kernel) -> None:
    """Raise :class:`InvariantError` if any invariant is broken."""
    bad = violations(k)
    if bad:
        raise InvariantError("; ".join(bad[:10]) + (f" (+{len(bad) - 10} more)"
                                                    if len(bad) > 10 else ""))


def checked(k: Kernel, gen: Generator[Event, None, R]) -> Generator[Event, None, R]:
    """Pass events through, checking every invariant after each one."""
    while True:
        try:
            event = next(gen)
        except StopIteration as stop:
            check(k)
            return cast(R, stop.value)  # StopIteration carries the generator's R as Any
        check(k)
        yield event


def _frames(k: Kernel, live: set[Folio], out: list[str]) -> None:
    used: Counter[int] = Counter()
    pfns: dict[int, Folio] = {}
    for folio in live:
        used[folio.node] += folio.nr_pages
        other = pfns.get(folio.pfn)
        if other is not None:
            out.append(f"pfn {folio.pfn} claimed by {folio!r} and {other!r}")
        pfns[folio.pfn] = folio
        mem = k.nodes[folio.node].mem
        if mem is None:
            out.append(f"{folio!r} lives on memoryless node {folio.node}")
            continue
        block, slot = mem.locate(folio.pfn)
        if not 0 <= block < mem.nblocks:
            out.append(f"{folio!r} has a pfn outside node {folio.node}")
            continue
        if folio.is_hugetlb:
            if mem.block_kind[block] != BLOCK_HUGETLB or block in mem.pool_free:
                out.append(f"{folio!r} is not an in-use pool page")
        elif folio.order:
            if mem.block_kind[block] != BLOCK_THP:
                out.append(f"{folio!r} does not own a THP block")
        else:
            frames = mem.frames.get(block)
            if frames is None or frames[slot] == FRAME_FREE:
                out.append(f"{folio!r} sits on a free frame")
    for nid, pages in k.migration_targets:
        used[nid] += pages  # allocated for a folio about to move there
    for node in k.nodes:
        mem = node.mem
        if mem is None:
            continue
        fill = len(mem.fill_blocks) * HPAGE_NR + len(mem.fill_frames)
        pool = len(mem.pool_free) * HPAGE_NR
        total = used[node.nid] + pool + fill + mem.nr_free
        if total != mem.total_pages:
            out.append(f"node {node.nid}: frames not conserved: folios {used[node.nid]} + "
                       f"free pool {pool} + fill {fill} + free {mem.nr_free} = {total}, "
                       f"size {mem.total_pages}")


def _mappings(k: Kernel, live: set[Folio], out: list[str]) -> None:
    mappers: dict[Folio, set[int]] = defaultdict(set)
    submaps: dict[Folio, Counter[int]] = defaultdict(Counter)
    for proc in k.processes.values():
        if proc.mm is None:
            continue
        for vma in proc.mm.vmas:
            base = vma.start >> 12
            seen: set[Folio] = set()
            for idx, entry in enumerate(vma.pt):
                if not isinstance(entry, Folio):
                    continue
                if entry.refcount <= 0:
                    out.append(f"pid {proc.pid} maps freed {entry!r}")
                mappers[entry].add(proc.pid)
                if entry.submaps is not None:
                    submaps[entry][(base + idx) % HPAGE_NR] += 1
                seen.add(entry)
    for folio in live:
        n = len(mappers.get(folio, ()))
        if n != folio.mapcount:
            out.append(f"{folio!r}: mapcount {folio.mapcount}, page tables say {n}")
        if folio.submaps is not None:
            want = submaps.get(folio, Counter())
            for i in range(HPAGE_NR):
                if folio.submaps[i] != want[i]:
                    out.append(f"{folio!r}: subpage {i} mapped {folio.submaps[i]} times, "
                               f"page tables say {want[i]}")
                    break
        cache = 1 if folio.mapping is not None and _in_cache(folio) else 0
        isolated = 1 if folio.flags & PG_ISOLATED else 0
        pvec = 1 if folio.pvec_cpu >= 0 else 0
        expect = folio.mapcount + folio.pins + cache + isolated + pvec
        if folio.refcount != expect:
            out.append(f"{folio!r}: refcount {folio.refcount}, state implies {expect} "
                       f"(maps {folio.mapcount}, pins {folio.pins}, cache {cache}, "
                       f"isolated {isolated}, pagevec {pvec})")
        if expect == 0:
            out.append(f"{folio!r}: has no reference yet was not freed")


def _in_cache(folio: Folio) -> bool:
    cache = getattr(folio.mapping, "cache", None)
    return isinstance(cache, dict) and cache.get(folio.index) is folio


def _lru(k: Kernel, live: set[Folio], out: list[str]) -> None:
    on_lists: dict[Folio, tuple[int, str]] = {}
    isolated_pages: Counter[int] = Counter()
    for nid, vec in enumerate(k.lru.vecs):
        for name, lst in vec.lists.items():
            for folio in lst:
                if folio in on_lists:
                    out.append(f"{folio!r} is on two LRU lists")
                on_lists[folio] = (nid, name)
    in_pvec: set[Folio] = set()
    for cpu in k.lru.cpus:
        for folio in cpu.pagevec:
            in_pvec.add(folio)
            if folio.pvec_cpu != cpu.cpu:
                out.append(f"{folio!r} in CPU {cpu.cpu}'s pagevec says cpu {folio.pvec_cpu}")
    for folio in live:
        where = on_lists.get(folio)
        if folio.flags & PG_LRU:
            if where is None:
                out.append(f"{folio!r} has PG_lru but is on no list")
            elif where != (folio.node, lru_of(folio)):
                out.append(f"{folio!r} is on {where}, flags say ({folio.node}, {lru_of(folio)})")
        elif where is not None:
            out.append(f"{folio!r} is on an LRU list without PG_lru")
        if folio.pvec_cpu >= 0 and folio not in in_pvec:
            out.append(f"{folio!r} claims a pagevec it is not in")
        if folio.flags & PG_ISOLATED:
            if folio.flags & PG_LRU or folio.pvec_cpu >= 0:
                out.append(f"{folio!r} is isolated and on the LRU or a pagevec")
            if not folio.is_hugetlb:
                isolated_pages[folio.node] += folio.nr_pages
        if (not folio.is_hugetlb and not folio.flags & (PG_LRU | PG_ISOLATED)
                and folio.pvec_cpu < 0):
            out.append(f"{folio!r} is on no LRU list, in no pagevec and not isolated")
    for folio in on_lists:
        if folio.refcount <= 0:
            out.append(f"freed {folio!r} is still on an LRU list")
    for nid, vec in enumerate(k.lru.vecs):
        if vec.nr_isolated != isolated_pages[nid]:
            out.append(f"node {nid}: NR_ISOLATED {vec.nr_isolated}, isolated folios hold "
                       f"{isolated_pages[nid]} pages")


def _in_flight(k: Kernel, out: list[str]) -> None:
    seen: set[Folio] = set()
    for lst in k.migration_lists:
        for folio in lst:
            if folio in seen:
                out.append(f"{folio!r} is on a migration list twice")
            seen.add(folio)
            if not folio.flags & PG_ISOLATED:
                out.append(f"{folio!r} is on a migration list but not isolated")
            if folio.flags & PG_LRU or folio.pvec_cpu >= 0:
                out.append(f"{folio!r} is on a migration list and on the LRU or a pagevec")
