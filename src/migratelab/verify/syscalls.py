"""The running kernel's system calls, through ``ctypes`` (standard library only).

:class:`Syscalls` is the one object the real-kernel runner talks to: memory
mapping, memory policies, ``move_pages(2)``, ``migrate_pages(2)``, ``vmsplice(2)``
and the few ``/proc`` and ``/sys`` files a run reads or writes. Tests hand the
runner a fake with the same methods, so refusals and the restore-on-interrupt
path run without a real NUMA machine.

Memory-policy and migration calls have no glibc wrapper (libnuma has them, but
verify must install nothing), so they go through ``syscall(2)`` by number.
"""

from __future__ import annotations

import ctypes
import errno as _errno
import os
import platform
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

PAGE = 4096
HPAGE = 2 * 1024 * 1024
#: What a status slot holds when the kernel never wrote it (the harness's value).
UNSET = -9999

#: Syscall numbers by machine: (mbind, set_mempolicy, get_mempolicy, migrate_pages,
#: move_pages).
_NUMBERS: dict[str, tuple[int, int, int, int, int]] = {
    "x86_64": (237, 238, 239, 256, 279),
    "aarch64": (235, 237, 236, 238, 239),
}

PROT = {"none": 0, "r": 1, "rw": 3}
MAP_SHARED, MAP_PRIVATE, MAP_FIXED, MAP_ANONYMOUS = 0x01, 0x02, 0x10, 0x20
MAP_NORESERVE, MAP_HUGETLB = 0x4000, 0x40000
MADV = {"willneed": 3, "dontneed": 4, "free": 8, "mergeable": 12, "unmergeable": 13,
        "hugepage": 14, "nohugepage": 15, "cold": 20, "pageout": 21}
MPOL_MODE = {"default": 0, "preferred": 1, "bind": 2, "interleave": 3, "local": 4}
MPOL_FLAGS = {"MPOL_MF_STRICT": 1, "MPOL_MF_MOVE": 2, "MPOL_MF_MOVE_ALL": 4}
#: Bits in a node mask passed to the kernel (MAX_NUMNODES on distribution kernels).
MASK_BITS = 1024
_MAP_FAILED = ctypes.c_void_p(-1).value


def errno_name(value: int) -> str:
    """``14`` -> ``"EFAULT"``, the names strace prints."""
    return _errno.errorcode.get(value, f"E{value}")


def status_str(value: int) -> str:
    """One status slot as the conformance results write it."""
    if value == UNSET:
        return "UNSET"
    if value < 0:
        return "-" + errno_name(-value)
    return str(value)


class SyscallError(OSError):
    """A setup call the kernel refused (mmap, mlock...): names the call."""


@dataclass(frozen=True, slots=True)
class MovePagesResult:
    """What ``move_pages(2)`` answered."""

    ret: int
    errno: str | None
    status: list[int]


class KernelCalls(Protocol):
    """Everything verify asks of the kernel: :class:`Syscalls`, or a test's fake."""

    def mmap(self, length: int, prot: int, flags: int, fd: int = -1, addr: int = 0
             ) -> int: ...
    def munmap(self, addr: int, length: int) -> None: ...
    def mprotect(self, addr: int, length: int, prot: int) -> None: ...
    def madvise(self, addr: int, length: int, advice: int) -> None: ...
    def mlock(self, addr: int, length: int, lock: bool) -> None: ...
    def touch(self, addr: int, length: int, write: bool) -> None: ...
    def mbind(self, addr: int, length: int, mode: int, nodes: Sequence[int],
              flags: int) -> tuple[int, int]: ...
    def set_mempolicy(self, mode: int, nodes: Sequence[int]) -> tuple[int, int]: ...
    def get_mempolicy(self) -> tuple[int, list[int]]: ...
    def move_pages(self, pid: int, addrs: Sequence[int], nodes: Sequence[int] | None,
                   flags: int, count: int | None = None,
                   status: Sequence[int] | None = None) -> MovePagesResult: ...
    def migrate_pages(self, pid: int, old: Sequence[int], new: Sequence[int]
                      ) -> tuple[int, int]: ...
    def vmsplice(self, fd: int, spans: Sequence[tuple[int, int]]) -> tuple[int, int]: ...
    def read_file(self, path: str) -> str | None: ...
    def write_file(self, path: str, value: str) -> None: ...
    def is_privileged(self) -> bool: ...


class _IOVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


def _mask(nodes: Sequence[int]) -> ctypes.Array[ctypes.c_ulong]:
    words = (ctypes.c_ulong * (MASK_BITS // 64))()
    for n in nodes:
        if not 0 <= n < MASK_BITS:
            raise ValueError(f"node {n} is outside the {MASK_BITS}-bit node mask")
        words[n // 64] |= 1 << (n % 64)
    return words


class Syscalls:
    """The real kernel. Methods raise :class:`SyscallError` where a setup call fails,
    and return ``(ret, errno)`` where the answer itself is the result."""

    def __init__(self) -> None:
        machine = platform.machine()
        if machine not in _NUMBERS:
            raise OSError(f"no syscall numbers for this machine ({machine}); "
                          f"known: {', '.join(_NUMBERS)}")
        (self._mbind, self._set_mempolicy, self._get_mempolicy, self._migrate_pages,
         self._move_pages) = _NUMBERS[machine]
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        libc.mmap.restype = ctypes.c_void_p
        libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                              ctypes.c_int, ctypes.c_long]
        for name in ("munmap", "mlock", "munlock"):
            getattr(libc, name).argtypes = [ctypes.c_void_p, ctypes.c_size_t]
        for name in ("madvise", "mprotect"):
            getattr(libc, name).argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        libc.vmsplice.restype = ctypes.c_ssize_t
        self._libc = libc

    # -- helpers ------------------------------------------------------------------
    @staticmethod
    def _errno() -> int:
        return ctypes.get_errno()

    def _check(self, rc: int, what: str) -> None:
        if rc != 0:
            e = self._errno()
            raise SyscallError(e, f"{what} failed: {errno_name(e)}")

    def _sys(self, number: int, *args: object) -> tuple[int, int]:
        ctypes.set_errno(0)
        rc = int(self._libc.syscall(ctypes.c_long(number), *args))
        return rc, (self._errno() if rc < 0 else 0)

    # -- mappings -----------------------------------------------------------------
    def mmap(self, length: int, prot: int, flags: int, fd: int = -1, addr: int = 0) -> int:
        """Map ``length`` bytes; returns the address the kernel chose (or ``addr``)."""
        res = self._libc.mmap(addr or None, length, prot, flags, fd, 0)
        if res is None or res == _MAP_FAILED:
            e = self._errno()
            raise SyscallError(e, f"mmap({length} bytes) failed: {errno_name(e)}")
        return int(res)

    def munmap(self, addr: int, length: int) -> None:
        """Unmap a range."""
        self._check(self._libc.munmap(addr, length), "munmap")

    def mprotect(self, addr: int, length: int, prot: int) -> None:
        """Change protection."""
        self._check(self._libc.mprotect(addr, length, prot), "mprotect")

    def madvise(self, addr: int, length: int, advice: int) -> None:
        """madvise(2)."""
        self._check(self._libc.madvise(addr, length, advice), "madvise")

    def mlock(self, addr: int, length: int, lock: bool) -> None:
        """mlock(2) or munlock(2)."""
        fn = self._libc.mlock if lock else self._libc.munlock
        self._check(fn(addr, length), "mlock" if lock else "munlock")

    def touch(self, addr: int, length: int, write: bool) -> None:
        """Fault pages in: one byte written, or read, per 4 KiB page."""
        for off in range(0, length, PAGE):
            cell = ctypes.c_ubyte.from_address(addr + off)
            if write:
                cell.value = 0x5A
            else:
                _ = cell.value

    # -- memory policy --------------------------------------------------------------
    def mbind(self, addr: int, length: int, mode: int, nodes: Sequence[int],
              flags: int) -> tuple[int, int]:
        """mbind(2) -> (ret, errno)."""
        mask = _mask(nodes) if nodes else None
        return self._sys(self._mbind, ctypes.c_ulong(addr), ctypes.c_ulong(length),
                         ctypes.c_long(mode), mask, ctypes.c_ulong(MASK_BITS + 1 if nodes else 0),
                         ctypes.c_ulong(flags))

    def set_mempolicy(self, mode: int, nodes: Sequence[int]) -> tuple[int, int]:
        """set_mempolicy(2) -> (ret, errno)."""
        mask = _mask(nodes) if nodes else None
        return self._sys(self._set_mempolicy, ctypes.c_long(mode), mask,
                         ctypes.c_ulong(MASK_BITS + 1 if nodes else 0))

    def get_mempolicy(self) -> tuple[int, list[int]]:
        """The task's policy: (mode with its mode flags, nodes)."""
        mode = ctypes.c_int(0)
        words = (ctypes.c_ulong * (MASK_BITS // 64))()
        rc, err = self._sys(self._get_mempolicy, ctypes.byref(mode), words,
                            ctypes.c_ulong(MASK_BITS + 1), None, ctypes.c_ulong(0))
        if rc < 0:
            raise SyscallError(err, f"get_mempolicy failed: {errno_name(err)}")
        nodes = [w * 64 + b for w in range(len(words)) for b in range(64)
                 if words[w] >> b & 1]
        return mode.value, nodes

    # -- migration ------------------------------------------------------------------
    def move_pages(self, pid: int, addrs: Sequence[int], nodes: Sequence[int] | None,
                   flags: int, count: int | None = None,
                   status: Sequence[int] | None = None) -> MovePagesResult:
        """move_pages(2); ``nodes`` None is the query form. ``status`` prefills the array
        (default: :data:`UNSET`, so a slot the kernel never writes shows as such)."""
        # a count larger than the arrays must not make the kernel read past them
        n = max(len(addrs), count or 0, 1)
        pages = (ctypes.c_void_p * n)(*addrs)
        init = list(status) if status is not None else [UNSET] * len(addrs)
        init += [UNSET] * (n - len(init))
        st = (ctypes.c_int * n)(*init[:n])
        narr = (ctypes.c_int * n)(*nodes) if nodes is not None else None
        rc, err = self._sys(self._move_pages, ctypes.c_long(pid),
                            ctypes.c_ulong(len(addrs) if count is None else count),
                            pages, narr, st, ctypes.c_long(flags))
        return MovePagesResult(rc, errno_name(err) if err else None, list(st)[:len(addrs)])

    def migrate_pages(self, pid: int, old: Sequence[int], new: Sequence[int]
                      ) -> tuple[int, int]:
        """migrate_pages(2) -> (pages not migrated or -1, errno)."""
        return self._sys(self._migrate_pages, ctypes.c_long(pid),
                         ctypes.c_ulong(MASK_BITS + 1), _mask(old), _mask(new))

    def vmsplice(self, fd: int, spans: Sequence[tuple[int, int]]) -> tuple[int, int]:
        """vmsplice(2) pages into a pipe: the pipe holds a reference to each page."""
        iov = (_IOVec * max(len(spans), 1))(*[_IOVec(a, n) for a, n in spans])
        ctypes.set_errno(0)
        rc = int(self._libc.vmsplice(ctypes.c_int(fd), iov, ctypes.c_size_t(len(spans)),
                                     ctypes.c_uint(0)))
        return rc, (self._errno() if rc < 0 else 0)

    # -- files ----------------------------------------------------------------------
    @staticmethod
    def read_file(path: str) -> str | None:
        """A /proc or /sys file's text, or None when it cannot be read."""
        try:
            return Path(path).read_text()
        except OSError:
            return None

    @staticmethod
    def write_file(path: str, value: str) -> None:
        """Write a /proc or /sys file (raises OSError)."""
        with open(path, "w") as fh:
            fh.write(value)

    @staticmethod
    def is_privileged() -> bool:
        """Root, or CAP_SYS_NICE in the effective set (what MOVE_ALL asks for)."""
        if os.geteuid() == 0:
            return True
        for line in (Syscalls.read_file("/proc/self/status") or "").splitlines():
            if line.startswith("CapEff:"):
                return bool(int(line.split()[1], 16) >> 23 & 1)
        return False
