"""mbind(2) with MPOL_MF_MOVE / MOVE_ALL / STRICT: the rules of do_mbind() that the
oracle scenarios (60-66, 83, 84, 87, 89) do not reach on a root-run real kernel,
and the game's ``mbind`` command. Expected values come from mm/mempolicy.c."""

from __future__ import annotations

import pytest
from mlhelp import MODERN, PROFILES, Run, anon, thp, vm

from migratelab.game.commands import CommandError, Stage, parse
from migratelab.kernel.events import MigrateStart, QueuePages
from migratelab.scenario import ops as O


def _mbind(r: Run, rid: str, nodes: list[int], flags: list[str] | int, mode: str = "bind",
           **kw: object) -> dict[str, object]:
    return r.ops({"op": "mbind", "id": rid, "mode": mode, "nodes": nodes, "flags": flags, **kw})


@pytest.mark.parametrize("profile", PROFILES)
def test_move_all_without_cap_sys_nice_is_eperm(profile: str) -> None:
    r = Run(profile)
    r.ops(*anon("A", 4, node=0), {"op": "setuid", "uid": 1000, "caps": []})
    rec = _mbind(r, "A", [1], ["MPOL_MF_MOVE_ALL"])
    assert (rec["ret"], rec["errno"]) == (-1, "EPERM")
    assert r.query([["A", 0]]) == ["0"]


@pytest.mark.parametrize(("mode", "nodes", "errno"), [
    ("bind", [], "EINVAL"),          # mpol_new(): bind needs nodes
    ("interleave", [], "EINVAL"),
    ("default", [1], "EINVAL"),      # default takes no nodes
    ("local", [0], "EINVAL"),
    ("bind", [7], "EINVAL"),         # nothing left after & N_MEMORY
    ("preferred", [], None),         # preferred with no node is local allocation
])
def test_mpol_new_rules(mode: str, nodes: list[int], errno: str | None) -> None:
    r = Run("v6.12")
    r.ops(*anon("A", 2))
    rec = _mbind(r, "A", nodes, [], mode=mode)
    assert rec["errno"] == errno and rec["ret"] == (-1 if errno else 0)


@pytest.mark.parametrize("flags", [8, 16, ["MPOL_MF_MOVE", "MPOL_MF_STRICT"]])
def test_only_strict_move_move_all_are_valid(flags: list[str] | int) -> None:
    r = Run("v6.1")
    r.ops(*anon("A", 2))
    rec = _mbind(r, "A", [1], flags)
    assert rec["errno"] == (None if isinstance(flags, list) else "EINVAL")


@pytest.mark.parametrize("profile", MODERN)
def test_the_migration_says_mempolicy_mbind(profile: str) -> None:
    r = Run(profile)
    r.ops(*anon("A", 4, node=0))
    r.clear_events()
    rec = _mbind(r, "A", [1], ["MPOL_MF_MOVE"])
    starts = [e for e in r.events if isinstance(e, MigrateStart)]
    assert [e.reason for e in starts] == ["mempolicy_mbind"]
    assert vm(rec, "pgmigrate_success") == 4
    queued = [e for e in r.events if isinstance(e, QueuePages)]
    assert queued and queued[0].queued == 4


@pytest.mark.parametrize("profile", MODERN)
def test_a_policy_only_mbind_leaves_the_trace_alone(profile: str) -> None:
    r = Run(profile)
    r.ops(*anon("A", 4))
    r.clear_events()
    assert _mbind(r, "A", [1], [])["ret"] == 0
    assert r.events == [] and r.query([["A", 0]]) == ["0"]


@pytest.mark.parametrize("profile", MODERN)
def test_strict_alone_refuses_and_keeps_the_old_policy(profile: str) -> None:
    """queue_pages_range() returns -EIO before mbind_range() runs (both kernels,
    oracle 62): later faults still follow the old policy."""
    r = Run(profile)
    r.ops({"op": "mmap", "id": "A", "pages": 8}, {"op": "mbind", "id": "A", "node": 0},
          {"op": "touch", "id": "A", "pages": [0]})
    rec = _mbind(r, "A", [1], ["MPOL_MF_STRICT"])
    assert rec["errno"] == "EIO"
    r.ops({"op": "touch", "id": "A", "pages": [5]})
    assert r.query([["A", 5]]) == ["0"]


@pytest.mark.parametrize("profile", MODERN)
def test_move_without_cap_skips_pages_shared_after_fork(profile: str) -> None:
    r = Run(profile)
    r.ops(*anon("A", 4, node=0), {"op": "fork", "child": "C"})
    rec = _mbind(r, "A", [1], ["MPOL_MF_MOVE", "MPOL_MF_STRICT"])
    # choosing not to move a shared page is not a failure, even with STRICT
    assert (rec["ret"], vm(rec, "pgmigrate_success")) == (0, 0)
    assert r.query([["A", 0]]) == ["0"]


@pytest.mark.parametrize(("profile", "errno"), [("v6.1", "EIO"), ("v6.12", None)])
def test_a_pte_mapped_thp_with_strict(profile: str, errno: str | None) -> None:
    """6.1 isolates a PTE-mapped THP at its first PTE and counts every later PTE as
    unmovable; 6.12 (Hugh Dickins' qp->large) looks at each large folio once."""
    r = Run(profile)
    r.ops(*thp("T", 512), {"op": "mprotect", "id": "T", "prot": "r", "range": [256, 256]},
          {"op": "mprotect", "id": "T", "prot": "rw", "range": [256, 256]})
    rec = _mbind(r, "T", [1], ["MPOL_MF_MOVE", "MPOL_MF_STRICT"])
    assert rec["errno"] == errno
    assert vm(rec, "thp_migration_success") == 1  # it moved either way


def test_mbind_command() -> None:
    cmd = parse("mbind A[0:4] 1 move strict", {"A": 8})
    assert cmd == Stage((O.Mbind(id="A", nodes=[1], range=(0, 4),
                                 flags=["MPOL_MF_MOVE", "MPOL_MF_STRICT"]),))
    assert parse("mbind A 0,1 move_all", {"A": 8}) == Stage(
        (O.Mbind(id="A", nodes=[0, 1], flags=["MPOL_MF_MOVE_ALL"]),))
    for bad in ("mbind A", "mbind A 1 fast", "mbind Z 1 move"):
        with pytest.raises(CommandError):
            parse(bad, {"A": 8})
