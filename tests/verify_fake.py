"""A stand-in for :class:`migratelab.verify.syscalls.Syscalls`: a machine described by
files, whose calls are recorded, so verify's refusals and restores run anywhere."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from migratelab.verify.host import Host
from migratelab.verify.syscalls import MovePagesResult, SyscallError


def files_of(nodes: int, thp: str = "madvise", pools: int = 16) -> dict[str, str]:
    """The /sys and /proc files of a machine with ``nodes`` nodes."""
    files = {"/sys/devices/system/node/online": "0" if nodes == 1 else f"0-{nodes - 1}",
             "/sys/devices/system/node/has_memory": "0" if nodes == 1 else f"0-{nodes - 1}",
             "/sys/kernel/mm/transparent_hugepage/enabled":
                 " ".join(f"[{m}]" if m == thp else m for m in ("always", "madvise", "never")),
             "/proc/sys/kernel/numa_balancing": "0",
             "/proc/vmstat": "pgmigrate_success 0\n",
             "/proc/self/maps": "00400000-00500000 r-xp 0 0 0 x\n7f0000000000-7f0000100000 rw\n"}
    files.update({"/proc/sys/vm/compact_unevictable_allowed": "1\n",
                  "/proc/sys/vm/min_free_kbytes": "45056\n",
                  "/proc/sys/vm/watermark_boost_factor": "15000\n",
                  "/proc/sys/vm/drop_caches": "0\n",
                  "/proc/buddyinfo": "".join(f"Node {n}, zone   Normal 1 1 1 1 1 1 1 1 1 2 3\n"
                                             for n in range(nodes))})
    for n in range(nodes):
        files[f"/sys/devices/system/node/node{n}/meminfo"] = f"Node {n} MemFree: 65536 kB\n"
        files[f"/sys/devices/system/node/node{n}/hugepages/hugepages-2048kB/nr_hugepages"] = \
            f"{pools}\n"
    return files


def host_of(files: dict[str, str], release: str = "6.1.0-56-amd64") -> Host:
    """The Host verify would probe from ``files``."""
    from migratelab.verify.host import probe

    return probe(FakeSyscalls(files), release)


class FakeSyscalls:
    """Records every call; ``answer`` decides what move_pages returns."""

    def __init__(self, files: dict[str, str], privileged: bool = True,
                 answer: Callable[[Sequence[int], Sequence[int] | None], MovePagesResult]
                 | None = None) -> None:
        self.files = files
        self.privileged = privileged
        self.answer = answer
        self.mapped: dict[int, int] = {}
        self.policy: tuple[int, list[int]] = (0, [])
        self.calls: list[tuple[str, Any]] = []
        self._next = 0x7F1000000000

    # mappings
    def mmap(self, length: int, prot: int, flags: int, fd: int = -1, addr: int = 0) -> int:
        if not addr:
            addr, self._next = self._next, self._next + length + (1 << 30)
        self.mapped[addr] = length
        self.calls.append(("mmap", addr))
        return addr

    def munmap(self, addr: int, length: int) -> None:
        self.mapped.pop(addr, None)
        self.calls.append(("munmap", addr))

    def mprotect(self, addr: int, length: int, prot: int) -> None:
        self.calls.append(("mprotect", prot))

    def madvise(self, addr: int, length: int, advice: int) -> None:
        self.calls.append(("madvise", advice))

    def mlock(self, addr: int, length: int, lock: bool) -> None:
        self.calls.append(("mlock", lock))

    def touch(self, addr: int, length: int, write: bool) -> None:
        self.calls.append(("touch", addr))

    # policies
    def mbind(self, addr: int, length: int, mode: int, nodes: Sequence[int],
              flags: int) -> tuple[int, int]:
        self.calls.append(("mbind", (mode, list(nodes), flags)))
        return 0, 0

    def set_mempolicy(self, mode: int, nodes: Sequence[int]) -> tuple[int, int]:
        self.policy = (mode, list(nodes))
        self.calls.append(("set_mempolicy", self.policy))
        return 0, 0

    def get_mempolicy(self) -> tuple[int, list[int]]:
        return self.policy

    # migration
    def move_pages(self, pid: int, addrs: Sequence[int], nodes: Sequence[int] | None,
                   flags: int, count: int | None = None,
                   status: Sequence[int] | None = None) -> MovePagesResult:
        self.calls.append(("move_pages", list(nodes) if nodes is not None else None))
        if self.answer is not None:
            return self.answer(addrs, nodes)
        return MovePagesResult(0, None, [0] * len(addrs))

    def migrate_pages(self, pid: int, old: Sequence[int], new: Sequence[int]
                      ) -> tuple[int, int]:
        return 0, 0

    def vmsplice(self, fd: int, spans: Sequence[tuple[int, int]]) -> tuple[int, int]:
        self.calls.append(("vmsplice", len(spans)))
        return len(spans) * 4096, 0

    # files
    def read_file(self, path: str) -> str | None:
        return self.files.get(path)

    def write_file(self, path: str, value: str) -> None:
        if path not in self.files:
            raise SyscallError(2, f"no such file {path}")
        self.files[path] = value
        self.calls.append(("write", (path, value)))

    def is_privileged(self) -> bool:
        return self.privileged
