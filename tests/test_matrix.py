"""Issue 2: every row (1-49) of the reference's section-3 behaviour matrix, on all six
profiles.

Each ``row_N(profile)`` builds the state with the ops language, runs the call and
checks status[], ret/errno, the after-nodes and, where the row speaks of them, vmstat,
the number of ``migrate_pages`` calls or trace events. Expected values are taken from
``move_pages-semantics.md`` section 3 (with its footnotes, 4.2, 4.3 and 5.1) and from
``docs/research/kernel-notes.md``, which wins where the two disagree. Rows the
simulator cannot stage skip with the reason, per profile.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import pytest
from mlhelp import MODERN, OLD, PROFILES, UNSET, Run, anon, hugetlb, thp, vm

from migratelab.game.explain import explain
from migratelab.kernel import errno as E
from migratelab.kernel import get_profile
from migratelab.kernel.explanations import EXPLANATIONS
from migratelab.kernel.mmap import do_munmap
from migratelab.kernel.move_pages import MPOL_MF_MOVE, run_syscall, sys_move_pages
from migratelab.kernel.reasons import Reason

ROWS: dict[int, Callable[[str], None]] = {}


def row(n: int) -> Callable[[Callable[[str], None]], Callable[[str], None]]:
    def register(fn: Callable[[str], None]) -> Callable[[str], None]:
        ROWS[n] = fn
        return fn
    return register


def by(profile: str, **values: Any) -> Any:
    """Pick a profile's value: keys are profile names with '.' as '_' (v4_14), or
    ``old`` / ``modern`` / ``dynamic`` / ``rest`` as fallbacks."""
    key = profile.replace(".", "_")
    if key in values:
        return values[key]
    if profile in OLD and "old" in values:
        return values["old"]
    if profile in MODERN and "modern" in values:
        return values["modern"]
    if profile != "v4.14" and "dynamic" in values:
        return values["dynamic"]
    return values["rest"]


def error_entry(profile: str, setup: list[dict[str, Any]], entry: list[Any], want: str,
                swap: bool = False) -> dict[str, Any]:
    """[A0 -> 1, entry, A1 -> 1]: the entry gets ``want`` and (v4.17+) flushes the run."""
    r = Run(profile, swap=swap)
    r.ops(*anon("A", 2), *setup)
    rec = r.move([["A", 0, 1], entry, ["A", 1, 1]])
    assert rec["status_str"] == ["1", want, "1"]
    assert rec["ret"] == 0 and rec["errno"] is None
    assert rec["after_nodes"][0] == 1 and rec["after_nodes"][2] == 1
    # v4.14: one migrate_pages call per chunk; v4.17+: the entry flushes [A0]
    assert rec["migrate_calls"] == (1 if profile == "v4.14" else 2)
    return rec


def counters(rec: dict[str, Any]) -> dict[str, int]:
    return {c: v for c, v in rec["vmstat_delta"].items() if v}


# -- rows 1-10: lookup ------------------------------------------------------------------

@row(1)
def row_1(profile: str) -> None:
    r = Run(profile)
    r.ops(*anon("A", 4))
    rec = r.move([["A", i, 1] for i in range(4)])
    assert (rec["ret"], rec["errno"]) == (0, None)
    assert rec["status"] == [1, 1, 1, 1] and rec["after_nodes"] == [1, 1, 1, 1]
    assert counters(rec) == {"pgmigrate_success": 4}
    assert rec["migrate_calls"] == 1


@row(2)
def row_2(profile: str) -> None:
    r = Run(profile)
    r.ops(*anon("A", 4), *anon("B", 1, node=1))
    # alone (a trailing run with nothing queued): 4.17 never writes it (F2)
    rec = r.move([["A", 0, 0]], status=[55])
    assert rec["ret"] == 0 and rec["migrate_calls"] == 0
    assert rec["status"] == by(profile, v4_17=[55], rest=[0])
    # a later node change covers the run on 4.17
    rec = r.move([["A", 0, 0], ["A", 1, 1]], status=[55, 55])
    assert rec["status"] == [0, 1]
    # inside a run: 4.17 keeps it in the run, 5.6 stores and continues, 5.7+ flushes
    rec = r.move([["A", 2, 1], ["B", 0, 1], ["A", 3, 1]])
    assert rec["status"] == [1, 1, 1] and rec["after_nodes"] == [1, 1, 1]
    assert rec["migrate_calls"] == by(profile, v4_14=1, v4_17=1, v5_6=1, rest=2)
    assert vm(rec, "pgmigrate_success") == 2


@row(3)
def row_3(profile: str) -> None:
    error_entry(profile, [], ["UNMAPPED", 0, 1], "-EFAULT")
    error_entry(profile, [], ["NULL", 0, 1], "-EFAULT")


@row(4)
def row_4(profile: str) -> None:
    want = by(profile, v6_12="-ENOENT", rest="-EFAULT")
    error_entry(profile, [{"op": "mmap", "id": "U", "pages": 4},
                          {"op": "touch", "id": "U", "pages": [0]}], ["U", 1, 1], want)
    error_entry(profile, [{"op": "mmap", "id": "U", "pages": 4}], ["U", 3, 1], want)


@row(5)
def row_5(profile: str) -> None:
    error_entry(profile, [{"op": "mmap", "id": "F", "pages": 4, "kind": "file"}],
                ["F", 0, 1], "-ENOENT")
    error_entry(profile, [{"op": "mmap", "id": "S", "pages": 4, "kind": "anon_shared"}],
                ["S", 2, 1], "-ENOENT")


@row(6)
def row_6(profile: str) -> None:
    error_entry(profile, anon("Z", 2, mode="read"), ["Z", 1, 1], "-EFAULT")


@row(7)
def row_7(profile: str) -> None:
    r = Run(profile)
    r.ops({"op": "mmap", "id": "Z", "pages": 512},
          {"op": "madvise", "id": "Z", "advice": "hugepage"},
          {"op": "touch", "id": "Z", "mode": "read", "pages": [0]})
    rec = r.move([["Z", 0, 1], ["Z", 7, 1]])
    assert rec["status_str"] == ["-EFAULT", "-EFAULT"]
    assert rec["ret"] == 0 and counters(rec) == {}


@row(8)
def row_8(profile: str) -> None:
    # a swapped-out page needs a swap device (without one MADV_PAGEOUT keeps it mapped)
    error_entry(profile, [*anon("S", 2), {"op": "madvise", "id": "S", "advice": "pageout"}],
                ["S", 0, 1], "-ENOENT", swap=True)


@row(9)
def row_9(profile: str) -> None:
    error_entry(profile, [{"op": "mmap", "id": "IO", "pages": 2, "kind": "io"}],
                ["IO", 0, 1], "-EFAULT")


@row(10)
def row_10(profile: str) -> None:
    pytest.skip("ZONE_DEVICE pages are not modelled (no device memory in the simulator)")


# -- rows 11-13: sharing ---------------------------------------------------------------

@row(11)
def row_11(profile: str) -> None:
    r = Run(profile)
    r.ops(*anon("A", 4), {"op": "fork", "child": "c"})
    rec = r.move([["A", i, 1] for i in range(4)])
    assert rec["status_str"] == ["-EACCES"] * 4 and rec["after_nodes"] == [0] * 4
    assert rec["ret"] == 0 and rec["migrate_calls"] == 0
    # the shared entry flushes the run before it
    r.ops({"op": "child", "child": "c", "ops": [{"op": "touch", "id": "A", "pages": [0, 2]}]})
    rec = r.move([["A", 0, 1], ["A", 1, 1], ["A", 2, 1]])
    assert rec["status_str"] == ["1", "-EACCES", "1"]
    assert rec["migrate_calls"] == by(profile, v4_14=1, rest=2)


@row(12)
def row_12(profile: str) -> None:
    r = Run(profile)
    r.ops(*anon("A", 4), {"op": "fork", "child": "c"})
    rec = r.move([["A", i, 1] for i in range(4)], flags=["MPOL_MF_MOVE_ALL"])
    assert rec["status"] == [1] * 4 and rec["after_nodes"] == [1] * 4
    assert vm(rec, "pgmigrate_success") == 4
    child = r.ops({"op": "child", "child": "c",
                   "ops": [{"op": "query", "entries": [["A", 0], ["A", 3]]}]})
    assert child["child_ops"][0]["status_str"] == ["1", "1"]


@row(13)
def row_13(profile: str) -> None:
    """KSM merging is not simulated; the row says a KSM page is just a page mapped
    several times (rows 11/12), so a MADV_MERGEABLE range shared by fork is used."""
    r = Run(profile)
    r.ops(*anon("K", 2), {"op": "madvise", "id": "K", "advice": "mergeable"},
          {"op": "fork", "child": "c"})
    rec = r.move([["K", 0, 1], ["K", 1, 1]])
    assert rec["status_str"] == ["-EACCES", "-EACCES"]
    rec = r.move([["K", 0, 1], ["K", 1, 1]], flags=["MPOL_MF_MOVE_ALL"])
    assert rec["status"] == [1, 1] and rec["after_nodes"] == [1, 1]


# -- rows 14-19: THP ---------------------------------------------------------------------

def thp_moved(profile: str, rec: dict[str, Any], times: int = 1) -> None:
    """vmstat of ``times`` whole-THP migrations (5.1; entry unit before 5.9)."""
    assert vm(rec, "pgmigrate_success") == times * by(profile, v5_12=512, modern=512, rest=1)
    assert vm(rec, "thp_migration_success") == by(profile, v5_12=times, modern=times, rest=0)
    assert vm(rec, "thp_split_page") == 0


@row(14)
def row_14(profile: str) -> None:
    r = Run(profile)
    r.ops(*thp("T"))
    rec = r.move([["T", 0, 1]])
    assert (rec["ret"], rec["status"], rec["after_nodes"]) == (0, [1], [1])
    assert r.query([["T", 511]]) == ["1"]
    thp_moved(profile, rec)


@row(15)
def row_15(profile: str) -> None:
    r = Run(profile)
    r.ops(*thp("T"))
    rec = r.move([["T", 100, 1]])
    assert (rec["ret"], rec["status"]) == (0, [1])
    assert r.query([["T", 0], ["T", 511]]) == ["1", "1"]
    thp_moved(profile, rec)


@row(16)
def row_16(profile: str) -> None:
    fill = {"op": "fill_node", "node": 1, "leave_mb": 4, "hole_pages": 64}
    r = Run(profile)
    r.ops(*thp("T"), fill)
    rec = r.move([["T", 0, 1]], status=[5])
    if profile == "v4.14":
        assert (rec["ret"], rec["errno"], rec["status"]) == (-1, "ENOMEM", [5])
        assert r.query([["T", 0], ["T", 400]]) == ["0", "0"]
    else:
        assert (rec["ret"], rec["errno"], rec["status"]) == (0, None, [1])
        assert r.query([["T", 0], ["T", 400]]) == ["1", "1"]
        assert vm(rec, "thp_split_page") == 1 and vm(rec, "pgmigrate_success") == 512
        if profile in MODERN:
            assert counters(rec) == {"pgmigrate_success": 512, "thp_migration_fail": 1,
                                     "thp_migration_split": 1, "thp_split_page": 1}
    # split failure (a pinned THP cannot be split): ret -1 with the split's errno
    r = Run(profile)
    r.ops(*thp("T"), {"op": "pin", "id": "T", "pages": [3]}, fill)
    rec = r.move([["T", 0, 1]])
    assert rec["ret"] == -1
    assert rec["errno"] == by(profile, v4_14="ENOMEM", v4_17="EBUSY", v5_6="EBUSY",
                              v5_12="EBUSY", modern="ENOMEM")
    assert rec["status_str"] == [UNSET] and rec["after_nodes"] == [0]


@row(17)
def row_17(profile: str) -> None:
    pytest.skip("the simulator is x86_64, which migrates THPs (reference 11 item 6); an "
                "architecture without THP migration is not modelled")


@row(18)
def row_18(profile: str) -> None:
    r = Run(profile)
    r.ops(*thp("T"))
    rec = r.move([["T", 0, 1], ["T", 100, 1]])
    assert rec["status_str"] == ["1", "-EBUSY"] and rec["after_nodes"] == [1, 1]
    assert rec["ret"] == 0 and rec["migrate_calls"] == 1
    thp_moved(profile, rec)


@row(19)
def row_19(profile: str) -> None:
    r = Run(profile)
    r.ops(*anon("A", 2))
    rec = r.move([["A", 0, 1], ["A", 0, 1]])
    assert rec["status_str"] == ["1", "-EBUSY"] and rec["after_nodes"] == [1, 1]
    assert vm(rec, "pgmigrate_success") == 1
    rec = r.move([["A", 1, 1], ["A", 1, 1], ["A", 0, 0]])
    assert rec["status_str"] == ["1", "-EBUSY", "0"]
    # the -EBUSY flushes [A1] (v4.17+); a new run then takes A0 back
    assert rec["migrate_calls"] == by(profile, v4_14=1, rest=2)


# -- rows 20-23: hugetlb ------------------------------------------------------------------

def pools(r: Run) -> tuple[tuple[int, int], tuple[int, int]]:
    st = r.k.node_state()
    return ((st["0"]["hugetlb_free"], st["0"]["hugetlb_total"]),
            (st["1"]["hugetlb_free"], st["1"]["hugetlb_total"]))


@row(20)
def row_20(profile: str) -> None:
    r = Run(profile)
    r.ops(*hugetlb("H"))
    assert pools(r) == ((3, 4), (4, 4))
    rec = r.move([["H", 0, 1]])
    assert (rec["ret"], rec["status"], rec["after_nodes"]) == (0, [1], [1])
    assert pools(r) == ((4, 4), (3, 4))
    assert vm(rec, "thp_migration_success") == 0
    if profile in MODERN:
        assert counters(rec) == {"pgmigrate_success": 512}


@row(21)
def row_21(profile: str) -> None:
    r = Run(profile)
    r.ops(*hugetlb("H"))
    rec = r.move([["H", 0, 1], ["H", 0, 1]])
    # F12: v4.14's duplicate keeps its preliminary 0; v4.17..v5.19 ignore the failed
    # isolation and treat it as queued; 6.0+ report -EBUSY
    assert rec["status_str"] == by(profile, v4_14=["1", "0"], old=["1", "1"],
                                   modern=["1", "-EBUSY"])
    assert rec["after_nodes"] == [1, 1] and rec["ret"] == 0


@row(22)
def row_22(profile: str) -> None:
    r = Run(profile)
    r.ops(*hugetlb("H"), *anon("A", 2))
    rec = r.move([["A", 0, 1], ["H", 300, 1], ["A", 1, 1]])
    if profile == "v6.12":
        assert rec["status_str"] == ["1", "1", "1"]
        assert r.query([["H", 0]]) == ["1"]
        assert rec["migrate_calls"] == 1
    else:
        assert rec["status_str"] == ["1", "-EACCES", "1"]
        assert r.query([["H", 0], ["H", 300]]) == ["0", "0"]
        assert rec["migrate_calls"] == by(profile, v4_14=1, rest=2)


@row(23)
def row_23(profile: str) -> None:
    """kernel-notes section 4 (wins over the reference's older cells): only v4.14 fails."""
    r = Run(profile)
    r.ops(*hugetlb("H"), {"op": "hugetlb_pool", "node": 1, "count": 0})
    rec = r.move([["H", 0, 1]], status=[9])
    if profile == "v4.14":
        assert (rec["ret"], rec["errno"], rec["status"]) == (-1, "ENOMEM", [9])
        assert rec["after_nodes"] == [0]
        assert pools(r) == ((3, 4), (0, 0))
    else:
        assert (rec["ret"], rec["errno"], rec["status"]) == (0, None, [1])
        assert rec["after_nodes"] == [1]
        # the in-use page travels: node 1's pool 0 -> 1 (in use), node 0's 4 -> 3
        assert pools(r) == ((3, 3), (0, 1))
        assert vm(rec, "htlb_buddy_alloc_success") == 1


# -- rows 24-30: migration-time failures and waits -------------------------------------------

@row(24)
def row_24(profile: str) -> None:
    r = Run(profile)
    r.ops(*anon("A", 3), {"op": "pin", "id": "A", "pages": [1]})
    rec = r.move([["A", i, 1] for i in range(3)])
    assert rec["after_nodes"] == [1, 0, 1]
    assert vm(rec, "pgmigrate_success") == 2 and vm(rec, "pgmigrate_fail") == 1
    if profile == "v4.14":
        assert rec["status_str"] == ["1", "-EAGAIN", "1"] and rec["ret"] == 0
    else:
        assert rec["status_str"] == [UNSET] * 3
        assert rec["ret"] == by(profile, v5_12=0, rest=1)  # 4.3 final flush
    # a pinned THP fails whole, unsplit
    r = Run(profile)
    r.ops(*thp("T"), {"op": "pin", "id": "T", "pages": [7]})
    rec = r.move([["T", 0, 1]])
    assert rec["after_nodes"] == [0] and vm(rec, "thp_split_page") == 0
    assert vm(rec, "pgmigrate_fail") == by(profile, v5_12=512, modern=512, rest=1)
    assert vm(rec, "thp_migration_fail") == by(profile, v5_12=1, modern=1, rest=0)
    if profile == "v4.14":
        assert rec["status_str"] == ["-EAGAIN"] and rec["ret"] == 0
    else:
        assert rec["status_str"] == [UNSET]
        # k counts a THP as 1, except 5.9-5.16 (512); 5.7-5.19 report k - 1
        assert rec["ret"] == by(profile, v5_12=511, rest=1)


@row(25)
def row_25(profile: str) -> None:
    r = Run(profile)
    r.ops(*anon("A", 3), {"op": "lru_add_drain"},
          {"op": "pagevec_hold", "id": "A", "pages": [1]})
    rec = r.move([["A", i, 1] for i in range(3)])
    assert rec["status_str"] == ["1", "1", "1"], "a pagevec filled before the call is drained"
    r.ops({"op": "pagevec_hold", "id": "A", "pages": [0], "during_call": True})
    rec = r.move([["A", 0, 0], ["A", 1, 0], ["A", 2, 0]])
    if profile in MODERN:
        assert rec["status_str"] == ["0", "0", "0"]
    else:
        assert rec["status_str"] == ["-EBUSY", "0", "0"]
        assert rec["after_nodes"] == [1, 0, 0]


def passes(r: Run) -> list[tuple[str, int]]:
    return [(e.phase, e.number) for e in r.events if e.kind == "migrate_pass"]  # type: ignore[attr-defined]


@row(26)
def row_26(profile: str) -> None:
    r = Run(profile)
    r.ops(*anon("A", 1), {"op": "lock_page", "id": "A"})
    r.clear_events()
    rec = r.move([["A", 0, 1]])
    assert (rec["ret"], rec["status"], rec["after_nodes"]) == (0, [1], [1])
    if profile == "v6.12":
        # three async unmap passes fail to trylock; the sync phase's unmap sleeps on
        # the lock, and its move pass moves the folio
        assert passes(r) == [("async unmap", 1), ("async unmap", 2), ("async unmap", 3),
                             ("sync unmap", 1), ("sync move", 1)]
    else:
        # passes 1-3 retry, the 4th (force) sleeps on the lock
        assert [n for _p, n in passes(r)] == [1, 2, 3, 4]


@row(27)
def row_27(profile: str) -> None:
    r = Run(profile)
    r.ops(*anon("A", 1), {"op": "writeback", "id": "A"})
    r.clear_events()
    rec = r.move([["A", 0, 1]])
    assert (rec["ret"], rec["status"], rec["after_nodes"]) == (0, [1], [1])
    if profile == "v6.12":
        # async unmap: -EBUSY (no retry, no move pass); the sync unmap waits for
        # writeback, then the move pass moves it
        assert passes(r) == [("async unmap", 1), ("sync unmap", 1), ("sync move", 1)]
    else:
        assert [n for _p, n in passes(r)] == [1, 2, 3, 4]


@row(28)
def row_28(profile: str) -> None:
    pytest.skip("no filesystem without a migrate callback is modelled (tmpfs and ext4 both "
                "migrate dirty pages), so the writeout failure cannot be staged")


@row(29)
def row_29(profile: str) -> None:
    r = Run(profile)
    r.ops(*anon("A", 4), {"op": "mlock", "id": "A"})
    rec = r.move([["A", i, 1] for i in range(4)])
    assert rec["status"] == [1] * 4 and rec["after_nodes"] == [1] * 4 and rec["ret"] == 0
    assert vm(rec, "pgmigrate_success") == 4


@row(30)
def row_30(profile: str) -> None:
    r = Run(profile)
    r.ops(*anon("A", 3), *anon("B", 1, node=1),
          {"op": "fill_node", "node": 1, "leave_mb": 0, "hole_pages": 1})
    left = r.k.node_state()["1"]["memfree_kb"] // 4
    if left:
        r.ops(*anon("X", left, node=1))
    assert r.k.node_state()["1"]["memfree_kb"] == 0
    rec = r.move([["A", 0, 1], ["A", 1, 1], ["A", 2, 0], ["B", 0, 0]], status=[3] * 4)
    assert (rec["ret"], rec["errno"]) == (-1, "ENOMEM")
    assert rec["after_nodes"] == [0, 0, 0, 1], "nothing after the failing batch is attempted"
    # v4.14: the chunk's statuses are lost; v4.17+: the batch is untouched and the rest
    # never attempted
    assert rec["status"] == [3, 3, 3, 3]


# -- rows 31-37: syscall-level errors --------------------------------------------------------

@row(31)
def row_31(profile: str) -> None:
    r = Run(profile)
    r.ops(*anon("A", 4))
    for bad in ("N", -1, 1024):
        rec = r.move([["A", 0, bad]])
        assert (rec["ret"], rec["errno"], rec["status_str"]) == (-1, "ENODEV", [UNSET])
    rec = r.move([["A", 1, 1], ["A", 2, "N"], ["A", 3, 1]])
    assert (rec["ret"], rec["errno"]) == (-1, "ENODEV")
    if profile == "v4.14":
        # nodes are validated while the chunk is filled: nothing of it happens
        assert rec["status_str"] == [UNSET] * 3 and rec["after_nodes"] == [0, 0, 0]
        assert rec["migrate_calls"] == 0
    else:
        assert rec["status_str"] == ["1", UNSET, UNSET] and rec["after_nodes"] == [1, 0, 0]
        assert vm(rec, "pgmigrate_success") == 1


@row(32)
def row_32(profile: str) -> None:
    r = Run(profile)
    r.ops(*anon("A", 3))
    r.runner.proc.cpuset = frozenset({0})
    rec = r.move([["A", 0, 1]])
    assert (rec["ret"], rec["errno"], rec["status_str"]) == (-1, "EACCES", [UNSET])
    r.runner.proc.cpuset = frozenset({0, 1})
    r.ops(*anon("B", 2, node=1))
    r.runner.proc.cpuset = frozenset({0})
    rec = r.move([["B", 0, 0], ["A", 1, 1], ["B", 1, 0]])
    assert (rec["ret"], rec["errno"]) == (-1, "EACCES")
    if profile == "v4.14":
        assert rec["status_str"] == [UNSET] * 3 and rec["after_nodes"] == [1, 0, 1]
    else:
        assert rec["status_str"] == ["0", UNSET, UNSET] and rec["after_nodes"] == [0, 0, 1]


@row(33)
def row_33(profile: str) -> None:
    r = Run(profile)
    r.ops(*anon("A", 2))
    for flags in (["MPOL_MF_STRICT"], 8, ["MPOL_MF_MOVE", "MPOL_MF_STRICT"]):
        rec = r.move([["A", 0, 1]], flags=flags)
        assert (rec["ret"], rec["errno"], rec["status_str"]) == (-1, "EINVAL", [UNSET])
        assert rec["after_nodes"] == [0]
    rec = r.move([["A", 0, 1]], flags=0)
    assert (rec["ret"], rec["status"], rec["after_nodes"]) == (0, [1], [1])


@row(34)
def row_34(profile: str) -> None:
    r = Run(profile)
    user = r.k.spawn(uid=1000)
    r.ops(*anon("A", 1), proc=user)
    rec = r.move([["A", 0, 1]], proc=user, flags=["MPOL_MF_MOVE_ALL"])
    assert (rec["ret"], rec["errno"]) == (-1, "EPERM")
    rec = r.move([["A", 0, 1]], proc=user, flags=["MPOL_MF_MOVE_ALL", "MPOL_MF_STRICT"])
    assert rec["errno"] == "EINVAL", "flags are checked before the capability"
    rec = r.move([["A", 0, 1]], proc=user)
    assert rec["status"] == [1]


@row(35)
def row_35(profile: str) -> None:
    r = Run(profile)
    r.ops(*anon("A", 3))
    rec = r.move([["A", 0, 1]], pid=999999)
    assert (rec["ret"], rec["errno"]) == (-1, "ESRCH")
    user = r.k.spawn(uid=1000)
    rec = r.move([["A", 0, 1]], pid=r.runner.proc.pid, proc=user)
    assert (rec["ret"], rec["errno"]) == (-1, "EPERM")
    zombie = r.k.spawn(uid=0)
    zombie.mm = None
    rec = r.move([["A", 0, 1]], pid=zombie.pid)
    assert (rec["ret"], rec["errno"]) == (-1, "EINVAL")
    # a child's pid acts on the child's own pages
    r.ops({"op": "fork", "child": "c",
           "ops": [{"op": "touch", "id": "A", "pages": [0, 1]}]})
    rec = r.move([["A", 0, 1], ["A", 1, 1]], pid="child:c")
    assert rec["status"] == [1, 1] and rec["ret"] == 0
    assert r.query([["A", 0], ["A", 1]]) == ["0", "0"]
    child = r.ops({"op": "child", "child": "c",
                   "ops": [{"op": "query", "entries": [["A", 0], ["A", 1], ["A", 2]]}]})
    assert child["child_ops"][0]["status_str"] == ["1", "1", "0"]


@row(36)
def row_36(profile: str) -> None:
    r = Run(profile)
    r.ops(*anon("A", 2))
    r.clear_events()
    rec = r.move([["A", 0, 1]], count=0)
    assert (rec["ret"], rec["errno"], rec["status_str"]) == (0, None, [UNSET])
    assert rec["after_nodes"] == [0] and rec["migrate_calls"] == 0
    assert r.count("lru_add_drain") == 1, "the entry drain still runs (F22)"
    want = 1 if profile in MODERN else 0
    assert r.count("lru_cache_disable") == want and r.count("lru_cache_enable") == want


@row(37)
def row_37(profile: str) -> None:
    r = Run(profile)
    r.ops(*anon("A", 2))
    rec = r.move([["A", 0, 1], ["A", 1, 1]], count=3)
    assert (rec["ret"], rec["errno"]) == (-1, "EFAULT")
    # the record shows the two slots the caller passed, as the real harness does
    if profile == "v4.14":
        assert rec["status_str"] == [UNSET] * 2 and rec["after_nodes"] == [0, 0]
    else:
        assert rec["status_str"] == ["1", "1"] and rec["after_nodes"] == [1, 1]


# -- rows 38-42: query mode, reporting, return values, batching --------------------------------

@row(38)
def row_38(profile: str) -> None:
    r = Run(profile)
    r.ops(*anon("A", 2), *anon("B", 1, node=1), {"op": "mmap", "id": "U", "pages": 2},
          *anon("Z", 1, mode="read"), {"op": "mmap", "id": "F", "pages": 2, "kind": "file"},
          {"op": "mmap", "id": "HZ", "pages": 512},
          {"op": "madvise", "id": "HZ", "advice": "hugepage"},
          {"op": "touch", "id": "HZ", "mode": "read", "pages": [0]},
          *anon("P", 1), {"op": "mprotect", "id": "P", "prot": "none"}, *hugetlb("H"))
    got = r.query([["A", 0], ["B", 0], ["U", 0], ["Z", 0], ["UNMAPPED", 0], ["NULL", 0],
                   ["F", 1], ["HZ", 0], ["HZ", 9], ["P", 0], ["H", 300]])
    untouched = by(profile, v6_12="-ENOENT", rest="-EFAULT")
    prot_none = by(profile, v6_1="-ENOENT", rest="0")
    assert got == ["0", "1", untouched, "-EFAULT", "-EFAULT", "-EFAULT", "-ENOENT",
                   "-EFAULT", "-EFAULT", prot_none, "0"]
    assert r.count("lru_add_drain") == 0, "query mode does not drain"


@row(39)
def row_39(profile: str) -> None:
    r = Run(profile)
    r.ops(*anon("A", 2), {"op": "pin", "id": "A", "pages": [0]})
    rec = r.move([["A", 0, 1], ["A", 1, 1]])
    assert rec["after_nodes"] == [0, 1]
    if profile == "v4.14":
        assert (rec["ret"], rec["status_str"]) == (0, ["-EAGAIN", "1"])
    else:
        assert rec["status_str"] == [UNSET, UNSET]
        assert rec["ret"] == by(profile, v5_12=0, rest=1)


@row(40)
def row_40(profile: str) -> None:
    """4.3: a failing flush at a node change and after an error entry (section 11 item 11)."""
    r = Run(profile)
    r.ops(*anon("A", 2), {"op": "pin", "id": "A", "pages": [0]})
    rec = r.move([["A", 0, 1], ["A", 1, 0]])
    assert rec["after_nodes"] == [0, 0]
    if profile == "v4.14":
        assert (rec["ret"], rec["status_str"]) == (0, ["-EAGAIN", "0"])
    else:
        # k = 1; n = 2; the run fails at the node change i = 1
        assert rec["ret"] == by(profile, v4_17=1, v5_6=1, v5_12=1, modern=2)
        assert rec["status_str"] == [UNSET, UNSET]
    r = Run(profile)
    r.ops(*anon("A", 3), {"op": "pin", "id": "A", "pages": [0]})
    rec = r.move([["A", 0, 1], ["UNMAPPED", 0, 1], ["A", 2, 1]])
    if profile == "v4.14":
        assert (rec["ret"], rec["status_str"]) == (0, ["-EAGAIN", "-EFAULT", "1"])
        assert rec["after_nodes"][2] == 1
    else:
        # error entry i = 1 writes its own -EFAULT; A2 is never attempted
        assert rec["ret"] == by(profile, v4_17=1, rest=2)
        assert rec["status_str"] == [UNSET, "-EFAULT", UNSET]
        assert rec["after_nodes"] == [0, -E.EFAULT, 0]
    # a negative errno and plain 0
    rec = r.move([["A", 1, "N"]])
    assert (rec["ret"], rec["errno"]) == (-1, "ENODEV")
    rec = r.move([["A", 1, 1]])
    assert (rec["ret"], rec["errno"]) == (0, None)


@row(41)
def row_41(profile: str) -> None:
    r = Run(profile, nodes=3)
    r.ops(*anon("P", 10, node=2))
    r.clear_events()
    targets = [0, 1] * 5
    rec = r.move([["P", i, t] for i, t in enumerate(targets)])
    assert rec["status"] == targets and rec["ret"] == 0
    assert r.count("mm_migrate_pages_start") == by(profile, v4_14=1, rest=10)


@row(42)
def row_42(profile: str) -> None:
    r = Run(profile)
    r.ops(*anon("A", 2), *anon("B", 3, node=1))
    rec = r.move([["A", 0, 1], ["A", 1, 1], ["B", 0, 1], ["B", 1, 1], ["B", 2, 1]],
                 status=[208] * 5)
    assert rec["ret"] == 0 and rec["after_nodes"] == [1] * 5
    # 4.17: the trailing already-placed run belongs to the queued run, which is flushed
    # at the end, so it is written here; only a run with nothing queued is lost
    assert rec["status"] == [1] * 5
    rec = r.move([["B", i, 1] for i in range(3)], status=[208] * 3)
    assert rec["status"] == by(profile, v4_17=[208] * 3, rest=[1] * 3)
    assert rec["ret"] == 0


# -- rows 43-49 -----------------------------------------------------------------------------

@row(43)
def row_43(profile: str) -> None:
    """Stage the race: munmap A0 after it was isolated, before migrate_pages runs."""
    r = Run(profile)
    r.ops(*anon("A", 2))
    k, proc = r.k, r.runner.proc
    a0 = r.addr("A", 0)
    gen = sys_move_pages(k, proc, 0, [a0, r.addr("A", 1)], [1, 1], MPOL_MF_MOVE,
                         detail=True)
    seen: list[Any] = []
    for event in gen:
        seen.append(event)
        if event.kind in ("mm_migrate_pages_start", "batch_flush"):
            break
    do_munmap(k, proc, a0, 1)
    result = run_syscall(gen, seen)
    assert result.ret == 0
    assert result.status == [1, 1], "a page freed under us counts as migrated, st=T"
    assert k.vmstat["pgmigrate_success"] == 2 and k.vmstat["pgmigrate_fail"] == 0
    assert r.query([["A", 1]]) == ["1"]


@row(44)
def row_44(profile: str) -> None:
    if profile != "v6.12":
        pytest.skip("n/a: anon mTHP (large non-PMD folios) only exists from 6.8")
    pytest.skip("anon mTHP folios are not modelled (THPs are PMD-sized only)")


@row(45)
def row_45(profile: str) -> None:
    r = Run(profile)
    r.ops(*thp("T"), {"op": "munmap", "id": "T", "range": [256, 256]})
    rec = r.move([["T", 0, 1]])
    assert (rec["ret"], rec["status"], rec["after_nodes"]) == (0, [1], [1])
    assert r.query([["T", 255]]) == ["1"]
    if profile == "v6.12":
        assert counters(rec) == {"pgmigrate_success": 512, "thp_migration_fail": 1,
                                 "thp_migration_split": 1, "thp_split_page": 1}
    else:
        thp_moved(profile, rec)


@row(46)
def row_46(profile: str) -> None:
    """Old profiles follow kernel-notes section 5 (the reference says "not studied")."""
    r = Run(profile)
    r.ops(*anon("A", 3), {"op": "mprotect", "id": "A", "prot": "none", "range": [0, 1]})
    rec = r.move([["A", 0, 1], ["A", 2, 1]])
    if profile == "v6.1":
        assert rec["status_str"] == ["-ENOENT", "1"]
        assert rec["after_nodes_str"] == ["-ENOENT", "1"]
    else:
        assert rec["status_str"] == ["1", "1"] and rec["after_nodes"] == [1, 1]
    # the -ENOENT entry flushes the run before it
    rec = r.move([["A", 1, 1], ["A", 0, 0], ["A", 2, 0]])
    if profile == "v6.1":
        assert rec["status_str"] == ["1", "-ENOENT", "0"]
        assert rec["migrate_calls"] == 2
    # kernel-notes 5: a PMD-mapped anon THP under PROT_NONE fails in follow_pmd_mask on
    # 6.1 (no_page_table with FOLL_DUMP on an anon VMA: -EFAULT)
    r = Run(profile)
    r.ops(*thp("T"), {"op": "mprotect", "id": "T", "prot": "none"})
    rec = r.move([["T", 0, 1], ["T", 300, 1]])
    if profile == "v6.1":
        assert rec["status_str"] == ["-EFAULT", "-EFAULT"]
        assert r.query([["T", 0]]) == ["-EFAULT"]
    else:
        assert rec["status_str"] == ["1", "-EBUSY"] and rec["after_nodes"] == [1, 1]
    # half of the THP made PROT_NONE: the VMA splits, so PTEs map it: -ENOENT on 6.1
    r = Run(profile)
    r.ops(*thp("T"), {"op": "mprotect", "id": "T", "prot": "none", "range": [0, 256]})
    rec = r.move([["T", 0, 1]])
    assert rec["status_str"] == by(profile, v6_1=["-ENOENT"], rest=["1"])


@row(47)
def row_47(profile: str) -> None:
    if profile in OLD:
        pytest.skip("row 47 (unaligned address): not studied for the pre-6.1 profiles")
    r = Run(profile)
    r.ops(*anon("A", 2))
    rec = r.move([{"id": "A", "page": 0, "offset": 123, "node": 1}])
    assert (rec["ret"], rec["status"], rec["after_nodes"]) == (0, [1], [1])
    assert vm(rec, "pgmigrate_success") == 1


@row(48)
def row_48(profile: str) -> None:
    """kernel-notes 3.2 settles the older cells."""
    r = Run(profile)
    r.ops(*anon("A", 2))
    rec = r.move([["A", 1, 1], ["A", 1, 0]])
    assert rec["status_str"] == by(profile, v4_14=["1", "0"], old=["1", "-EBUSY"],
                                   modern=["1", "0"])
    assert rec["after_nodes"][0] == by(profile, modern=0, rest=1)
    assert vm(rec, "pgmigrate_success") == by(profile, modern=2, rest=1)
    r = Run(profile)
    r.ops(*thp("T"))
    rec = r.move([["T", 0, 1], ["T", 100, 0], ["T", 200, 1]])
    assert rec["after_nodes"] == [1, 1, 1]
    if profile == "v4.14":
        assert rec["status_str"] == ["1", "0", "-EBUSY"]
        thp_moved(profile, rec, 1)
    else:
        assert rec["status_str"] == ["1", "0", "1"]
        thp_moved(profile, rec, 3)


@row(49)
def row_49(profile: str) -> None:
    if profile in OLD:
        pytest.skip("row 49 (present file/shmem pages): not studied for the pre-6.1 profiles")
    r = Run(profile)
    r.ops({"op": "mmap", "id": "F", "pages": 2, "kind": "file", "map": "shared"},
          {"op": "touch", "id": "F"},
          {"op": "mmap", "id": "S", "pages": 1, "kind": "anon_shared"},
          {"op": "touch", "id": "S"},
          {"op": "mmap", "id": "E", "pages": 2, "kind": "file", "fs": "ext4",
           "map": "private", "prot": "r", "prefill": True},
          {"op": "touch", "id": "E", "mode": "read"})
    rec = r.move([["F", 0, 1], ["F", 1, 1], ["S", 0, 1], ["E", 1, 1]])
    assert (rec["ret"], rec["status"], rec["after_nodes"]) == (0, [1] * 4, [1] * 4)
    assert vm(rec, "pgmigrate_success") == 4


# -- the parametrised test -----------------------------------------------------------------

def test_every_row_is_covered() -> None:
    assert sorted(ROWS) == list(range(1, 50))


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("n", range(1, 50), ids=lambda n: f"row{n:02d}")
def test_matrix_row(n: int, profile: str) -> None:
    ROWS[n](profile)


# -- explain(): the deciding reason of each row's key entries ------------------------------

#: (call, entry) -> the reason that decides it, from the row's meaning in the reference
#: (a dict picks per profile as :func:`by` does). ``call`` counts the row's full
#: move_pages/query records in order.
R = Reason
EXPLAINED: dict[int, list[tuple[int, int, Any]]] = {
    1: [(0, 0, R.MIGRATED)],
    2: [(0, 0, {"v4_17": R.TRAILING_RUN_UNWRITTEN, "rest": R.ALREADY_ON_TARGET}),
        (2, 1, R.ALREADY_ON_TARGET)],
    3: [(0, 1, R.NO_VMA), (1, 1, R.NO_VMA)],
    4: [(0, 1, R.UNTOUCHED_ANON)],
    5: [(0, 1, R.NOT_PRESENT), (1, 1, R.NOT_PRESENT)],
    6: [(0, 1, R.ZERO_PAGE)],
    7: [(0, 0, R.HUGE_ZERO_PAGE)],
    8: [(0, 1, R.SWAPPED_OUT)],
    9: [(0, 1, R.VMA_NOT_MIGRATABLE)],
    11: [(0, 0, R.SHARED_NO_MOVE_ALL), (1, 0, R.MIGRATED)],
    12: [(0, 0, R.MIGRATED)],
    13: [(0, 0, R.SHARED_NO_MOVE_ALL), (1, 0, R.MIGRATED)],
    14: [(0, 0, R.MIGRATED), (1, 0, R.PAGE_PRESENT)],
    15: [(0, 0, R.MIGRATED)],
    16: [(0, 0, {"v4_14": R.CHUNK_STATUS_DROPPED, "rest": R.MIGRATED}),
          (2, 0, {"v4_14": R.CHUNK_STATUS_DROPPED, "rest": R.RUN_FAILED})],
    18: [(0, 1, R.THP_HEAD_ISOLATED)],
    19: [(0, 1, R.ALREADY_ISOLATED)],
    20: [(0, 0, R.MIGRATED)],
    21: [(0, 1, {"modern": R.HUGETLB_ALREADY_ISOLATED, "rest": R.HUGETLB_ISOLATE_IGNORED})],
    22: [(0, 1, {"v6_12": R.MIGRATED, "rest": R.HUGETLB_TAIL})],
    23: [(0, 0, {"v4_14": R.CHUNK_STATUS_DROPPED, "rest": R.MIGRATED})],
    24: [(0, 1, {"v4_14": R.MIGRATION_FAILED, "rest": R.RUN_FAILED})],
    25: [(1, 0, {"modern": R.MIGRATED, "rest": R.IN_PAGEVEC})],
    26: [(0, 0, R.MIGRATED)],
    27: [(0, 0, R.MIGRATED)],
    29: [(0, 0, R.MIGRATED)],
    30: [(0, 0, {"v4_14": R.CHUNK_STATUS_DROPPED, "rest": R.RUN_FAILED}),
         (0, 2, {"v4_14": R.CHUNK_STATUS_DROPPED, "rest": R.NOT_REACHED})],
    31: [(0, 0, R.NODE_NOT_ONLINE), (3, 1, R.NODE_NOT_ONLINE), (3, 2, R.NODE_NOT_ONLINE)],
    32: [(0, 0, R.NODE_NOT_IN_CPUSET)],
    33: [(0, 0, R.BAD_FLAGS)],
    34: [(0, 0, R.MOVE_ALL_NEEDS_CAP), (1, 0, R.BAD_FLAGS)],
    35: [(0, 0, R.NO_SUCH_TASK), (1, 0, R.TASK_NOT_PERMITTED), (2, 0, R.TASK_HAS_NO_MM)],
    36: [(0, 0, R.NOT_REACHED)],
    37: [(0, 0, {"v4_14": R.ARRAY_UNREADABLE, "rest": R.MIGRATED})],
    38: [(0, 2, R.UNTOUCHED_ANON), (0, 3, R.ZERO_PAGE), (0, 4, R.NO_VMA),
         (0, 6, R.NOT_PRESENT), (0, 7, R.HUGE_ZERO_PAGE),
         (0, 9, {"v6_1": R.PROT_NONE, "rest": R.PAGE_PRESENT})],
    39: [(0, 0, {"v4_14": R.MIGRATION_FAILED, "rest": R.RUN_FAILED})],
    40: [(0, 1, {"v4_14": R.ALREADY_ON_TARGET, "rest": R.NOT_REACHED}), (1, 1, R.NO_VMA),
         (2, 0, R.NODE_NOT_ONLINE)],
    41: [(0, 0, R.MIGRATED)],
    42: [(1, 0, {"v4_17": R.TRAILING_RUN_UNWRITTEN, "rest": R.ALREADY_ON_TARGET})],
    43: [(0, 0, R.PAGE_PRESENT)],
    45: [(0, 0, R.MIGRATED)],
    46: [(0, 0, {"v6_1": R.PROT_NONE, "rest": R.MIGRATED}),
         (2, 1, {"v6_1": R.PROT_NONE_PMD, "rest": R.THP_HEAD_ISOLATED})],
    47: [(0, 0, R.MIGRATED)],
    48: [(0, 1, {"v4_14": R.ALREADY_ON_TARGET, "modern": R.MIGRATED, "rest": R.IN_PAGEVEC})],
    49: [(0, 0, R.MIGRATED)],
}


class _Watched(Run):
    """A Run with per-page events that keeps every full record with its own events."""

    calls: ClassVar[list[tuple[dict[str, Any], list[Any]]]] = []

    def __init__(self, profile: str, **kw: Any) -> None:
        super().__init__(profile, **{**kw, "detail": True})

    def ops(self, *ops: dict[str, Any], proc: Any = None) -> dict[str, Any]:
        before = len(self.events)
        rec = super().ops(*ops, proc=proc)
        if rec["op"] in ("move_pages", "query") and "status" in rec:
            self.calls.append((rec, self.events[before:]))
        return rec


def test_every_studied_row_has_explained_entries() -> None:
    skipped = {10, 17, 28, 44}  # rows the simulator cannot stage (they skip above)
    assert sorted(EXPLAINED) == sorted(set(ROWS) - skipped)


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("n", sorted(EXPLAINED), ids=lambda n: f"row{n:02d}")
def test_explain_names_the_deciding_reason(n: int, profile: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_Watched, "calls", [])
    monkeypatch.setitem(globals(), "Run", _Watched)
    ROWS[n](profile)
    prof = get_profile(profile)
    for call, index, want in EXPLAINED[n]:
        rec, events = _Watched.calls[call]
        expected = by(profile, **want) if isinstance(want, dict) else want
        answer = explain(index, rec["status"], events, prof)
        assert answer.reason is expected, f"call {call} status[{index}]: {answer.text()}"
        assert f"{answer.function}()" in answer.text()
        if EXPLANATIONS[expected].switch:
            assert answer.commit is not None and answer.commit in answer.text()
    for rec, events in _Watched.calls:  # every entry of every call has a reason
        for i in range(len(rec["status"])):
            assert explain(i, rec["status"], events, prof).reason is not None
