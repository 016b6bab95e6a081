"""Physical memory of one NUMA node, in 2 MiB pageblocks and 4 KiB frames.

A two-order buddy allocator is enough for ``move_pages``: a THP or a hugetlb
page needs a whole free 2 MiB block, a base page takes a frame from a block that
is already split (lowest first) or splits the lowest free block. A split block
whose frames are all free again becomes a whole free block (coalescing).
Higher orders, zones, watermarks and compaction are not modelled: a node whose
free memory has no whole 2 MiB block simply cannot supply a THP.
"""

from __future__ import annotations

import heapq
from typing import Final

from migratelab.kernel.folio import HPAGE_NR

# What a pageblock holds.
BLOCK_FREE: Final = 0
BLOCK_BASE: Final = 1     # split into 4 KiB frames
BLOCK_THP: Final = 2
BLOCK_HUGETLB: Final = 3  # a hugetlb page, free in the pool or in use
BLOCK_FILL: Final = 4     # taken whole by fill_node

# What a 4 KiB frame of a split block holds.
FRAME_FREE: Final = 0
FRAME_ANON: Final = 1
FRAME_FILE: Final = 2
FRAME_FILL: Final = 3

_FREE_SLOT: Final = bytes([FRAME_FREE])


class NodeMemory:
    """Frames of one node. PFNs are global: ``base_pfn + block * 512 + slot``."""

    def __init__(self, node: int, size_mb: int, base_pfn: int) -> None:
        if size_mb < 2 or size_mb % 2:
            raise ValueError("node memory must be a positive multiple of 2 MiB")
        self.node = node
        self.base_pfn = base_pfn
        self.nblocks = size_mb // 2
        self.block_kind = bytearray(self.nblocks)
        self.frames: dict[int, bytearray] = {}
        self.used_in_block: dict[int, int] = {}
        self._free_blocks = list(range(self.nblocks))
        self._partial: list[int] = []
        self.nr_free = self.nblocks * HPAGE_NR
        self.nr_free_blocks = self.nblocks
        #: hugetlb pool: blocks reserved as huge pages; ``pool_free`` not in use.
        self.pool_blocks: set[int] = set()
        self.pool_free: list[int] = []
        self.fill_blocks: list[int] = []
        self.fill_frames: list[int] = []

    @property
    def total_pages(self) -> int:
        """Size of the node in 4 KiB pages."""
        return self.nblocks * HPAGE_NR

    # -- pfn helpers -------------------------------------------------------
    def pfn_of(self, block: int, slot: int = 0) -> int:
        """Global PFN of a frame."""
        return self.base_pfn + block * HPAGE_NR + slot

    def locate(self, pfn: int) -> tuple[int, int]:
        """(block, slot) of a global PFN on this node."""
        rel = pfn - self.base_pfn
        return rel // HPAGE_NR, rel % HPAGE_NR

    # -- whole blocks ------------------------------------------------------
    def _take_free_block(self) -> int | None:
        while self._free_blocks:
            block = heapq.heappop(self._free_blocks)
            if self.block_kind[block] == BLOCK_FREE:
                self.nr_free_blocks -= 1
                self.nr_free -= HPAGE_NR
                return block
        return None

    def _give_free_block(self, block: int) -> None:
        self.block_kind[block] = BLOCK_FREE
        heapq.heappush(self._free_blocks, block)
        self.nr_free_blocks += 1
        self.nr_free += HPAGE_NR

    def alloc_block(self, kind: int) -> int | None:
        """Take a whole free 2 MiB block for a THP or hugetlb page; its first PFN."""
        block = self._take_free_block()
        if block is None:
            return None
        self.block_kind[block] = kind
        return self.pfn_of(block)

    def free_block(self, pfn: int) -> None:
        """Return a whole block (a THP or hugetlb page) to the free pool."""
        block, _ = self.locate(pfn)
        self._give_free_block(block)

    # -- base frames -------------------------------------------------------
    def alloc_frame(self, what: int = FRAME_ANON) -> int | None:
        """Take one 4 KiB frame; returns its PFN or None when the node is full."""
        while self._partial:
            block = self._partial[0]
            frames = self.frames.get(block)
            if frames is None or self.used_in_block[block] >= HPAGE_NR:
                heapq.heappop(self._partial)
                continue
            slot = frames.find(_FREE_SLOT)
            frames[slot] = what
            used = self.used_in_block[block] + 1
            self.used_in_block[block] = used
            if used >= HPAGE_NR:
                heapq.heappop(self._partial)
            self.nr_free -= 1
            return self.pfn_of(block, slot)
        fresh = self._take_free_block()
        if fresh is None:
            return None
        block = fresh
        self.block_kind[block] = BLOCK_BASE
        frames = bytearray(HPAGE_NR)
        frames[0] = what
        self.frames[block] = frames
        self.used_in_block[block] = 1
        self.nr_free += HPAGE_NR - 1
        heapq.heappush(self._partial, block)
        return self.pfn_of(block)

    def free_frame(self, pfn: int) -> None:
        """Free one 4 KiB frame; a block left empty coalesces back into a 2 MiB block."""
        block, slot = self.locate(pfn)
        frames = self.frames[block]
        if frames[slot] == FRAME_FREE:
            raise AssertionError(f"double free of pfn {pfn}")
        frames[slot] = FRAME_FREE
        used = self.used_in_block[block] - 1
        self.nr_free += 1
        if used == 0:
            del self.frames[block]
            del self.used_in_block[block]
            self.nr_free -= HPAGE_NR
            self._give_free_block(block)
            return
        if used == HPAGE_NR - 1:
            heapq.heappush(self._partial, block)
        self.used_in_block[block] = used

    def split_block(self, pfn: int, what: int = FRAME_ANON) -> None:
        """Turn a THP block into 512 used base frames (a THP split)."""
        block, _ = self.locate(pfn)
        self.block_kind[block] = BLOCK_BASE
        self.frames[block] = bytearray([what]) * HPAGE_NR
        self.used_in_block[block] = HPAGE_NR

    # -- hugetlb pool ------------------------------------------------------
    @property
    def pool_total(self) -> int:
        """nr_hugepages of this node."""
        return len(self.pool_blocks)

    def set_pool(self, count: int) -> int:
        """Grow or shrink the pool (only free huge pages can be given back)."""
        while len(self.pool_blocks) < count:
            pfn = self.alloc_block(BLOCK_HUGETLB)
            if pfn is None:
                break
            block, _ = self.locate(pfn)
            self.pool_blocks.add(block)
            self.pool_free.append(block)
        while len(self.pool_blocks) > count and self.pool_free:
            block = self.pool_free.pop()
            self.pool_blocks.discard(block)
            self._give_free_block(block)
        self.pool_free.sort(reverse=True)
        return len(self.pool_blocks)

    def take_pool_page(self) -> int | None:
        """A free huge page from the pool, or None."""
        if not self.pool_free:
            return None
        return self.pfn_of(self.pool_free.pop())

    def return_pool_page(self, pfn: int) -> None:
        """Give an in-use huge page back to the pool's free list."""
        block, _ = self.locate(pfn)
        self.pool_free.append(block)
        self.pool_free.sort(reverse=True)

    def add_surplus_page(self, pfn: int) -> None:
        """Count a freshly allocated huge page as part of the pool (in use)."""
        block, _ = self.locate(pfn)
        self.pool_blocks.add(block)

    def drop_from_pool(self, pfn: int) -> None:
        """Remove an in-use huge page from the pool and free its block."""
        block, _ = self.locate(pfn)
        self.pool_blocks.discard(block)
        self._give_free_block(block)

    # -- fill_node ---------------------------------------------------------
    def fill(self, leave_pages: int, hole_pages: int) -> None:
        """Leave ``leave_pages`` free frames, in holes of ``hole_pages``, and no free block."""
        hole_pages = max(1, min(hole_pages, HPAGE_NR - 1))
        while True:
            block = self._take_free_block()
            if block is None:
                break
            if leave_pages > 0:
                keep = min(hole_pages, leave_pages)
                leave_pages -= keep
                self.block_kind[block] = BLOCK_BASE
                frames = bytearray([FRAME_FILL]) * HPAGE_NR
                for slot in range(keep):
                    frames[slot] = FRAME_FREE
                self.frames[block] = frames
                self.used_in_block[block] = HPAGE_NR - keep
                self.nr_free += keep
                heapq.heappush(self._partial, block)
                self.fill_frames.extend(
                    self.pfn_of(block, s) for s in range(keep, HPAGE_NR))
            else:
                self.block_kind[block] = BLOCK_FILL
                self.fill_blocks.append(block)

    def release_fill(self) -> None:
        """Undo :meth:`fill`."""
        for block in self.fill_blocks:
            self._give_free_block(block)
        self.fill_blocks.clear()
        for pfn in self.fill_frames:
            self.free_frame(pfn)
        self.fill_frames.clear()

    def free_2m_blocks(self) -> int:
        """Whole free 2 MiB blocks (what the harness reports as free_2m_blocks)."""
        return self.nr_free_blocks
