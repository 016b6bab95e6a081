"""Sandbox commands: parsed into ops, staged all-or-nothing, refused in levels."""

from __future__ import annotations

import pytest

from migratelab.game import view
from migratelab.game.commands import CommandError, Stage, parse
from migratelab.game.session import Session, SessionError
from migratelab.game.worlds import demo_runner
from migratelab.scenario import ops as O


def _sandbox() -> Session:
    return Session(lambda: demo_runner(pages=8))


def _stage(s: Session, text: str) -> None:
    cmd = parse(text, s.regions())
    assert isinstance(cmd, Stage)
    s.stage(cmd.ops, text)


def test_commands_become_ops() -> None:
    cmd = parse("mmap T 512 thp")
    assert isinstance(cmd, Stage)
    assert cmd.ops == (O.Mmap(id="T", pages=512), O.Madvise(id="T", advice="hugepage"))
    assert parse("touch T[0:4] read", {"T": 512}) == Stage(
        (O.Touch(id="T", pages=[(0, 4)], mode="read"),))
    assert parse("fill 1") == Stage((O.FillNode(node=1, leave_mb=4, hole_pages=64),))
    for bad in ("mmap T", "mmap T 4 weird", "touch T[0:4] sideways", "fill x", "unpin now",
                "bind A", "hold A[0] later"):
        with pytest.raises(CommandError):
            parse(bad, {"A": 8})


def test_a_sandbox_builds_a_thp_and_moves_it() -> None:
    s = _sandbox()
    _stage(s, "mmap T 512 thp")
    _stage(s, "touch T[0:1]")
    base = s.runner.regions["T"].base
    assert view.page_view(s.runner, base).kind == "thp_head"
    s.submit(parse("move T[0] -> 1", s.regions()))
    s.finish()
    assert s.history[-1]["status_str"] == ["1"]
    assert view.page_view(s.runner, base).node == 1
    assert s.syscalls == 1  # staging is not a syscall


def test_staging_is_all_or_nothing_and_undoable() -> None:
    s = _sandbox()
    before = s.runner.k.mem(0).nr_free
    with pytest.raises(SessionError, match="no region named 'Q'"):
        s.stage((O.Mmap(id="B", pages=4), O.Touch(id="Q")), "broken")
    assert "B" not in s.runner.regions and s.runner.k.mem(0).nr_free == before
    _stage(s, "mmap B 4")
    _stage(s, "touch B[0:4]")
    assert s.runner.k.mem(0).nr_free == before - 4
    assert s.undo() and s.undo()
    assert "B" not in s.runner.regions and s.runner.k.mem(0).nr_free == before


def test_levels_refuse_staging() -> None:
    s = Session(lambda: demo_runner(pages=8), goal_check=lambda r, h, p: (False, "not yet"))
    with pytest.raises(SessionError, match="sandbox"):
        s.stage((O.Unpin(),), "unpin")


def test_thp_splits_that_run_the_target_out_of_memory() -> None:
    """Two THPs split on a filled node, then base pages: the target runs out of
    4 KiB frames and the call fails with ENOMEM, leaving every status untouched.
    (This once crashed: in-flight lists were unregistered by equality, not identity.)"""
    from migratelab.kernel.invariants import violations

    s = _sandbox()
    for text in ("mmap T 1024 thp", "touch T[0:1024]", "mmap H 512 hugetlb", "touch H[0:1]",
                 "fill 1"):
        _stage(s, text)
    s.submit(parse("move T[0] -> 1, T[600] -> 1, H[0] -> 1, A[0:4] -> 1", s.regions()))
    s.finish()
    rec = s.history[-1]
    assert (rec["ret"], rec["errno"]) == (-1, "ENOMEM")
    assert rec["status_str"] == ["UNSET"] * 7
    assert violations(s.runner.k) == []
    assert s.runner.k.migration_lists == []


@pytest.mark.parametrize("profile", ["v4.14", "v6.12"])
def test_undo_snapshots_survive_shared_memory_on_the_lru(profile: str) -> None:
    """A deep copy once reached a folio through its LRU list before the folio was
    rebuilt (found by the session soak); snapshots must copy any world."""
    from migratelab.kernel.invariants import violations

    s = Session(lambda: demo_runner(pages=16, profile=profile))
    for text in ("mmap T 512 shared", "touch T[0:15]", "touch A[0:1]", "fork", "pin A[3]"):
        _stage(s, text)
    while s.undo():
        assert violations(s.runner.k) == []
    assert "T" not in s.runner.regions


def test_a_failed_command_restores_zero_page_mappings() -> None:
    """Restoring a snapshot once copied the zero page sentinel, so a later fault
    no longer recognised it (found by the session soak)."""
    s = _sandbox()
    _stage(s, "mmap T 1 anon")
    _stage(s, "touch T[0:1] read")
    with pytest.raises(SessionError):
        _stage(s, "bind Q 1")  # no region Q: the machine is restored
    _stage(s, "touch T[0:1]")  # the write replaces the zero page
    assert view.page_view(s.runner, s.runner.regions["T"].base).kind == "base"
