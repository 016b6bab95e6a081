"""The memory ops of a real-kernel run: mmap, munmap, mprotect, madvise, mbind,
touch, mlock and munlock.

A touch is refused where it would fault the process (a write to a read-only page,
any access to a ``PROT_NONE`` or unmapped page): the simulator reports those as a
bad op, and a real run must not die of SIGSEGV half-way through a restore.
"""

from __future__ import annotations

import itertools
import os
from typing import TYPE_CHECKING, Any

from migratelab.scenario import ops as O
from migratelab.verify.host import read_vmstat, vmstat_delta
from migratelab.verify.region import RealRunError, Region
from migratelab.verify.syscalls import (
    HPAGE,
    MADV,
    MAP_ANONYMOUS,
    MAP_FIXED,
    MAP_HUGETLB,
    MAP_NORESERVE,
    MAP_PRIVATE,
    MAP_SHARED,
    MPOL_FLAGS,
    MPOL_MODE,
    PAGE,
    PROT,
    KernelCalls,
    errno_name,
    status_str,
)

if TYPE_CHECKING:
    from migratelab.verify.runner import RealRunner

#: Where ``fs = "ext4"`` file regions are created (the oracle's ext4 disk by default).
EXT4_DIR_ENV = "MIGRATELAB_EXT4_DIR"
_ORACLE_EXT4 = "/dev/oracle/ext4"
#: The largest region a file may map here (as ``migratelab run`` allows).
MAX_REGION_PAGES = 1 << 22


def apply(runner: RealRunner, op: Any, rec: dict[str, Any]) -> None:
    """Apply one memory op (the caller has dispatched every other kind)."""
    s = runner.sys
    if isinstance(op, O.Mmap):
        rec["addr"] = hex(mmap_region(runner, op))
    elif isinstance(op, O.Munmap):
        reg, first, count = runner.span(op.id, op.range)
        s.munmap(reg.addr + first * PAGE, count * PAGE)
        reg.prot[first:first + count] = [None] * count
        if all(p is None for p in reg.prot):
            runner.forget(reg, unmap=False)
    elif isinstance(op, O.Mprotect):
        reg, first, count = _mapped_span(runner, op.id, op.range)
        s.mprotect(reg.addr + first * PAGE, count * PAGE, PROT[op.prot])
        reg.prot[first:first + count] = [op.prot] * count
    elif isinstance(op, O.Madvise):
        reg, first, count = _mapped_span(runner, op.id, op.range)
        s.madvise(reg.addr + first * PAGE, count * PAGE, MADV[op.advice])
    elif isinstance(op, O.Mbind):
        reg, first, count = _mapped_span(runner, op.id, op.range)
        nodes = runner.policy_nodes(op.node, op.nodes)
        flags = runner.flags(op.flags)
        before = read_vmstat(s)
        rc, err = s.mbind(reg.addr + first * PAGE, count * PAGE, MPOL_MODE[op.mode], nodes,
                          flags)
        rec["ret"], rec["errno"] = rc, errno_name(err) if err else None
        if flags & (MPOL_FLAGS["MPOL_MF_MOVE"] | MPOL_FLAGS["MPOL_MF_MOVE_ALL"]):
            # a moving mbind is a migration call: record it as one
            rec["vmstat_delta"] = vmstat_delta(before, read_vmstat(s))
            addrs = [reg.addr + (first + p) * PAGE for p in range(count)]
            rec["after_nodes_str"] = [status_str(v)
                                      for v in s.move_pages(0, addrs, None, 0).status]
        if rc < 0 and not runner.requesting:
            raise RealRunError(f"mbind failed: {errno_name(err)}")
    elif isinstance(op, O.Touch):
        reg = runner.region(op.id)
        for p in runner.pages(op.id, op.pages):
            prot = reg.prot[p]
            if prot is None or prot == "none" or (op.mode == "write" and prot != "rw"):
                raise RealRunError(f"touch ({op.mode}) of {op.id}[{p}] would fault: the "
                                   f"page is {'unmapped' if prot is None else prot}")
        for p in runner.pages(op.id, op.pages):
            s.touch(reg.addr + p * PAGE, PAGE, op.mode == "write")
    elif isinstance(op, (O.Mlock, O.Munlock)):
        reg, first, count = _mapped_span(runner, op.id, op.range)
        s.mlock(reg.addr + first * PAGE, count * PAGE, isinstance(op, O.Mlock))
    else:
        raise RealRunError(f"{O.op_name(op)} is not supported by migratelab verify")


def _mapped_span(runner: RealRunner, rid: str, rng: O.PageRange | None
                 ) -> tuple[Region, int, int]:
    reg, first, count = runner.span(rid, rng)
    if any(p is None for p in reg.prot[first:first + count]):
        raise RealRunError(f"part of {rid}[{first}:{first + count}] is unmapped")
    return reg, first, count


def mmap_region(runner: RealRunner, op: O.Mmap) -> int:
    """Map a region where the kernel chooses (2 MiB aligned inside a reservation)."""
    if not 0 < op.pages <= MAX_REGION_PAGES:
        raise RealRunError(f"expected a page count from 1 to {MAX_REGION_PAGES}, "
                           f"got {op.pages}")
    if op.id in runner.regions:
        raise RealRunError(f"region {op.id!r} is already mapped")
    s = runner.sys
    length = op.pages * PAGE
    fd, path, align = -1, None, op.align_2m
    if op.kind == "anon":
        flags = MAP_PRIVATE | MAP_ANONYMOUS
    elif op.kind == "anon_shared":
        flags = MAP_SHARED | MAP_ANONYMOUS
    elif op.kind == "hugetlb":
        flags = (MAP_SHARED if op.map == "shared" else MAP_PRIVATE) | MAP_ANONYMOUS | MAP_HUGETLB
        align = False  # the kernel aligns a hugetlb mapping itself
    elif op.kind == "file":
        path, fd = _region_file(op, length)
        flags = MAP_PRIVATE if op.map == "private" else MAP_SHARED
    else:
        raise RealRunError(f"mmap kind {op.kind!r} cannot be made from user space")
    prot = PROT[op.prot]
    try:
        if align:
            reserve = s.mmap(length + HPAGE, 0, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE)
            addr = (reserve + HPAGE - 1) & ~(HPAGE - 1)
            try:
                s.mmap(length, prot, flags | MAP_FIXED, fd, addr)
            except OSError:
                s.munmap(reserve, length + HPAGE)
                raise
            if addr > reserve:
                s.munmap(reserve, addr - reserve)
            if reserve + length + HPAGE > addr + length:
                s.munmap(addr + length, reserve + length + HPAGE - addr - length)
        else:
            addr = s.mmap(length, prot, flags, fd)
    except OSError:
        if fd >= 0:
            os.close(fd)
        if path is not None:
            os.unlink(path)
        raise
    runner.regions[op.id] = Region(op.id, addr, op.pages, op.kind, [op.prot] * op.pages,
                                   fd, path)
    return addr


def _region_file(op: O.Mmap, length: int) -> tuple[str, int]:
    if op.fs == "ext4":
        folder = os.environ.get(EXT4_DIR_ENV) or _ORACLE_EXT4
        if not os.path.isdir(folder):
            raise RealRunError(f"fs = 'ext4' needs a folder on ext4: set {EXT4_DIR_ENV}")
    else:
        folder = "/dev/shm"
    path = os.path.join(folder, f"migratelab-verify-{os.getpid()}-{op.id}")
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        if op.prefill:
            chunk = b"\x5a" * (64 * PAGE)
            left = length
            while left > 0:
                left -= os.write(fd, chunk[:min(left, len(chunk))])
        else:
            os.ftruncate(fd, length)
    except OSError:
        os.close(fd)
        os.unlink(path)
        raise
    return path, fd


def unmapped_address(s: KernelCalls) -> int:
    """An address in no mapping: the middle of the widest gap between two mappings of
    this process, far from both ends, so neither the heap nor the mmap area grows
    into it before the call."""
    spans: list[tuple[int, int]] = []
    for line in (s.read_file("/proc/self/maps") or "").splitlines():
        lo, _, hi = line.split(" ", 1)[0].partition("-")
        spans.append((int(lo, 16), int(hi, 16)))
    spans.sort()
    best, best_size = 0x10000000, 0
    for (_, end), (start, _) in itertools.pairwise(spans):
        if start - end > best_size:
            best, best_size = end, start - end
    return (best + best_size // 2) & ~(HPAGE - 1)
