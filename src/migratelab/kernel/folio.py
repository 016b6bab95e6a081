"""Folios: the unit the engine moves, isolates and maps.

A folio is one base page (order 0), one transparent huge page (order 9, 512
subpages) or one hugetlb page (2 MiB). The simulator keeps the *same* Python
object when a folio migrates and changes its node and frame in place. The kernel
allocates a new folio and remaps every PTE to it; the events
(``alloc_migration_target``, ``mm_migrate_folio_move``) still report the old and
the new frame, so the learner sees both, but page tables never need rewriting.
This is a deliberate simplification, named in the trace and the docs.
"""

from __future__ import annotations

from typing import Final

# Page flags the engine needs (a subset of include/linux/page-flags.h).
PG_LRU: Final = 1 << 0
PG_ACTIVE: Final = 1 << 1
PG_UNEVICTABLE: Final = 1 << 2
PG_MLOCKED: Final = 1 << 3
PG_LOCKED: Final = 1 << 4  # locked by someone else (the lock_page op)
PG_DIRTY: Final = 1 << 5
PG_WRITEBACK: Final = 1 << 6
PG_ISOLATED: Final = 1 << 7  # not a kernel flag: "on a migration list"
PG_PARTIALLY_MAPPED: Final = 1 << 8  # a THP with some subpages unmapped
PG_KSM: Final = 1 << 9
#: Not a kernel flag: a THP whose PMD was split (a VMA boundary cut through it),
#: so page tables map it 4 KiB at a time although every subpage is still mapped.
PG_PTE_MAPPED: Final = 1 << 10
#: MADV_FREE'd anonymous memory (the kernel clears PG_swapbacked): clean, on the
#: inactive file list, dropped by reclaim unless written again.
PG_LAZYFREE: Final = 1 << 11

FLAG_NAMES: Final = {
    PG_LRU: "lru", PG_ACTIVE: "active", PG_UNEVICTABLE: "unevictable",
    PG_MLOCKED: "mlocked", PG_LOCKED: "locked", PG_DIRTY: "dirty",
    PG_WRITEBACK: "writeback", PG_ISOLATED: "isolated",
    PG_PARTIALLY_MAPPED: "partially_mapped", PG_KSM: "ksm", PG_PTE_MAPPED: "pte_mapped",
    PG_LAZYFREE: "lazyfree",
}

HPAGE_ORDER: Final = 9
HPAGE_NR: Final = 1 << HPAGE_ORDER

#: Folio kinds.
ANON: Final = "anon"
FILE: Final = "file"      # page cache of a disk filesystem (ext4)
SHMEM: Final = "shmem"    # tmpfs and MAP_SHARED|MAP_ANONYMOUS
HUGETLB: Final = "hugetlb"


class Folio:
    """One allocated folio and its bookkeeping.

    ``refcount`` is kept explicitly so the invariant checker can compare it with
    what the folio's state implies: one per mapping, one per page-cache slot, one
    while isolated, one while in a pagevec, and one per extra pin.
    """

    __slots__ = (
        "flags",
        "index",
        "kind",
        "lru_next",
        "lru_on",
        "lru_prev",
        "mapcount",
        "mapping",
        "node",
        "order",
        "pfn",
        "pins",
        "pvec_cpu",
        "refcount",
        "submaps",
    )

    def __init__(self, kind: str, order: int, node: int, pfn: int) -> None:
        self.kind = kind
        self.order = order
        self.node = node
        self.pfn = pfn
        self.flags = 0
        self.refcount = 0
        #: Number of page tables that map the folio (a PMD or a set of PTEs of
        #: one process counts once); the simulator's stand-in for page_mapcount.
        self.mapcount = 0
        self.pins = 0
        self.pvec_cpu = -1
        #: The file or shmem object whose page cache holds the folio, if any.
        self.mapping: object | None = None
        self.index = 0
        #: Large folios only: for each subpage, how many processes map it.
        self.submaps: bytearray | None = None
        # list_head: neighbours on the LRU list the folio is on (``lru_on``)
        self.lru_prev: Folio | None = None
        self.lru_next: Folio | None = None
        self.lru_on: object | None = None

    def __getstate__(self) -> dict[str, object]:
        # List linkage is left out: a deep copy would otherwise recurse along the
        # whole list, and could reach the list before this folio is rebuilt. The
        # LruList keeps its order and relinks its folios (see lru.LruList).
        return {name: getattr(self, name) for name in self.__slots__
                if name not in ("lru_prev", "lru_next", "lru_on")}

    def __setstate__(self, state: dict[str, object]) -> None:
        for name, value in state.items():
            setattr(self, name, value)
        for name in ("lru_prev", "lru_next", "lru_on"):
            if not hasattr(self, name):  # not relinked by its list (yet)
                setattr(self, name, None)

    @property
    def nr_pages(self) -> int:
        """Number of 4 KiB pages in the folio."""
        return 1 << self.order

    @property
    def is_large(self) -> bool:
        """True for THPs and hugetlb pages."""
        return self.order > 0

    @property
    def is_thp(self) -> bool:
        """True for a transparent huge page."""
        return self.order > 0 and self.kind != HUGETLB

    @property
    def is_hugetlb(self) -> bool:
        """True for a hugetlbfs page."""
        return self.kind == HUGETLB

    def test(self, flag: int) -> bool:
        """Whether ``flag`` is set."""
        return bool(self.flags & flag)

    def label(self) -> str:
        """Short description used in events: ``thp@pfn 1024``."""
        what = "hugetlb" if self.kind == HUGETLB else ("thp" if self.order else self.kind)
        return f"{what}@{self.pfn}"

    def is_partially_mapped(self) -> bool:
        """A large folio some of whose subpages no process maps any more."""
        sub = self.submaps
        if sub is None or self.mapcount == 0:
            return False
        return sub.count(0) > 0

    def subpage_mapcount(self, subpage: int) -> int:
        """page_mapcount() of one subpage (the folio's mapcount for base pages)."""
        if self.submaps is None:
            return self.mapcount
        return self.submaps[subpage]

    def flag_names(self) -> list[str]:
        """Names of the set flags, for display."""
        return [name for bit, name in FLAG_NAMES.items() if self.flags & bit]

    def __repr__(self) -> str:
        return f"<Folio {self.label()} node={self.node} ref={self.refcount} map={self.mapcount}>"


class _Special:
    """A page-table value that is not a folio of its own."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name

    # Page tables compare with ``is``: copies and pickles must keep the identity.
    def __copy__(self) -> _Special:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> _Special:
        return self

    def __reduce__(self) -> str:
        return self.name.upper()


#: The shared zero page, mapped by a read fault on untouched anonymous memory.
ZERO_PAGE: Final = _Special("zero_page")
#: The huge zero page, mapped by a read fault in a MADV_HUGEPAGE range.
HUGE_ZERO_PAGE: Final = _Special("huge_zero_page")
#: A swap entry: the page was paged out (madvise pageout).
SWAP_ENTRY: Final = _Special("swap_entry")

PteValue = Folio | _Special | None
