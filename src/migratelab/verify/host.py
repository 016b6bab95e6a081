"""What the running machine is: its kernel release, NUMA nodes, THP mode, vmstat.

Everything is read through :class:`~migratelab.verify.syscalls.Syscalls` file
helpers, so a test can describe a machine with a fake.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Protocol

from migratelab.kernel.machine import AGREEMENT_COUNTERS

NODE_DIR = "/sys/devices/system/node"
THP_ENABLED = "/sys/kernel/mm/transparent_hugepage/enabled"
NUMA_BALANCING = "/proc/sys/kernel/numa_balancing"


class Files(Protocol):
    """The file side of :class:`~migratelab.verify.syscalls.Syscalls`."""

    def read_file(self, path: str) -> str | None: ...

    def write_file(self, path: str, value: str) -> None: ...


def hugetlb_path(node: int, name: str = "nr_hugepages") -> str:
    """A node's 2 MiB hugetlb pool file."""
    return f"{NODE_DIR}/node{node}/hugepages/hugepages-2048kB/{name}"


def parse_node_list(text: str) -> list[int]:
    """``"0-2,4"`` -> ``[0, 1, 2, 4]`` (the sysfs node-list format)."""
    out: list[int] = []
    for part in text.strip().split(","):
        if not part:
            continue
        lo, _, hi = part.partition("-")
        out.extend(range(int(lo), int(hi or lo) + 1))
    return out


_VERSION = re.compile(r"^(\d+)\.(\d+)")


def release_version(release: str) -> tuple[int, int] | None:
    """``"6.1.0-56-amd64"`` -> ``(6, 1)``; None when it does not start with a version."""
    m = _VERSION.match(release)
    return (int(m.group(1)), int(m.group(2))) if m else None


@dataclass(frozen=True, slots=True)
class Host:
    """The machine verify runs on."""

    release: str
    #: Online nodes, and those among them that have memory.
    nodes: tuple[int, ...]
    memory_nodes: tuple[int, ...]
    #: "always", "madvise" or "never"; None when THP is not built in.
    thp: str | None
    numa_balancing: bool

    @property
    def node_count(self) -> int:
        """Nodes as the ops language counts them: "N" is this number."""
        return max(self.nodes, default=0) + 1


def probe(files: Files, release: str | None = None) -> Host:
    """Read the running machine's description."""
    online = parse_node_list(files.read_file(f"{NODE_DIR}/online") or "0")
    memory = files.read_file(f"{NODE_DIR}/has_memory")
    thp_text = files.read_file(THP_ENABLED)
    thp = None
    if thp_text is not None:
        m = re.search(r"\[(\w+)\]", thp_text)
        thp = m.group(1) if m else None
    balancing = (files.read_file(NUMA_BALANCING) or "0").strip() not in ("", "0")
    return Host(release=release or os.uname().release, nodes=tuple(online),
                memory_nodes=tuple(parse_node_list(memory)) if memory else tuple(online),
                thp=thp, numa_balancing=balancing)


def read_vmstat(files: Files) -> dict[str, int]:
    """/proc/vmstat as numbers."""
    out: dict[str, int] = {}
    for line in (files.read_file("/proc/vmstat") or "").splitlines():
        name, _, value = line.partition(" ")
        if value.strip().lstrip("-").isdigit():
            out[name] = int(value)
    return out


def vmstat_delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """The six agreement counters always, and every other counter that moved (an
    expectation may name any, e.g. ``htlb_buddy_alloc_success``)."""
    delta = {c: after.get(c, 0) - before.get(c, 0) for c in AGREEMENT_COUNTERS}
    for name, value in after.items():
        if name not in delta and value != before.get(name, 0):
            delta[name] = value - before.get(name, 0)
    return delta
