"""What a file asks the real kernel: its cases, and the ops it would run.

A *case* is one fresh run: ops applied in order, some of which are calls whose
record is compared with an expected result. A level gives one case per
``[[expect]]`` (its ``[[setup]]``, the expectation's own setup, then its request;
expected: the result recorded for the chosen profile). A scenario file gives one
case, all of its ops, and each call is compared with what the simulator answers
on the same profile.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import msgspec

from migratelab.kernel.machine import Kernel, MachineSpec
from migratelab.levels import ExpectResult, Level, Request, record_as_result, result_for
from migratelab.scenario import ops as O
from migratelab.scenario.runner import RunError, ScenarioRunner

CALL_OPS = (O.MovePages, O.Query)


@dataclass(slots=True)
class Check:
    """One call of a case and what it should give (None: nothing recorded for it)."""

    index: int
    name: str
    label: str
    expected: ExpectResult | None
    #: The call, and the expectation's own setup ops (for ``--record``).
    request: Request
    setup: list[Any] = field(default_factory=list)


@dataclass(slots=True)
class Case:
    """One fresh run on the real kernel."""

    #: (where in the file, op) pairs: ``$.setup[2]``, ``$.expect[0].request``...
    ops: list[tuple[str, Any]]
    checks: list[Check] = field(default_factory=list)


def level_cases(level: Level, profile: str) -> list[Case]:
    """One case per expectation of a level, judged on ``profile``."""
    out: list[Case] = []
    for i, exp in enumerate(level.expect):
        ops = [(f"$.setup[{j}]", op) for j, op in enumerate(level.setup)]
        ops += [(f"$.expect[{i}].setup[{j}]", op) for j, op in enumerate(exp.setup)]
        ops.append((f"$.expect[{i}].request", exp.request))
        try:
            expected: ExpectResult | None = _without_calls(result_for(exp, profile))
        except KeyError:
            expected = None
        out.append(Case(ops, [Check(len(ops) - 1, f"expect[{i}]-{profile}", exp.name,
                                    expected, exp.request, list(exp.setup))]))
    return out


def scenario_case(scen: O.Scenario, profile: str, nodes: int) -> Case:
    """A scenario's ops as one case; each call is expected to give what the simulator
    gives on ``profile`` with ``nodes`` nodes."""
    ops = [(f"$.ops[{i}]", op) for i, op in enumerate(scen.ops)]
    sim = _simulated(scen, profile, nodes)
    checks = []
    for i, op in enumerate(scen.ops):
        if isinstance(op, CALL_OPS):
            rec = sim.get(i)
            expected = None if rec is None else _without_calls(
                msgspec.convert(record_as_result(rec, [profile]), ExpectResult))
            checks.append(Check(i, f"ops[{i}]-{profile}", "", expected, op))
    return Case(ops, checks)


def _simulated(scen: O.Scenario, profile: str, nodes: int) -> dict[int, dict[str, Any]]:
    """The simulator's records of a scenario's calls, by op index (empty if it cannot
    run the scenario: then nothing is compared)."""
    runner = ScenarioRunner(Kernel(MachineSpec(nodes=max(nodes, 1)), profile))
    out: dict[int, dict[str, Any]] = {}
    try:
        for i, op in enumerate(scen.ops):
            out[i] = runner.apply(op, i, runner.proc)
    except (RunError, ValueError):
        pass
    return out


def _without_calls(res: ExpectResult) -> ExpectResult:
    """A real kernel cannot count its migrate_pages() calls: that field is not judged."""
    return msgspec.structs.replace(res, migrate_calls=None)


def walk(ops: list[tuple[str, Any]]) -> Iterator[tuple[str, Any]]:
    """Every op with its path, the ops of fork and child ops included."""
    for where, op in ops:
        yield where, op
        if isinstance(op, (O.Fork, O.Child)):
            yield from walk([(f"{where}.ops[{j}]", o) for j, o in enumerate(op.ops)])
