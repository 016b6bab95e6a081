"""Per-node LRU lists and per-CPU LRU-add pagevecs (mm/swap.c).

A page added to the LRU first waits in the adding CPU's pagevec with PG_lru
clear and one extra reference. The pagevec is emptied onto the lists when the
add fills it, when the page is large (compound pages drain at once), or when a
drain runs. While ``lru_cache_disable()`` is in force (5.13+) every add goes
straight to the lists. ``isolate_lru_page`` only succeeds for a page with
PG_lru set, which is why a page still in a pagevec cannot be isolated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Final

from migratelab.kernel.folio import (
    ANON,
    PG_ACTIVE,
    PG_ISOLATED,
    PG_LAZYFREE,
    PG_LRU,
    PG_MLOCKED,
    PG_UNEVICTABLE,
    SHMEM,
    Folio,
)

_LIST_BITS: Final = PG_UNEVICTABLE | PG_MLOCKED | PG_ACTIVE

LRU_NAMES: Final = (
    "inactive_anon", "active_anon", "inactive_file", "active_file", "unevictable",
)


def lru_of(folio: Folio) -> str:
    """The list a folio belongs on, from its flags (folio_lru_list). Lazily freed
    anonymous memory is not swap-backed any more, so it sits on a file list."""
    flags = folio.flags
    if not flags & (_LIST_BITS | PG_LAZYFREE) and folio.kind is ANON:
        return "inactive_anon"
    if flags & (PG_UNEVICTABLE | PG_MLOCKED):
        return "unevictable"
    anon = folio.kind in (ANON, SHMEM) and not flags & PG_LAZYFREE
    active = bool(folio.flags & PG_ACTIVE)
    return ("active_" if active else "inactive_") + ("anon" if anon else "file")


class LruList:
    """One LRU list: a doubly linked list threaded through the folios, like the
    kernel's ``list_head``. New folios go on the head. O(1) add and remove, and
    no memory beyond two pointers a folio."""

    __slots__ = ("count", "head", "name", "pages", "tail")

    def __init__(self, name: str) -> None:
        self.name = name
        self.head: Folio | None = None
        self.tail: Folio | None = None
        self.count = 0
        self.pages = 0

    def push(self, folio: Folio) -> None:
        """Add at the head."""
        folio.lru_on = self
        folio.lru_prev = None
        folio.lru_next = self.head
        if self.head is not None:
            self.head.lru_prev = folio
        else:
            self.tail = folio
        self.head = folio
        self.count += 1
        self.pages += folio.nr_pages

    def unlink(self, folio: Folio) -> None:
        """Remove a folio that is on this list."""
        prev, nxt = folio.lru_prev, folio.lru_next
        if prev is None:
            self.head = nxt
        else:
            prev.lru_next = nxt
        if nxt is None:
            self.tail = prev
        else:
            nxt.lru_prev = prev
        folio.lru_prev = folio.lru_next = None
        folio.lru_on = None
        self.count -= 1
        self.pages -= folio.nr_pages

    def __getstate__(self) -> dict[str, object]:
        # a flat list, so copying and pickling never recurse along the links
        return {"name": self.name, "order": list(self)}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.name = str(state["name"])
        self.head = self.tail = None
        self.count = self.pages = 0
        order = state["order"]
        assert isinstance(order, list)
        for folio in reversed(order):
            self.push(folio)

    def __len__(self) -> int:
        return self.count

    def __contains__(self, folio: object) -> bool:
        return isinstance(folio, Folio) and folio.lru_on is self

    def __iter__(self) -> Iterator[Folio]:
        folio = self.head
        while folio is not None:
            nxt = folio.lru_next
            yield folio
            folio = nxt


class LruVec:
    """The five LRU lists of one node."""

    __slots__ = ("lists", "nr_isolated")

    def __init__(self) -> None:
        self.lists: dict[str, LruList] = {name: LruList(name) for name in LRU_NAMES}
        self.nr_isolated = 0

    def add(self, folio: Folio) -> None:
        """Put a folio on the head of its list and set PG_lru."""
        self.lists[lru_of(folio)].push(folio)
        folio.flags |= PG_LRU

    def remove(self, folio: Folio) -> None:
        """Take a folio off its list and clear PG_lru."""
        on = folio.lru_on
        if isinstance(on, LruList):
            on.unlink(folio)
        folio.flags &= ~PG_LRU

    def counts(self) -> dict[str, int]:
        """Pages (not folios) on each list."""
        return {name: lst.pages for name, lst in self.lists.items()}

    def head(self, name: str, n: int) -> list[Folio]:
        """The ``n`` most recently added folios of one list."""
        out: list[Folio] = []
        for folio in self.lists[name]:
            out.append(folio)
            if len(out) >= n:
                break
        return out


class Cpu:
    """One CPU: the node it sits on and its LRU-add pagevec."""

    __slots__ = ("cpu", "node", "pagevec")

    def __init__(self, cpu: int, node: int) -> None:
        self.cpu = cpu
        self.node = node
        self.pagevec: list[Folio] = []


class LruState:
    """All LRU lists and pagevecs of the machine, and the lru_cache_disable count."""

    def __init__(self, nr_nodes: int, cpus: list[Cpu], pagevec_size: int,
                 release: Callable[[Folio], None]) -> None:
        self.vecs = [LruVec() for _ in range(nr_nodes)]
        self.cpus = cpus
        self.pagevec_size = pagevec_size
        self.disabled = 0
        #: Frees a folio whose last reference was the pagevec's (see drain_cpu).
        self.release = release

    def lru_cache_add(self, folio: Folio, cpu: int) -> None:
        """Add a folio to the LRU the way ``lru_cache_add``/``folio_add_lru`` does.

        The pagevec takes a reference of its own; draining moves the folio to
        its list and drops that reference.
        """
        if self.disabled or folio.is_large:
            self.vecs[folio.node].add(folio)
            # a large folio drains the whole pagevec with it
            if folio.is_large and not self.disabled:
                self.drain_cpu(cpu)
            return
        folio.refcount += 1
        folio.pvec_cpu = cpu
        pvec = self.cpus[cpu].pagevec
        pvec.append(folio)
        if len(pvec) >= self.pagevec_size:
            self.drain_cpu(cpu)

    def drain_cpu(self, cpu: int) -> int:
        """``lru_add_drain`` on one CPU; returns how many folios moved."""
        pvec = self.cpus[cpu].pagevec
        moved = len(pvec)
        for folio in pvec:
            folio.pvec_cpu = -1
            folio.refcount -= 1
            if folio.refcount <= 0:
                # unmapped while it waited: the pagevec held the last reference
                self.release(folio)
            else:
                self.vecs[folio.node].add(folio)
        pvec.clear()
        return moved

    def drain_all(self) -> tuple[tuple[int, ...], int]:
        """``lru_add_drain_all``: only CPUs with something queued do work."""
        busy = tuple(c.cpu for c in self.cpus if c.pagevec)
        moved = sum(self.drain_cpu(c) for c in busy)
        return busy, moved

    def isolate(self, folio: Folio) -> bool:
        """``isolate_lru_page``: needs PG_lru; takes a reference."""
        if not folio.flags & PG_LRU:
            return False
        self.vecs[folio.node].remove(folio)
        folio.flags |= PG_ISOLATED
        folio.refcount += 1
        self.vecs[folio.node].nr_isolated += folio.nr_pages
        return True

    def unisolate(self, folio: Folio, node: int) -> None:
        """Drop the isolation bookkeeping taken on ``node``."""
        folio.flags &= ~PG_ISOLATED
        folio.refcount -= 1
        self.vecs[node].nr_isolated -= folio.nr_pages

    def putback(self, folio: Folio, cpu: int, via_pagevec: bool, src_node: int) -> None:
        """``putback_lru_page``: end the isolation and re-add the folio to the LRU."""
        self.unisolate(folio, src_node)
        if via_pagevec:
            self.lru_cache_add(folio, cpu)
        else:
            self.vecs[folio.node].add(folio)

    def remove_everywhere(self, folio: Folio) -> None:
        """Forget a folio that is being freed (off the list or out of its pagevec)."""
        if folio.flags & PG_LRU:
            self.vecs[folio.node].remove(folio)
        if folio.pvec_cpu >= 0:
            pvec = self.cpus[folio.pvec_cpu].pagevec
            pvec.remove(folio)
            folio.pvec_cpu = -1
            folio.refcount -= 1
