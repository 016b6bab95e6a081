"""Trace events report what the engine did, down to the frame numbers."""

from __future__ import annotations

from migratelab.kernel import Kernel, MachineSpec, run_syscall, sys_move_pages
from migratelab.kernel.events import AllocTarget, Event, FolioMigrated
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
