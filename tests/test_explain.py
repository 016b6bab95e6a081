"""explain(): reasons derived from real engine runs, on several profiles."""

from __future__ import annotations

from typing import Any

import pytest

from migratelab.game.explain import explain
from migratelab.kernel import Kernel, MachineSpec, get_profile
from migratelab.kernel.events import Event
from migratelab.scenario import ops as O
from migratelab.scenario.runner import ScenarioRunner


def _run(profile: str, setup: list[Any], call: O.MovePages) -> tuple[list[int], list[Event]]:
    k = Kernel(MachineSpec(nodes=2, mem_mb=(64, 64), hugetlb_per_node=0), profile)
    runner = ScenarioRunner(k, detail=True)
    runner.run(setup)
    sink: list[Event] = []
    rec = runner.apply(call, len(setup), runner.proc, sink)
    return rec["status"], sink


SETUP = [O.Mmap(id="A", pages=16), O.Madvise(id="A", advice="nohugepage"),
         O.Mbind(id="A", node=0), O.Touch(id="A", pages="all")]


def test_failed_run_is_explained_as_unset_on_v6_1() -> None:
    status, events = _run("v6.1", [*SETUP, O.Pin(id="A", pages=[1])], O.MovePages(
        entries=[("A", 0, 1), ("A", 1, 1), ("A", 2, 1)]))
    ex = explain(0, status, events, get_profile("v6.1"))
    assert "UNSET" in ex.title
    assert "run [0:3)" in ex.text() and "failed" in ex.text()
    assert "exact" in ex.text()  # the profile's positive_return switch is cited


def test_v4_14_reports_the_migration_failure_per_page() -> None:
    status, events = _run("v4.14", [*SETUP, O.Pin(id="A", pages=[1])], O.MovePages(
        entries=[("A", 0, 1), ("A", 1, 1), ("A", 2, 1)]))
    ex = explain(1, status, events, get_profile("v4.14"))
    assert ex.title == "status[1] = -EAGAIN"
    assert "unmap_and_move wrote the errno" in ex.text()


@pytest.mark.parametrize(("profile", "commit"), [("v6.1", "d899844e9c98"),
                                                 ("v6.12", "7dff875c9436")])
def test_untouched_anon_cites_the_commit_of_the_profile(profile: str, commit: str) -> None:
    setup = [O.Mmap(id="A", pages=4), O.Touch(id="A", pages=[0])]
    status, events = _run(profile, setup, O.MovePages(entries=[("A", 0, 1), ("A", 1, 1)]))
    ex = explain(1, status, events, get_profile(profile))
    assert "never touched" in ex.text()
    assert commit in ex.text()


def test_invalid_node_stops_the_call() -> None:
    status, events = _run("v6.12", SETUP, O.MovePages(
        entries=[("A", 0, 1), ("A", 1, "N"), ("A", 2, 1)]))
    assert explain(0, status, events, get_profile("v6.12")).title.endswith("on node 1")
    ex = explain(2, status, events, get_profile("v6.12"))
    assert "entry 1 names node 2" in ex.text() and "ENODEV" in ex.text()


def test_duplicate_thp_subpage_is_ebusy() -> None:
    setup = [O.Mmap(id="T", pages=512), O.Madvise(id="T", advice="hugepage"),
             O.Mbind(id="T", node=0), O.Touch(id="T", pages="all")]
    k = Kernel(MachineSpec(nodes=2, mem_mb=(64, 64), hugetlb_per_node=0), "v6.12")
    runner = ScenarioRunner(k, detail=True)
    runner.run(setup)
    sink: list[Event] = []
    rec = runner.apply(O.MovePages(entries=[("T", 0, 1), ("T", 100, 1)]), 4, runner.proc, sink)
    ex = explain(1, rec["status"], sink, get_profile("v6.12"))
    assert ex.title == "status[1] = -EBUSY" and "already isolated" in ex.text()
    assert "isolated thp@" in explain(0, rec["status"], sink, get_profile("v6.12")).text()


def test_out_of_range_index_is_an_error() -> None:
    with pytest.raises(IndexError):
        explain(5, [1, 1], [], get_profile("v6.12"))


def test_explain_command_parses() -> None:
    from migratelab.game.commands import CommandError, Explain, parse

    assert parse("explain 3") == Explain(3)
    assert parse("why status[12]") == Explain(12)
    with pytest.raises(CommandError):
        parse("explain x")
