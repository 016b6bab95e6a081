"""6.3+ migrates a batch in two halves: every folio is unmapped (its target
allocated, migration entries in its PTEs), one TLB flush, then every unmapped
folio is moved. Before 6.3 each folio is allocated and moved before the next.

Expected orders are read off ``migrate_pages_batch()`` and
``unmap_and_move()`` in mm/migrate.c, not off the engine; the real kernels'
migration-PTE tracepoints agree (tests/conformance/oracle, scenario 190).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mlhelp import Run, anon

from migratelab.kernel.events import AllocTarget, FolioFailed, FolioMigrated, MigratePass


def _steps(r: Run) -> list[str]:
    out = []
    for e in r.events:
        if isinstance(e, AllocTarget):
            out.append("alloc")
        elif isinstance(e, FolioMigrated):
            out.append("move")
        elif isinstance(e, FolioFailed):
            out.append(f"refused {e.errno}")
        elif isinstance(e, MigratePass):
            out.append(f"pass {e.phase} {e.number}")
    return out


def test_a_batch_is_unmapped_whole_then_moved_from_6_3() -> None:
    r = Run("v6.12", detail=True)
    r.ops(*anon("A", 3))
    r.clear_events()
    rec = r.move([["A", 0, 1], ["A", 1, 1], ["A", 2, 1]])
    assert rec["ret"] == 0 and rec["after_nodes"] == [1, 1, 1]
    assert _steps(r) == ["pass async unmap 1", "alloc", "alloc", "alloc",
                         "pass async move 1", "move", "move", "move"]


def test_before_6_3_each_folio_moves_before_the_next_is_allocated() -> None:
    r = Run("v6.1", detail=True)
    r.ops(*anon("A", 3))
    r.clear_events()
    r.move([["A", 0, 1], ["A", 1, 1], ["A", 2, 1]])
    steps = [s for s in _steps(r) if not s.startswith("pass")]
    assert steps == ["alloc", "move", "alloc", "move", "alloc", "move"]


def test_a_pinned_folio_is_unmapped_then_refused_at_each_move_pass() -> None:
    r = Run("v6.12", detail=True)
    r.ops(*anon("A", 2), {"op": "pin", "id": "A", "pages": [1]})
    free_before = r.k.node_state()["1"]["memfree_kb"]
    r.clear_events()
    rec = r.move([["A", 0, 1], ["A", 1, 1]])
    # the other page moves; the pinned one stays where it was, counted once
    assert rec["ret"] == 1 and rec["after_nodes"] == [1, 0]
    steps = _steps(r)
    # async: both unmapped, then three move passes; the pin refuses A[1] at each
    assert steps[:9] == ["pass async unmap 1", "alloc", "alloc",
                         "pass async move 1", "move", "refused EAGAIN",
                         "pass async move 2", "refused EAGAIN", "pass async move 3"]
    # then MIGRATE_SYNC, alone: unmapped once, refused at each of seven move passes
    sync = steps[steps.index("pass sync unmap 1"):]
    assert sync[:2] == ["pass sync unmap 1", "alloc"]
    assert [s for s in sync if s.startswith("pass sync move")] == [
        f"pass sync move {n}" for n in range(1, 8)]
    assert sync.count("refused EAGAIN") == 7
    # every target allocated for A[1] was given back: node 1 holds only A[0]
    assert r.k.node_state()["1"]["memfree_kb"] == free_before - 4


ORACLE = Path(__file__).parent / "conformance" / "oracle"


def _real_trace(kernel: str, scenario: str) -> list[str]:
    """The migration-PTE tracepoints a real kernel logged: "set" (unmapped) and
    "remove" (mapped again, at the new page or back at the old one)."""
    result = json.loads((ORACLE / "results" / kernel / "nodes2" / f"{scenario}.json").read_text())
    trace = [op["stdout"] for op in result["ops"] if op["op"] == "exec"][-1]
    return [line.split("_migration_pte:")[0] for line in trace.splitlines()
            if "_migration_pte:" in line]


def _scenario_run(profile: str, scenario: str) -> Run:
    raw = json.loads((ORACLE / "scenarios" / f"{scenario}.json").read_text())
    r = Run(profile, detail=True)
    for op in raw["ops"]:
        if op["op"] == "vmsplice":  # a real pin: the simulator's own op
            op = {"op": "pin", "id": op["id"], "pages": op["pages"]}
        if op["op"] not in ("exec", "unpin"):
            r.ops(op)
    return r


@pytest.mark.parametrize(("profile", "kernel"), [("v6.1", "6.1"), ("v6.12", "6.12")])
def test_three_pages_unmap_and_move_in_the_real_kernels_order(profile: str,
                                                              kernel: str) -> None:
    real = _real_trace(kernel, "190_batch_unmap_then_move")
    r = _scenario_run(profile, "190_batch_unmap_then_move")
    engine = ["set" if s == "alloc" else "remove" for s in _steps(r)
              if s in ("alloc", "move")]
    assert engine == real


@pytest.mark.parametrize(("profile", "kernel"), [("v6.1", "6.1"), ("v6.12", "6.12")])
def test_a_pinned_page_is_unmapped_as_often_as_in_the_real_kernel(profile: str,
                                                                   kernel: str) -> None:
    # 6.1: once per attempt (ten for the pinned page); 6.12: once per phase
    real = _real_trace(kernel, "191_batch_pinned_folio_passes")
    r = _scenario_run(profile, "191_batch_pinned_folio_passes")
    assert _steps(r).count("alloc") == real.count("set") == (11 if kernel == "6.1" else 3)


def test_the_narration_names_the_two_halves_and_the_one_flush() -> None:
    from migratelab.game.explain import narrate

    r = Run("v6.12", detail=True)
    r.ops(*anon("A", 3))
    r.clear_events()
    r.move([["A", 0, 1], ["A", 1, 1], ["A", 2, 1]])
    lines = [narrate(e, str) for e in r.events if isinstance(e, MigratePass)]
    assert lines == [
        "migrate_pages(): async unmap pass 1 over 3 folio(s)",
        "migrate_pages_batch(): one TLB flush for them all, then async move pass 1 "
        "over 3 unmapped folio(s)"]
