"""Built-in worlds that need no level file (the sandbox and the benchmarks)."""

from __future__ import annotations

from typing import Any

from migratelab.game import view
from migratelab.kernel.machine import Kernel, MachineSpec
from migratelab.scenario import ops as O
from migratelab.scenario.runner import ScenarioRunner


def demo_machine(mem_mb: int = 64) -> dict[str, int]:
    """The demo world's ``[machine]`` table (what a level saved from the sandbox gets)."""
    return {"nodes": 2, "mem_mb": mem_mb, "cpus_per_node": 1, "hugetlb_per_node": 2}


def demo_setup(pages: int = 64, node: int = 0) -> list[O.Op]:
    """The ops that build the demo world: region A of ``pages`` base pages on ``node``."""
    return [
        O.SetMempolicy(mode="bind", node=node),
        O.Mmap(id="A", pages=pages),
        O.Madvise(id="A", advice="nohugepage"),
        O.Touch(id="A", pages="all"),
        O.LruAddDrainAll(),
    ]


def demo_runner(pages: int = 64, mem_mb: int = 64, node: int = 0,
                profile: str = "v6.12") -> ScenarioRunner:
    """Two nodes; region A of ``pages`` base pages written on ``node``, on the LRU."""
    m = demo_machine(mem_mb)
    k = Kernel(MachineSpec(nodes=m["nodes"], mem_mb=(mem_mb, mem_mb),
                           hugetlb_per_node=m["hugetlb_per_node"]), profile)
    runner = ScenarioRunner(k, detail=True)
    runner.run(list(demo_setup(pages, node)))
    return runner


def all_on_node_1(runner: ScenarioRunner, history: list[dict[str, Any]],
                  prediction: Any = None) -> tuple[bool, str]:
    """The demo level's goal: every page of A on node 1."""
    on, total = view.pages_on_node(runner, "A", 1)
    return on == total, f"{on}/{total} pages of A on node 1"
