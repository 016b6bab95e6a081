"""After ``child_exit``, ``child:NAME`` names the pid the child had (LTP move_pages07).

A literal pid in a level meant "the pid the reaped child had" in the simulator
(which numbers processes from 100), but on a real guest that pid is whatever
runs there: sometimes a kernel thread, which has no mm (EINVAL, not ESRCH).
Real kernels give ESRCH for the reaped child's own pid (conformance scenario
29_count_zero op 5; oracle probe 108, case ltp07_reaped_child).
"""

from __future__ import annotations

import msgspec
import pytest

from migratelab.kernel import Kernel, MachineSpec
from migratelab.levels.rules import Problem
from migratelab.scenario import ops as O
from migratelab.scenario.resolve import RunError
from migratelab.scenario.runner import run_scenario

SETUP = [{"op": "mmap", "id": "A", "pages": 4, "kind": "anon"},
         {"op": "touch", "id": "A", "pages": "all", "mode": "write"},
         {"op": "fork", "child": "C1", "ops": []}]


def _run(ops: list[dict[str, object]]) -> list[dict[str, object]]:
    scenario = msgspec.convert({"name": "t", "description": "", "ops": SETUP + ops},
                               O.Scenario)
    res = run_scenario(scenario, Kernel(MachineSpec(nodes=2), "v6.12"))
    return res["ops"]


def test_the_pid_of_a_reaped_child_names_nobody() -> None:
    ops = _run([{"op": "child_exit", "child": "C1"},
                {"op": "move_pages", "entries": [["A", 0, 1]], "pid": "child:C1"}])
    assert ops[-1]["ret"] == -1 and ops[-1]["errno"] == "ESRCH"
    assert ops[-1]["pid"] == ops[2]["pid"]  # the pid the fork gave the child


def test_a_child_that_exited_cannot_be_forked_again_under_its_name() -> None:
    # (its name still means its old pid: a new child under it would be ambiguous)
    with pytest.raises(RunError, match="already exists"):
        _run([{"op": "child_exit", "child": "C1"}, {"op": "fork", "child": "C1", "ops": []}])


def test_level_rules_accept_a_reaped_child_and_refuse_an_unknown_one() -> None:
    from migratelab.levels.rules import Rules, World

    world = World(children={"C1"})
    checker = Rules.__new__(Rules)  # (_pid reads nothing of the level)
    checker._pid("x.pid", "child:C1", world)
    world.children.discard("C1")
    world.exited.add("C1")
    checker._pid("x.pid", "child:C1", world)
    with pytest.raises(Problem):
        checker._pid("x.pid", "child:C2", world)
