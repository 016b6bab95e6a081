"""Issue 3: the history of move_pages(2) from v4.14 to v6.12, profile by profile.

Expected values come from the reference (``move_pages-semantics.md`` 4.3, 4.4,
rows 16, 24, 25, 42, 48 and section 9) and from ``docs/research/kernel-notes.md``
(sections 1-3), which win where the two disagree.
"""

from __future__ import annotations

from typing import Any

import pytest
from mlhelp import MODERN, PROFILES, UNSET, Run, anon, thp, vm

from migratelab.kernel.mm import walk_present

ALTERNATING = [0, 1, 0, 1, 0, 1, 0, 1, 0, 1]
SORTED = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]


def worked_example(profile: str, targets: list[int], *extra: dict[str, Any]
                   ) -> tuple[Run, dict[str, Any]]:
    """Reference 4.4: three nodes, P0..P9 on node 2, status pre-filled with 99."""
    r = Run(profile, nodes=3)
    r.ops(*anon("P", 10, node=2), *extra)
    r.clear_events()
    rec = r.move([["P", i, t] for i, t in enumerate(targets)], status=[99] * 10)
    return r, rec


# -- 4.4 "All fine" and "sorted": the number of migrate_pages calls ----------------------

@pytest.mark.parametrize("profile", PROFILES)
def test_alternating_targets_call_count(profile: str) -> None:
    r, rec = worked_example(profile, ALTERNATING)
    calls = r.count("mm_migrate_pages_start")
    assert calls == (1 if profile == "v4.14" else 10)
    assert rec["migrate_calls"] == calls
    assert rec["ret"] == 0
    assert rec["status"] == ALTERNATING
    assert rec["after_nodes"] == ALTERNATING
    assert vm(rec, "pgmigrate_success") == 10


@pytest.mark.parametrize("profile", PROFILES)
def test_sorted_targets_call_count(profile: str) -> None:
    r, rec = worked_example(profile, SORTED)
    assert r.count("mm_migrate_pages_start") == (1 if profile == "v4.14" else 2)
    assert rec["status"] == SORTED and rec["ret"] == 0


@pytest.mark.parametrize("profile", PROFILES)
def test_v4_14_one_call_carries_every_page(profile: str) -> None:
    """v4.14's single call carries all ten pages; later calls carry one page each."""
    r, _ = worked_example(profile, ALTERNATING)
    starts = [e for e in r.events if e.kind == "mm_migrate_pages_start"]
    assert [e.folios for e in starts] == ([10] if profile == "v4.14" else [1] * 10)  # type: ignore[attr-defined]


# -- 4.4: P4 has no VMA -----------------------------------------------------------

@pytest.mark.parametrize("profile", PROFILES)
def test_p4_without_vma(profile: str) -> None:
    r, rec = worked_example(profile, ALTERNATING, {"op": "munmap", "id": "P", "range": [4, 1]})
    want = [0, 1, 0, 1, "-EFAULT", 1, 0, 1, 0, 1]
    assert rec["status_str"] == [str(w) for w in want]
    assert rec["ret"] == 0
    starts = [e for e in r.events if e.kind == "mm_migrate_pages_start"]
    if profile == "v4.14":
        assert [e.folios for e in starts] == [9]  # type: ignore[attr-defined]
    else:
        assert len(starts) == 9


# -- 4.4: pinned pages and the positive return of 4.3 ------------------------------------

#: (pinned page, targets) -> profile -> ret, from the table in 4.4.
PINNED_RET = {
    "P3 alternating": {"v4.14": 0, "v4.17": 1, "v5.6": 6, "v5.12": 6, "v6.1": 7, "v6.12": 7},
    "P9 alternating": {"v4.14": 0, "v4.17": 1, "v5.6": 1, "v5.12": 0, "v6.1": 1, "v6.12": 1},
    "P2 sorted": {"v4.14": 0, "v4.17": 1, "v5.6": 5, "v5.12": 5, "v6.1": 6, "v6.12": 6},
}
CASES = {"P3 alternating": (3, ALTERNATING), "P9 alternating": (9, ALTERNATING),
         "P2 sorted": (2, SORTED)}


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("case", list(CASES))
def test_pinned_page_worked_example(case: str, profile: str) -> None:
    pinned, targets = CASES[case]
    r, rec = worked_example(profile, targets, {"op": "pin", "id": "P", "pages": [pinned]})
    assert rec["ret"] == PINNED_RET[case][profile]
    assert rec["errno"] is None
    status, after = rec["status_str"], rec["after_nodes"]
    assert after[pinned] == 2, "the pinned page never moves"
    if profile == "v4.14":
        want = [str(t) for t in targets]
        want[pinned] = "-EAGAIN"
        assert status == want
        assert r.count("mm_migrate_pages_start") == 1
        return
    if case == "P3 alternating":
        # runs [0], [1], [2] fine; run [3] fails at i=4; P4..P9 never looked at
        assert status == ["0", "1", "0"] + ["99"] * 7
        assert after == [0, 1, 0, 2, 2, 2, 2, 2, 2, 2]
        assert r.count("mm_migrate_pages_start") == 4
    elif case == "P9 alternating":
        assert status == [str(t) for t in ALTERNATING[:9]] + ["99"]
        assert after == [*ALTERNATING[:9], 2]
        assert r.count("mm_migrate_pages_start") == 10
    else:
        # run [0..4] fails at i=5: its statuses stay 99 although P0, P1, P3, P4 moved
        assert status == ["99"] * 10
        assert after == [0, 0, 2, 0, 0, 2, 2, 2, 2, 2]
        assert r.count("mm_migrate_pages_start") == 1


# -- Felix Abecassis's case (row 42, F2, E0153) --------------------------------------

@pytest.mark.parametrize("profile", PROFILES)
def test_felix_abecassis_already_on_target(profile: str) -> None:
    r = Run(profile)
    r.ops(*anon("A", 8, node=1))
    rec = r.move([["A", i, 1] for i in range(8)], status=[208] * 8)
    assert rec["ret"] == 0 and rec["errno"] is None
    if profile == "v4.17":
        assert rec["status"] == [208] * 8, "4.17 never writes a trailing already-placed run"
    else:
        assert rec["status"] == [1] * 8
    assert rec["after_nodes"] == [1] * 8
    assert rec["migrate_calls"] == 0
    assert vm(rec, "pgmigrate_success") == 0


# -- a pinned page: -EAGAIN in status (v4.14) or a positive return (v4.17+) ---------------

@pytest.mark.parametrize("profile", PROFILES)
def test_pinned_page_status_or_positive_return(profile: str) -> None:
    r = Run(profile)
    r.ops(*anon("A", 4), {"op": "pin", "id": "A", "pages": [1]})
    rec = r.move([["A", i, 1] for i in range(4)], status=[7] * 4)
    assert rec["after_nodes"] == [1, 0, 1, 1]
    assert vm(rec, "pgmigrate_success") == 3 and vm(rec, "pgmigrate_fail") == 1
    if profile == "v4.14":
        assert rec["ret"] == 0
        assert rec["status_str"] == ["1", "-EAGAIN", "1", "1"]
    else:
        # final flush: k = 1; 5.7-5.19 report k - 1 (reference 4.3)
        assert rec["ret"] == (0 if profile == "v5.12" else 1)
        assert rec["status"] == [7] * 4, "the failed batch is left untouched"


# -- row 16: a THP whose target has no free 2 MiB block -----------------------------

@pytest.mark.parametrize("profile", PROFILES)
def test_thp_target_without_2m_block(profile: str) -> None:
    r = Run(profile)
    r.ops(*thp("T"), {"op": "fill_node", "node": 1, "leave_mb": 4,
                                "hole_pages": 64})
    assert r.k.node_state()["1"]["free_2m_blocks"] == 0
    rec = r.move([["T", 0, 1]])
    if profile == "v4.14":
        assert (rec["ret"], rec["errno"]) == (-1, "ENOMEM")
        assert rec["status_str"] == [UNSET]
        assert rec["after_nodes"] == [0]
        assert r.query([["T", 0], ["T", 511]]) == ["0", "0"]
        return
    assert (rec["ret"], rec["errno"]) == (0, None)
    assert rec["status"] == [1]
    assert r.query([["T", 0], ["T", 300], ["T", 511]]) == ["1", "1", "1"]
    assert vm(rec, "thp_split_page") == 1
    assert vm(rec, "pgmigrate_success") == 512
    assert vm(rec, "thp_migration_split") == (1 if profile in ("v5.12", "v6.1", "v6.12") else 0)


# -- row 48 / kernel-notes 3.2: the same page twice with different targets --------------

DUP_EXPECT = {
    "v4.14": (["1", "0"], 1, 1), "v4.17": (["1", "-EBUSY"], 1, 1),
    "v5.6": (["1", "-EBUSY"], 1, 1), "v5.12": (["1", "-EBUSY"], 1, 1),
    "v6.1": (["1", "0"], 0, 2), "v6.12": (["1", "0"], 0, 2),
}


@pytest.mark.parametrize("profile", PROFILES)
def test_same_page_two_targets(profile: str) -> None:
    r = Run(profile)
    r.ops(*anon("A", 2))
    rec = r.move([["A", 0, 1], ["A", 0, 0]])
    status, ends_on, migrations = DUP_EXPECT[profile]
    assert rec["status_str"] == status
    assert rec["after_nodes"] == [ends_on, ends_on]
    assert rec["ret"] == 0
    assert vm(rec, "pgmigrate_success") == migrations


@pytest.mark.parametrize("profile", PROFILES)
def test_same_page_two_targets_reverse_order(profile: str) -> None:
    """[A0->0, A0->1]: the first entry is already placed; the page ends on node 1."""
    r = Run(profile)
    r.ops(*anon("A", 2))
    rec = r.move([["A", 0, 0], ["A", 0, 1]])
    assert rec["after_nodes"][0] == 1
    # v4.17 leaves "already there" in the run, and a node change writes it
    assert rec["status_str"] == ["0", "1"]


# -- row 25: pagevec_hold during_call and lru_cache_disable ---------------------------

@pytest.mark.parametrize("profile", PROFILES)
def test_pagevec_hold_during_call(profile: str) -> None:
    r = Run(profile)
    r.ops(*anon("A", 3), {"op": "pagevec_hold", "id": "A", "pages": [1], "during_call": True})
    rec = r.move([["A", i, 1] for i in range(3)])
    assert rec["ret"] == 0
    if profile in ("v6.1", "v6.12"):
        assert rec["status_str"] == ["1", "1", "1"]
        assert rec["after_nodes"] == [1, 1, 1]
        assert r.count("lru_cache_disable") == 1 and r.count("lru_cache_enable") == 1
    else:
        assert rec["status_str"] == ["1", "-EBUSY", "1"]
        assert rec["after_nodes"] == [1, 0, 1]
        assert r.count("lru_cache_disable") == 0
        # the -EBUSY entry flushes the run before it (v4.17+), v4.14 has one chunk
        assert rec["migrate_calls"] == (1 if profile == "v4.14" else 2)


@pytest.mark.parametrize("profile", PROFILES)
def test_pagevec_hold_before_call_is_drained_at_entry(profile: str) -> None:
    r = Run(profile)
    r.ops(*anon("A", 3), {"op": "lru_add_drain"},
          {"op": "pagevec_hold", "id": "A", "pages": [0, 1]})
    assert len(r.k.lru.cpus[0].pagevec) == 2
    rec = r.move([["A", i, 1] for i in range(3)])
    assert rec["status_str"] == ["1", "1", "1"]
    drains = [e for e in r.events if e.kind == "lru_add_drain"]
    assert drains and drains[0].pages == 2  # type: ignore[attr-defined]


# -- section 9: pagevec capacity 14 / 15 / 31 and drain on full -------------------------

CAPACITY = {"v4.14": 14, "v4.17": 15, "v5.6": 15, "v5.12": 15, "v6.1": 15, "v6.12": 31}


@pytest.mark.parametrize("profile", PROFILES)
def test_pagevec_capacity(profile: str) -> None:
    r = Run(profile)
    assert r.k.lru.pagevec_size == CAPACITY[profile]


@pytest.mark.parametrize("profile", PROFILES)
def test_pagevec_drains_when_full(profile: str) -> None:
    size = CAPACITY[profile]
    r = Run(profile)
    r.ops(*anon("A", size), {"op": "lru_add_drain"},
          {"op": "pagevec_hold", "id": "A", "pages": [[0, size - 1]]})
    pvec = r.k.lru.cpus[0].pagevec
    assert len(pvec) == size - 1
    assert not any(r.k.on_lru(f) for f in pvec)
    r.ops({"op": "pagevec_hold", "id": "A", "pages": [size - 1]})
    assert pvec == []
    assert all(r.k.on_lru(f) for _v, _i, f in walk_present(r.runner.proc))


@pytest.mark.parametrize("profile", ["v4.17", "v5.6", "v5.12"])
@pytest.mark.parametrize("moved", [14, 15])
def test_putback_pagevec_full_lets_the_duplicate_move(profile: str, moved: int) -> None:
    """kernel-notes 3.2: the copy of A0 is the 15th add: the batch drains, isolation works."""
    r = Run(profile)
    r.ops(*anon("A", moved))
    rec = r.move([["A", i, 1] for i in range(moved)] + [["A", 0, 0]])
    assert rec["status_str"][:moved] == ["1"] * moved
    if moved == CAPACITY[profile]:
        assert rec["status_str"][moved] == "0"
        assert rec["after_nodes"][0] == 0
    else:
        assert rec["status_str"][moved] == "-EBUSY"
        assert rec["after_nodes"][0] == 1


@pytest.mark.parametrize("moved", [13, 14])
def test_v4_14_cross_chunk_duplicate(moved: int) -> None:
    """kernel-notes 3.2 "Other cases": a duplicate 169+ entries later meets the pagevec."""
    r = Run("v4.14")
    r.ops(*anon("A", moved))
    entries: list[list[Any]] = [["A", i, 1] for i in range(moved)]
    entries += [["UNMAPPED", i, 1] for i in range(169 - moved)]
    entries.append(["A", 0, 0])
    rec = r.move(entries)
    assert rec["migrate_calls"] == (2 if moved == 14 else 1)
    assert rec["status_str"][:moved] == ["1"] * moved
    if moved == 14:
        assert rec["status_str"][169] == "0" and rec["after_nodes"][0] == 0
    else:
        assert rec["status_str"][169] == "-EBUSY" and rec["after_nodes"][0] == 1


@pytest.mark.parametrize("profile", MODERN)
def test_no_pagevec_effect_on_modern_kernels(profile: str) -> None:
    """With lru_cache_disable() (v6.1/v6.12) the duplicate always moves back."""
    r = Run(profile)
    r.ops(*anon("A", 3))
    rec = r.move([["A", i, 1] for i in range(3)] + [["A", 0, 0]])
    assert rec["status_str"] == ["1", "1", "1", "0"]
    assert rec["after_nodes"][0] == 0
