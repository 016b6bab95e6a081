"""``fill_node`` on a real kernel: a node keeps free 4 KiB pages but no free 2 MiB block.

How, in order (every setting is remembered by the run's
:class:`~migratelab.verify.restore.Restorer` and put back at the end):

1. keep compaction off the filler (``compact_unevictable_allowed = 0``: mlocked
   pages are not moved to make a block), lower ``min_free_kbytes`` and switch off
   watermark boosting and proactive compaction, so that nearly every free page can
   be taken; drop clean caches;
2. take THPs on the node first: since 5.13 each CPU's free lists can hold 2 MiB
   pages that ``/proc/buddyinfo`` does not show, and a THP allocation on this CPU
   would find them;
3. fill the rest of the node with mlocked base pages (preferred policy, so an
   overshoot spills to another node instead of waking the OOM killer);
4. unmap small holes spread through the filler: free 4 KiB pages whose neighbours
   stay locked, so they can never merge into a 2 MiB block;
5. turn every 2 MiB block still free into hugetlb pages of that node's pool.

Unlike the oracle's guest runner, it does not first migrate every other process's
pages off the node: on a busy machine compaction may still build a block out of
other processes' pages, and the result can differ from the level's.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from migratelab.scenario import ops as O
from migratelab.verify.host import NODE_DIR, hugetlb_path
from migratelab.verify.syscalls import (
    HPAGE,
    MADV,
    MAP_ANONYMOUS,
    MAP_NORESERVE,
    MAP_PRIVATE,
    MPOL_MODE,
    PAGE,
    PROT,
)

if TYPE_CHECKING:
    from migratelab.verify.runner import RealRunner

#: Settings lowered while a node is filled (restored with everything else).
FILL_SYSCTLS = (("/proc/sys/vm/compact_unevictable_allowed", "0"),
                ("/proc/sys/vm/min_free_kbytes", "4096"),
                ("/proc/sys/vm/watermark_boost_factor", "0"),
                ("/proc/sys/vm/compaction_proactiveness", "0"))
#: THPs taken first, at most (enough to empty one CPU's order-9 free list).
SWEEP_BYTES = 64 << 20


def node_free_bytes(runner: RealRunner, node: int) -> int:
    """MemFree of one node."""
    for line in (runner.sys.read_file(f"{NODE_DIR}/node{node}/meminfo") or "").splitlines():
        if "MemFree:" in line:
            return int(line.split()[-2]) * 1024
    return 0


def free_blocks(runner: RealRunner, node: int) -> int:
    """Free 2 MiB (order >= 9) blocks of a node, from /proc/buddyinfo."""
    total = 0
    for line in (runner.sys.read_file("/proc/buddyinfo") or "").splitlines():
        parts = line.replace(",", " ").split()
        if len(parts) > 4 and parts[0] == "Node" and parts[1] == str(node):
            counts = [int(x) for x in parts[4:]]
            total += sum(c << (order - 9) for order, c in enumerate(counts) if order >= 9)
    return total


def _map_filler(runner: RealRunner, node: int, size: int, huge: bool) -> int:
    s = runner.sys
    addr = s.mmap(size + HPAGE, PROT["rw"], MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE)
    runner.fills.append((addr, size + HPAGE))
    start = (addr + HPAGE - 1) & ~(HPAGE - 1)
    s.madvise(start, size, MADV["hugepage" if huge else "nohugepage"])
    s.mbind(start, size, MPOL_MODE["preferred"], [node], 0)
    if huge:  # one write per 2 MiB faults in one THP
        for off in range(0, size, HPAGE):
            s.touch(start + off, PAGE, True)
    s.mlock(start, size, True)  # faults every base page in, and keeps it
    return start


def fill_node(runner: RealRunner, op: O.FillNode, rec: dict[str, Any]) -> None:
    """Squeeze ``op.node`` (see the module's docstring)."""
    node = runner.node(op.node)
    for path, value in FILL_SYSCTLS:
        if runner.sys.read_file(path) is not None:
            runner.restorer.write(path, value)
    os.sync()
    runner.sys.write_file("/proc/sys/vm/drop_caches", "3")
    size = max(0, node_free_bytes(runner, node) - op.leave_mb * (1 << 20)) // HPAGE * HPAGE
    sweep = min(SWEEP_BYTES, size)
    if sweep:
        _map_filler(runner, node, sweep, huge=True)
    rest = size - sweep
    holes = 0
    if rest:
        start = _map_filler(runner, node, rest, huge=False)
        hole = max(1, op.hole_pages) * PAGE
        holes = min((op.fragment_mb << 20) // hole, rest // HPAGE)
        step = rest // holes // PAGE * PAGE if holes else 0
        for k in range(holes):
            runner.sys.munmap(start + k * step + step // 2 // PAGE * PAGE, hole)
    pool = hugetlb_path(node)
    runner.fill_pools.setdefault(node, (runner.sys.read_file(pool) or "0").strip())
    for _ in range(64):  # a failing hugetlb allocation also drains the per-CPU lists
        have = int((runner.sys.read_file(pool) or "0").strip())
        runner.restorer.write(pool, str(have + max(16, free_blocks(runner, node))))
        if int((runner.sys.read_file(pool) or "0").strip()) == have:
            break
    rec.update({"node": node, "fill_bytes": size, "holes": holes,
                "free_2m_blocks_after": free_blocks(runner, node),
                "nr_hugepages": (runner.sys.read_file(pool) or "").strip()})


def release_fill(runner: RealRunner) -> None:
    """Undo every fill_node: unmap the filler and give the swallowed blocks back."""
    for addr, length in runner.fills:
        runner.sys.munmap(addr, length)
    runner.fills.clear()
    for node, old in runner.fill_pools.items():
        runner.sys.write_file(hugetlb_path(node), old)
    runner.fill_pools.clear()
