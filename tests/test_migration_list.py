"""Where an isolated folio sits, event by event, while ``migrate_pages()`` runs.

The kernel links a folio into one list at a time through ``folio->lru``:
isolation takes it off its LRU list and puts it on the migration list; the
attempt that moves it deletes it from that list (``list_del`` in
``unmap_and_move()`` up to 6.2, in ``migrate_folio_move()`` from 6.3) and only
then adds the new folio to the LRU (``putback_lru_page()`` /
``folio_add_lru()``; a THP is large, so the per-CPU batch drains at once, and
5.13+ runs move_pages under ``lru_cache_disable()``). A folio that must be
retried stays on the list; one that failed goes back to its LRU.

Expected positions come from that reading of mm/migrate.c, not from the engine.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from migratelab.kernel import Kernel, MachineSpec
from migratelab.kernel.events import Event
from migratelab.kernel.folio import PG_LRU, Folio
from migratelab.kernel.invariants import violations
from migratelab.kernel.profiles import PROFILES
from migratelab.scenario import ops as O
from migratelab.scenario.runner import ScenarioRunner

THP_WORLD: list[O.Op] = [O.Mmap(id="A", pages=512), O.Madvise(id="A", advice="hugepage"),
                         O.Mbind(id="A", node=0), O.Touch(id="A")]


def _runner(profile: str, world: list[O.Op], mem_mb: tuple[int, ...] = (64, 64)
            ) -> ScenarioRunner:
    k = Kernel(MachineSpec(nodes=2, mem_mb=mem_mb, hugetlb_per_node=0), profile)
    runner = ScenarioRunner(k, detail=True)
    runner.run(world)
    return runner


def _events(runner: ScenarioRunner, op: O.MovePages) -> Iterator[Event]:
    pending = runner.start_syscall(op, 0, runner.proc)
    yield from pending.events


def _where(k: Kernel, folio: Folio) -> tuple[int, bool, bool]:
    """(node, on an LRU list, on a migration list)."""
    on_list = any(f is folio for lst in k.migration_lists for f in lst)
    return folio.node, bool(folio.flags & PG_LRU) and folio.lru_on is not None, on_list


@pytest.mark.parametrize("profile", list(PROFILES))
def test_the_thp_is_on_one_list_at_a_time(profile: str) -> None:
    """Level 02's request: A[0] and A[100] (one THP) to node 1."""
    runner = _runner(profile, THP_WORLD)
    k = runner.k
    (thp,) = [f for f in k.large_folios if f.is_thp]
    assert _where(k, thp) == (0, True, False)
    seen: dict[str, tuple[int, bool, bool]] = {}
    op = O.MovePages(entries=[("A", 0, 1), ("A", 100, 1)])
    for event in _events(runner, op):
        assert violations(k) == [], event.kind
        seen.setdefault(event.kind, _where(k, thp))
        if event.kind == "mm_migrate_folio_move":
            break
    assert seen["isolate_lru_page"] == (0, False, True)  # off the LRU, on the list
    assert seen["add_page_for_migration"] == (0, False, True)  # A[100]: -EBUSY, still queued
    assert seen["mm_migrate_pages_start"] == (0, False, True)
    # a pass begins, and the target frame is allocated, before anything moves
    assert seen["migrate_pass"] == (0, False, True)
    assert seen["alloc_migration_target"] == (0, False, True)
    # moved: gone from the migration list, on node 1's LRU, not both
    assert seen["mm_migrate_folio_move"] == (1, True, False)


@pytest.mark.parametrize("profile", list(PROFILES))
def test_every_event_keeps_one_list_per_folio(profile: str) -> None:
    """Sixteen base pages, two of them pinned (retried every pass, then failed):
    after every event each folio is on exactly one of: an LRU list, a pagevec, a
    migration list; and moved folios are on none of the migration lists."""
    world: list[O.Op] = [O.Mmap(id="B", pages=16), O.Touch(id="B"), O.Pin(id="B", pages=[3, 9])]
    runner = _runner(profile, world)
    k = runner.k
    op = O.MovePages(entries=[("B", i, 1) for i in range(16)])
    moved = 0
    for event in _events(runner, op):
        assert violations(k) == [], event.kind
        on_lists = [f for lst in k.migration_lists for f in lst]
        if event.kind == "mm_migrate_folio_move":
            moved += 1
            assert all(f.node == 0 for f in on_lists)  # nothing on node 1 is still queued
        if event.kind == "migrate_pass" and moved == 14:
            # later passes retry only the two pinned pages
            assert len(on_lists) == 2
    assert moved == 14
    assert not k.migration_lists or all(len(lst) == 0 for lst in k.migration_lists)


ORACLE = Path(__file__).parent / "conformance" / "oracle"


@pytest.mark.parametrize("kernel", ["6.1", "6.12"])
@pytest.mark.parametrize("name", ["104_pin_left_out", "55_mlocked_thp", "60_mbind_move_base"])
def test_after_each_call_folios_are_on_the_lru_as_on_real_kernels(kernel: str, name: str) -> None:
    """Real 6.1/6.12 records give each named page's kpageflags after the call:
    moved pages, pages put back after a failed migration (104's vmsplice pin) and
    THPs moved by mbind all carry LRU, none is left isolated or in a per-CPU batch.
    The simulator's folio at each of those pages must agree, op by op."""
    real = json.loads((ORACLE / "results" / kernel / "nodes2" / f"{name}.json").read_text())
    scenario = msgspec.json.decode((ORACLE / "scenarios" / f"{name}.json").read_bytes(),
                                   type=O.Scenario)
    runner = ScenarioRunner(Kernel(MachineSpec(nodes=2), kernel))
    checked = 0
    for i, (op, rec) in enumerate(zip(scenario.ops, real["ops"], strict=True)):
        runner.apply(op, i, runner.proc)
        for page in rec.get("pages", []):
            if "COMPOUND_TAIL" in page["kpf"] or not page["present"]:
                continue  # kpageflags reports LRU on a THP's head page
            rid, index = page["entry"]
            (folio,) = runner.folios_at(runner.proc, rid, [index], i)
            on_lru = bool(folio.flags & PG_LRU) and folio.lru_on is not None
            assert on_lru == ("LRU" in page["kpf"]), (i, rid, index, page["kpf"])
            checked += 1
        assert violations(runner.k) == [], i
    assert checked > 0
