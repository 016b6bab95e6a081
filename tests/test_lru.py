"""Per-CPU pagevec corner cases found by the property soak."""

from __future__ import annotations

import pytest

from migratelab.kernel import Kernel, MachineSpec
from migratelab.kernel.invariants import violations
from migratelab.scenario import ops as O
from migratelab.scenario.runner import ScenarioRunner


@pytest.mark.parametrize("profile", ["v4.14", "v5.12", "v6.12"])
def test_page_unmapped_while_in_a_pagevec_is_freed_by_the_drain(profile: str) -> None:
    k = Kernel(MachineSpec(nodes=2, mem_mb=(16, 16), hugetlb_per_node=0), profile)
    runner = ScenarioRunner(k)
    runner.run([O.Mmap(id="A", pages=1), O.Touch(id="A")])
    cpu = k.cpus[0]
    assert len(cpu.pagevec) == 1  # a fresh fault waits in the LRU-add pagevec
    free_before = k.mem(0).nr_free
    runner.run([O.Munmap(id="A"), O.LruAddDrainAll()])
    assert cpu.pagevec == []
    assert k.mem(0).nr_free == free_before + 1
    assert sum(len(lst) for lst in k.lru.vecs[0].lists.values()) == 0
    assert violations(k) == []
