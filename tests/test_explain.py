"""explain(): reasons derived from real engine runs, on several profiles."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from migratelab.game.explain import explain, narrate
from migratelab.kernel import PROFILES, Kernel, MachineSpec, Profile, get_profile
from migratelab.kernel import errno as E
from migratelab.kernel.events import EntryResult, Event, PageIsolated
from migratelab.kernel.explanations import (
    ERRNO_MEANINGS,
    EXPLANATIONS,
    SWITCH_EXPLANATIONS,
    Explanation,
    cite,
)
from migratelab.kernel.reasons import INFERRED_REASONS, Reason
from migratelab.scenario import ops as O
from migratelab.scenario.runner import ScenarioRunner


def _run(profile: str, setup: list[Any], call: O.MovePages) -> tuple[list[int], list[Event]]:
    k = Kernel(MachineSpec(nodes=2, mem_mb=(64, 64), hugetlb_per_node=0), profile)
    runner = ScenarioRunner(k, detail=True)
    runner.run(setup)
    sink: list[Event] = []
    rec = runner.apply(call, len(setup), runner.proc, sink)
    return rec["status"], sink


SWITCHES = [f.name for f in fields(Profile) if f.name not in ("name", "release")]
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


# -- reasons as data ---------------------------------------------------------------------

KERNEL = Path(__file__).resolve().parents[1] / "src" / "migratelab" / "kernel"


def _kernel_source() -> str:
    skip = {"reasons.py", "explanations.py", "errno.py"}
    return "\n".join(p.read_text() for p in sorted(KERNEL.glob("*.py")) if p.name not in skip)


def test_every_reason_has_an_explanation() -> None:
    assert set(EXPLANATIONS) == set(Reason)
    for reason, x in EXPLANATIONS.items():
        assert x.function and x.text, reason
        assert x.switch is None or x.switch in SWITCHES, reason


def test_every_reason_is_one_the_engine_can_produce() -> None:
    used = set(re.findall(r"Reason\.([A-Z_]+)", _kernel_source()))
    reported = {r.name for r in Reason} - {r.name for r in INFERRED_REASONS}
    assert reported <= used, "a Reason nothing in the kernel reports"
    game = (KERNEL.parent / "game" / "explain.py").read_text()
    assert all(f"Reason.{r.name}" in game for r in INFERRED_REASONS)


def test_every_errno_the_engine_produces_has_a_meaning() -> None:
    used = set(re.findall(r"\bE\.(E[A-Z0-9]+)\b", _kernel_source()))
    assert used, "the scan found no errno"
    missing = {name for name in used if E.BY_NAME[name] not in ERRNO_MEANINGS}
    assert not missing


def test_every_profile_switch_has_an_explanation_and_a_commit_everywhere() -> None:
    assert set(SWITCH_EXPLANATIONS) == set(SWITCHES)
    for name, prof in PROFILES.items():
        for switch in SWITCHES:
            assert cite(prof, switch) is not None, f"{name}.{switch}"


def test_explain_reads_no_prose() -> None:
    """Rewording every explanation cannot change which reason explain() picks."""
    status, events = _run("v4.17", SETUP, O.MovePages(entries=[("A", 0, 1), ("A", 1, 0)]))
    before = [explain(i, status, events, get_profile("v4.17")).reason for i in range(2)]
    reworded = {r: Explanation(x.function, "(reworded)", x.switch)
                for r, x in EXPLANATIONS.items()}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("migratelab.game.explain.EXPLANATIONS", reworded)
        after = [explain(i, status, events, get_profile("v4.17")) for i in range(2)]
    # v4.17: the trailing already-placed run is never written (the case that was
    # once recognised by the words "never written" in a note)
    assert [a.reason for a in after] == before == [Reason.MIGRATED,
                                                   Reason.TRAILING_RUN_UNWRITTEN]
    assert "(reworded)" in after[1].text()


def test_explain_works_mid_call_and_after_a_query() -> None:
    k = Kernel(MachineSpec(nodes=2, mem_mb=(64, 64), hugetlb_per_node=0), "v6.12")
    runner = ScenarioRunner(k, detail=True)
    runner.run(SETUP)
    pending = runner.start_syscall(O.MovePages(entries=[("A", 0, 1), ("A", 1, 1)]), 4,
                                   runner.proc)
    seen: list[Event] = []
    for event in pending.events:
        seen.append(event)
        if isinstance(event, PageIsolated) and event.index == 1:
            break
    mid = explain(1, [E.UNSET, E.UNSET], seen, k.profile)
    assert mid.reason is Reason.ISOLATED and mid.function == "isolate_lru_page"
    status, events = _run("v6.12", [*SETUP, O.Mmap(id="U", pages=2)], O.Query(
        entries=[("A", 0), ("U", 1)]))
    assert explain(0, status, events, get_profile("v6.12")).reason is Reason.PAGE_PRESENT
    untouched = explain(1, status, events, get_profile("v6.12"))
    assert untouched.reason is Reason.UNTOUCHED_ANON and untouched.commit == "7dff875c9436"


def test_narrate_names_the_kernel_function_for_every_event() -> None:
    setup = [O.Mmap(id="T", pages=512), O.Madvise(id="T", advice="hugepage"),
             O.Mbind(id="T", node=0), O.Touch(id="T", pages="all"), *SETUP[:1], *SETUP[2:],
             O.Pin(id="A", pages=[3])]
    call = O.MovePages(entries=[("T", 0, 1), ("T", 100, 1), ("A", 0, 1), ("A", 3, 1),
                                ("UNMAPPED", 0, 1), ("A", 4, "N")])
    kinds: set[str] = set()
    for profile in ("v4.14", "v6.1", "v6.12"):
        _status, events = _run(profile, setup, call)
        for event in events:
            line = narrate(event, lambda addr: f"@{addr:#x}")
            kinds.add(event.kind)
            assert "()" in line or line.startswith("mm_migrate_pages"), line
            raw = event.render()  # the fallback embeds the raw field=value line
            assert "=" not in raw or raw not in line, f"no narration for {event.kind}"
    assert {"add_page_for_migration", "isolate_lru_page", "mm_migrate_pages",
            "node_invalid", "store_status"} <= kinds


def test_narrate_speaks_of_the_thp_head_with_the_label() -> None:
    setup = [O.Mmap(id="T", pages=512), O.Madvise(id="T", advice="hugepage"),
             O.Mbind(id="T", node=0), O.Touch(id="T", pages="all")]
    k = Kernel(MachineSpec(nodes=2, mem_mb=(64, 64), hugetlb_per_node=0), "v6.12")
    runner = ScenarioRunner(k, detail=True)
    runner.run(setup)
    sink: list[Event] = []
    runner.apply(O.MovePages(entries=[("T", 0, 1), ("T", 100, 1)]), 4, runner.proc, sink)
    base = runner.regions["T"].base
    lines = [narrate(e, lambda a: f"T[{(a - base) // 4096}]") for e in sink
             if isinstance(e, EntryResult)]
    assert lines == ["add_page_for_migration(): T[100] belongs to a THP whose head is "
                     "already isolated: -EBUSY"]
    end = next(narrate(e, str) for e in sink if e.kind == "mm_migrate_pages")
    assert end.endswith("mode=MIGRATE_SYNC reason=syscall_or_cpuset")
