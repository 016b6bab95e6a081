"""Small helpers shared by the matrix, history and property tests.

Scenarios are written in the ops language (``tests/conformance/FORMAT.md``) and run
through :class:`ScenarioRunner`; the helpers only build kernels and pick records.
"""

from __future__ import annotations

from typing import Any

import msgspec

from migratelab.kernel import PROFILES as KERNEL_PROFILES
from migratelab.kernel import Kernel, MachineSpec
from migratelab.kernel.events import Event
from migratelab.kernel.mm import Process
from migratelab.scenario import ops as O
from migratelab.scenario.runner import ScenarioRunner

#: Every behaviour profile, oldest first (the kernel's own list, not a copy).
PROFILES: tuple[str, ...] = tuple(KERNEL_PROFILES)
#: The profiles real results exist for (shared/conformance), and the older ones.
MODERN: tuple[str, ...] = ("v6.1", "v6.12")
OLD: tuple[str, ...] = tuple(p for p in PROFILES if p not in MODERN)
DYNAMIC: tuple[str, ...] = tuple(p for p in PROFILES
                                 if KERNEL_PROFILES[p].batching == "dynamic")
UNSET = "UNSET"


class Run:
    """One kernel, one runner, and the records and events of what ran on it."""

    def __init__(self, profile: str, nodes: int = 2, mem_mb: tuple[int, ...] = (64,),
                 hugetlb_per_node: int = 4, detail: bool = False, swap: bool = False) -> None:
        self.k = Kernel(MachineSpec(nodes=nodes, mem_mb=mem_mb,
                                    hugetlb_per_node=hugetlb_per_node, swap=swap), profile)
        self.runner = ScenarioRunner(self.k, detail=detail)
        self.records: list[dict[str, Any]] = []
        self.events: list[Event] = []

    def ops(self, *ops: dict[str, Any], proc: Process | None = None) -> dict[str, Any]:
        """Apply ops in order (as ``proc``, default the scenario's process); returns the
        record of the last one."""
        who = self.runner.proc if proc is None else proc
        for raw in ops:
            op = msgspec.convert(raw, O.Op)  # type: ignore[arg-type]
            rec = self.runner.apply(op, len(self.records), who, self.events)
            self.records.append(rec)
        return self.records[-1]

    def move(self, entries: list[Any], proc: Process | None = None, **kw: Any
             ) -> dict[str, Any]:
        """One move_pages op; entries are [region, page, node] triples."""
        return self.ops({"op": "move_pages", "entries": entries, **kw}, proc=proc)

    def addr(self, rid: str, page: int = 0) -> int:
        """Address of a page of a region."""
        return self.runner.regions[rid].base + page * 4096

    def query(self, entries: list[list[Any]]) -> list[str]:
        """Query mode for [region, page] pairs; returns status strings."""
        return list(self.ops({"op": "query", "entries": entries})["status_str"])

    def count(self, kind: str) -> int:
        """How many events of this kind were seen so far."""
        return sum(1 for e in self.events if e.kind == kind)

    def clear_events(self) -> None:
        """Forget the events seen so far."""
        self.events.clear()


def anon(rid: str = "A", pages: int = 8, node: int | None = None,
         mode: str = "write") -> list[dict[str, Any]]:
    """Ops that map an anonymous region and fault every page in (optionally bound)."""
    ops: list[dict[str, Any]] = [{"op": "mmap", "id": rid, "pages": pages}]
    if node is not None:
        ops.append({"op": "mbind", "id": rid, "mode": "bind", "node": node})
    ops.append({"op": "touch", "id": rid, "mode": mode})
    return ops


def thp(rid: str = "T", pages: int = 512) -> list[dict[str, Any]]:
    """Ops that map a MADV_HUGEPAGE region and write it (one THP per 2 MiB)."""
    return [{"op": "mmap", "id": rid, "pages": pages},
            {"op": "madvise", "id": rid, "advice": "hugepage"},
            {"op": "touch", "id": rid}]


def hugetlb(rid: str = "H") -> list[dict[str, Any]]:
    """Ops that map and fault one 2 MiB hugetlb page."""
    return [{"op": "mmap", "id": rid, "pages": 512, "kind": "hugetlb"},
            {"op": "touch", "id": rid, "pages": [0]}]


def vm(rec: dict[str, Any], counter: str) -> int:
    """A vmstat delta of a move_pages record (0 when absent)."""
    return int(rec["vmstat_delta"].get(counter, 0))
