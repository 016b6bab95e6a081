"""Benchmark: move 1 GiB of base pages and 1 GiB of THPs between nodes, through
move_pages(2), mbind(MPOL_MF_MOVE) and migrate_pages(2).

Run: ``python benchmarks/bench_move.py [--kernel 6.12]``. Prints wall times,
peak RSS and, last, the ratios against a 1 GiB memory copy timed in the same
run (``bytes(bytearray(1 << 30))``, best of two, done after the RSS reading so
it does not inflate it). Targets: base pages at most 1.0x the copy, THPs at most
0.1x, peak RSS at most 100 MB.
"""

from __future__ import annotations

import argparse
import gc
import resource
import time
from array import array

from migratelab.kernel import Kernel, MachineSpec, run_syscall, sys_move_pages
from migratelab.kernel.madvise import do_madvise
from migratelab.kernel.memory import handle_mm_fault
from migratelab.kernel.mempolicy import MPOL_MF_MOVE, do_mbind, run_policy_call
from migratelab.kernel.migrate_syscall import kernel_migrate_pages
from migratelab.kernel.mm import HPAGE_SIZE, PAGE_SIZE, Process
from migratelab.kernel.mmap import do_mmap

GIB_PAGES = (1 << 30) // PAGE_SIZE


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _gib_process(profile: str, advice: str, step: int) -> tuple[Kernel, Process, int, float]:
    """A 1 GiB anonymous region on node 0, written every ``step`` pages."""
    k = Kernel(MachineSpec(nodes=2, mem_mb=(1100, 1100), hugetlb_per_node=0), profile)
    proc = k.init
    t0 = time.perf_counter()
    base = do_mmap(k, proc, GIB_PAGES, "anon")
    do_madvise(k, proc, base, GIB_PAGES, advice)
    for i in range(0, GIB_PAGES, step):
        handle_mm_fault(k, proc, base + i * PAGE_SIZE, write=True)
    return k, proc, base, time.perf_counter() - t0


def bench_base(profile: str) -> tuple[float, float, int]:
    """(setup s, move s, pages moved) for 262,144 base pages in one request."""
    k, proc, base, setup = _gib_process(profile, "nohugepage", 1)
    # user-space buffers, 8 bytes an entry as in a C caller
    pages = array("q", range(base, base + GIB_PAGES * PAGE_SIZE, PAGE_SIZE))
    nodes = array("q", [1]) * GIB_PAGES
    gc.collect()
    t0 = time.perf_counter()
    res = run_syscall(sys_move_pages(k, proc, 0, pages, nodes, 2))  # type: ignore[arg-type]
    move = time.perf_counter() - t0
    assert res.ret == 0 and res.status[0] == 1 and res.status[-1] == 1, res.ret
    moved = k.vmstat["pgmigrate_success"]
    return setup, move, moved


def bench_thp(profile: str) -> tuple[float, float, int]:
    """(setup s, move s, THPs moved) for 512 THP head addresses in one request."""
    k, proc, base, setup = _gib_process(profile, "hugepage", 512)
    heads = [base + i * HPAGE_SIZE for i in range(GIB_PAGES // 512)]
    gc.collect()
    t0 = time.perf_counter()
    res = run_syscall(sys_move_pages(k, proc, 0, heads, [1] * len(heads), 2))
    move = time.perf_counter() - t0
    assert res.ret == 0 and all(s == 1 for s in res.status), res.ret
    # thp_migration_* counters only exist from 5.9: count the moved heads instead
    thps = sum(1 for f in k.large_folios if f.node == 1)
    return setup, move, thps


def bench_mbind(profile: str, advice: str, step: int) -> tuple[float, int]:
    """(move s, pages on node 1) for mbind(MPOL_BIND 1, MPOL_MF_MOVE) of the 1 GiB."""
    k, proc, base, _setup = _gib_process(profile, advice, step)
    gc.collect()
    t0 = time.perf_counter()
    res = run_policy_call(do_mbind(k, proc, base, GIB_PAGES, "bind", (1,), MPOL_MF_MOVE))
    move = time.perf_counter() - t0
    assert res.ret == 0, res
    return move, _pages_on(k, 1)


def bench_migrate_pages(profile: str, advice: str, step: int) -> tuple[float, int]:
    """(move s, pages on node 1) for migrate_pages(self, {0}, {1}) of the 1 GiB."""
    k, proc, _base, _setup = _gib_process(profile, advice, step)
    gc.collect()
    t0 = time.perf_counter()
    res = run_policy_call(kernel_migrate_pages(k, proc, 0, [0], [1]))
    move = time.perf_counter() - t0
    assert res.ret == 0, res
    return move, _pages_on(k, 1)


def _pages_on(k: Kernel, node: int) -> int:
    mem = k.nodes[node].mem
    assert mem is not None
    return mem.total_pages - mem.nr_free


def bench_copy() -> float:
    """Best of two timed 1 GiB copies."""
    best = float("inf")
    for _ in range(2):
        t0 = time.perf_counter()
        data = bytes(bytearray(1 << 30))
        best = min(best, time.perf_counter() - t0)
        del data
    return best


def main() -> None:
    """Run all three measurements and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kernel", default="6.12")
    args = parser.parse_args()
    setup, move_base, moved = bench_base(args.kernel)
    print(f"profile: {args.kernel}")
    print(f"base pages: setup (262,144 faults) {setup:.2f} s; move_pages of {moved} pages "
          f"{move_base:.3f} s")
    gc.collect()
    setup, move_thp, thps = bench_thp(args.kernel)
    print(f"THPs: setup (512 faults) {setup:.3f} s; move_pages of {thps} THPs {move_thp:.4f} s")
    timed: list[tuple[str, float, float]] = []
    for name, bench in (("mbind(MPOL_MF_MOVE)", bench_mbind),
                        ("migrate_pages(2)", bench_migrate_pages)):
        gc.collect()
        base_s, base_n = bench(args.kernel, "nohugepage", 1)
        gc.collect()
        thp_s, thp_n = bench(args.kernel, "hugepage", 512)
        print(f"{name}: {base_n} base pages {base_s:.3f} s; {thp_n // 512} THPs {thp_s:.4f} s")
        timed.append((name, base_s, thp_s))
    rss = _peak_rss_mb()
    print(f"peak RSS (1 GiB simulated process, every run): {rss:.1f} MB")
    copy = bench_copy()
    print(f"1 GiB memory copy: {copy:.3f} s")
    print(f"ratio base/copy: {move_base / copy:.2f}")
    print(f"ratio thp/copy: {move_thp / copy:.2f}")
    for name, base_s, thp_s in timed:
        print(f"ratio {name} base/copy: {base_s / copy:.2f}")
        print(f"ratio {name} thp/copy: {thp_s / copy:.3f}")


if __name__ == "__main__":
    main()
