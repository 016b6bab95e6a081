"""Built-in worlds that need no level file (the sandbox and the benchmarks)."""

from __future__ import annotations

from migratelab.kernel.machine import Kernel, MachineSpec
from migratelab.scenario import ops as O
from migratelab.scenario.runner import ScenarioRunner


def demo_runner(pages: int = 64, mem_mb: int = 64, node: int = 0,
                profile: str = "v6.12") -> ScenarioRunner:
    """Two nodes; region A of ``pages`` base pages written on ``node``, on the LRU."""
    k = Kernel(MachineSpec(nodes=2, mem_mb=(mem_mb, mem_mb), hugetlb_per_node=2), profile)
    runner = ScenarioRunner(k, detail=True)
    runner.run([
        O.SetMempolicy(mode="bind", node=node),
        O.Mmap(id="A", pages=pages),
        O.Madvise(id="A", advice="nohugepage"),
        O.Touch(id="A", pages="all"),
        O.LruAddDrainAll(),
    ])
    return runner
