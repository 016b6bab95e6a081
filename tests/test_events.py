"""Trace events report what the engine did, down to the frame numbers."""

from __future__ import annotations

import json

from migratelab.kernel import Kernel, MachineSpec, run_syscall, sys_move_pages
from migratelab.kernel.events import (
    AllocTarget,
    EntryResult,
    Event,
    FolioMigrated,
    MigrateEnd,
    MigrateStart,
    PageIsolated,
)
from migratelab.kernel.reasons import Reason
from migratelab.scenario import ops as O
from migratelab.scenario.runner import ScenarioRunner


def test_alloc_target_reports_pfn_zero() -> None:
    """The first frame of node 0 is pfn 0; it once printed as -1 ("no frame")."""
    k = Kernel(MachineSpec(nodes=2, mem_mb=(16, 16), hugetlb_per_node=0), "v6.12")
    runner = ScenarioRunner(k)
    runner.run([O.Mmap(id="A", pages=1), O.Mbind(id="A", node=1), O.Touch(id="A")])
    sink: list[Event] = []
    res = run_syscall(sys_move_pages(k, k.init, 0, [runner.regions["A"].base], [0], 2,
                                     detail=True), sink)
    assert res.status == [0]
    alloc = [e for e in sink if isinstance(e, AllocTarget)]
    moved = [e for e in sink if isinstance(e, FolioMigrated)]
    assert [(a.ok, a.pfn) for a in alloc] == [(True, 0)]
    assert moved[0].new_pfn == 0 and moved[0].src == 1 and moved[0].dst == 0


def _dup_thp_call(detail: bool) -> list[Event]:
    k = Kernel(MachineSpec(nodes=2, mem_mb=(16, 16), hugetlb_per_node=0), "v6.1")
    runner = ScenarioRunner(k, detail=detail)
    runner.run([O.Mmap(id="T", pages=512), O.Madvise(id="T", advice="hugepage"),
                O.Touch(id="T")])
    sink: list[Event] = []
    runner.apply(O.MovePages(entries=[("T", 0, 1), ("T", 7, 1)]), 3, runner.proc, sink)
    return sink


def test_reasons_are_typed_and_print_by_name() -> None:
    sink = _dup_thp_call(detail=True)
    entry = next(e for e in sink if isinstance(e, EntryResult))
    assert entry.reason is Reason.THP_HEAD_ISOLATED and entry.status == -16
    assert entry.as_dict()["reason"] == "THP_HEAD_ISOLATED"
    assert "reason=THP_HEAD_ISOLATED" in entry.render()
    json.dumps([e.as_dict() for e in sink])  # every event encodes as JSON
    start = next(e for e in sink if isinstance(e, MigrateStart))
    end = next(e for e in sink if isinstance(e, MigrateEnd))
    assert (start.reason, end.reason, end.mode) == ("syscall_or_cpuset",) * 2 + ("MIGRATE_SYNC",)


def test_no_per_page_reasons_unless_someone_watches() -> None:
    quiet = _dup_thp_call(detail=False)
    assert not [e for e in quiet if e.detail]
    assert {type(e) for e in _dup_thp_call(detail=True)} >= {EntryResult, PageIsolated}
