"""The UI-free parts: commands, session stepping/undo, progress files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migratelab.game.commands import CommandError, complete, parse
from migratelab.game.progress import LevelRecord, load_progress, save_progress
from migratelab.kernel import events as ev
from migratelab.scenario import ops as O
from migratelab.tui.world import demo_level

REGIONS = {"A": 1024, "B": 4}


def test_parse_range_entries_query_drain() -> None:
    op = parse("move A[0:8] -> 1", REGIONS)
    assert isinstance(op, O.MovePages) and op.range is not None
    assert op.range.pages == (0, 8) and op.range.node == 1
    op = parse("move A[3] -> 0, A[700] -> 1", REGIONS)
    assert isinstance(op, O.MovePages) and op.entries is not None
    assert [(e.id, e.page, e.node) for e in op.entries] == [("A", 3, 0), ("A", 700, 1)]  # type: ignore[union-attr]
    assert parse("move A[0:2] -> 1 all", REGIONS).flags == ["MPOL_MF_MOVE_ALL"]  # type: ignore[union-attr]
    q = parse("query A[0:4]", REGIONS)
    assert isinstance(q, O.Query) and q.entries is not None and len(q.entries) == 4
    assert isinstance(parse("drain"), O.LruAddDrainAll)


@pytest.mark.parametrize("bad", ["", "mov A[0] -> 1", "move A[0]", "move Z[0] -> 1",
                                 "move A[5:2] -> 1", "move A[0:2000] -> 1", "query",
                                 "move A[0] -> x", "drain now", "move , -> 1"])
def test_bad_commands_raise_command_error(bad: str) -> None:
    with pytest.raises(CommandError):
        parse(bad, REGIONS)


def test_completion() -> None:
    assert complete("mo", REGIONS) == ["move "]
    assert complete("move ", REGIONS)[0] == "move A[0:1024] -> "
    assert complete("query B", REGIONS) == ["query B[0:4]"]


def test_step_undo_reset() -> None:
    s = demo_level(pages=16, mem_mb=16).session()
    assert s.goal()[0] is False
    s.submit(parse("move A[0:16] -> 1", s.regions()), "move")
    assert s.busy
    first = s.step()
    assert isinstance(first, ev.SyscallEnter)
    s.step_over()
    s.finish()
    assert not s.busy and s.syscalls == 1 and s.pages_moved == 16
    assert s.live is not None and s.live.status == [1] * 16
    assert s.goal()[0] is True
    assert s.undo() and s.syscalls == 0 and s.goal()[0] is False
    s.submit(O.LruAddDrainAll())
    s.reset()
    assert s.history == [] and not s.can_undo


def test_undo_aborts_call_in_progress() -> None:
    s = demo_level(pages=8, mem_mb=16).session()
    s.submit(parse("move A[0:8] -> 1", s.regions()))
    s.step()
    assert s.undo() and not s.busy and s.syscalls == 0


def test_progress_roundtrip_and_corrupt_file(data_dir: Path) -> None:
    p = load_progress()
    assert p.solved == {} and p.warning is None
    p.record("x", LevelRecord(2, 2))
    assert not p.record("x", LevelRecord(3, 1))
    assert save_progress(p) is None
    again = load_progress()
    assert again.solved["x"].syscalls == 2
    path = data_dir / "progress.json"
    path.write_text("{not json")
    broken = load_progress()
    assert broken.solved == {} and broken.warning and "unreadable" in broken.warning
    assert not path.exists() and any(data_dir.glob("progress.json.corrupt-*"))
    path.write_text(json.dumps({"solved": {"x": {"stars": 1}}}))
    assert load_progress().warning


def test_undo_by_replay_on_a_big_world(monkeypatch: pytest.MonkeyPatch) -> None:
    from migratelab.game import undo

    monkeypatch.setattr(undo, "DEEPCOPY_MAX_FOLIOS", 0)
    s = demo_level(pages=16, mem_mb=16).session()
    s.submit(parse("move A[0:8] -> 1", s.regions()))
    s.finish()
    s.submit(parse("move A[8:16] -> 1", s.regions()))
    s.finish()
    assert s.goal()[0]
    assert s.undo() and s.syscalls == 1 and not s.goal()[0]
    assert s.pages_moved == 8


def test_a_step_that_moves_frames_says_so_whatever_its_event() -> None:
    """The engine reports a step's events after its work: the first event out may
    find the frames moved already. That step must still flag the nodes as changed."""
    from migratelab.game.records import Change
    from migratelab.tui.world import load_play_level

    from .conftest import LEVELS_DIR

    s = load_play_level(LEVELS_DIR / "02_thp_tail_ebusy.toml").session()
    s.predict(parse("predict ret=0", s.regions()), "predict ret=0")
    before, moved_steps = s.view().pages_on_node("A", 1)[0], 0
    while s.busy:
        s.step()
        now = s.view().pages_on_node("A", 1)[0]
        if now != before:
            moved_steps += 1
            assert s.changed & Change.NODES and s.changed & Change.ADDRESS, s.last_event
        before = now
    assert moved_steps == 1 and before == 512


def test_per_version_works_an_answer_out_once_per_version() -> None:
    s = demo_level(pages=16, mem_mb=16).session()
    calls: list[int] = []

    def count(session: object) -> int:
        calls.append(s.version)
        return len(calls)

    assert s.per_version(count) == 1 and s.per_version(count) == 1  # kept
    s.submit(parse("move A[0:8] -> 1", s.regions()))
    assert s.per_version(count) == 2  # a new version: worked out again
    assert calls == [0, 1]


def test_the_status_histogram_counts_the_whole_call() -> None:
    from migratelab.tui.widgets.status_pane import histogram

    s = demo_level(pages=16, mem_mb=16).session()
    s.submit(parse("move A[0:4] -> 1, A[4:6] -> 0", s.regions()))
    assert histogram(s) == [("?", 6)]  # nothing stored yet
    s.finish()
    # four entries moved to node 1; two were asked for node 0, where they already are
    assert histogram(s) == [("0", 2), ("1", 4)]
