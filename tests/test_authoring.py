"""Save as level: a sandbox session becomes a level file that check passes and plays."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import pytest

from migratelab.game.authoring import (
    AuthoringError,
    GoalKind,
    LevelDraft,
    build_level,
    split_solution,
)
from migratelab.game.session import Session
from migratelab.game.worlds import demo_machine, demo_runner, demo_setup
from migratelab.levels import load_level
from migratelab.levels.check import check_level
from migratelab.scenario import ops as O

PAGES = 8


def sandbox() -> Session:
    return Session(lambda: demo_runner(PAGES))


def save(session: Session, goal: str, tmp_path: Path, all_profiles: bool = False) -> Path:
    draft = LevelDraft(id=f"saved-{goal}", title=f"Saved {goal}", goal=cast(GoalKind, goal),
                       all_profiles=all_profiles)
    text = build_level(draft, demo_machine(), demo_setup(PAGES), session.applied_ops)
    path = tmp_path / f"{goal}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def pinned_move(session: Session) -> None:
    session.stage([O.Pin(id="A", pages=[2])], "pin A 2")
    session.submit(O.MovePages(range=O.RangeSpec(id="A", pages=(0, 4), node=1)))
    session.finish()


@pytest.mark.parametrize("goal", ["placement", "predict", "provoke"])
def test_a_saved_level_passes_check(goal: str, tmp_path: Path) -> None:
    s = sandbox()
    pinned_move(s)
    path = save(s, goal, tmp_path)
    report = check_level(path)
    assert report.ok, [i for i in report.items if not i.ok]
    level = load_level(path)
    # the staged pin is setup, the call is the solution: ops, not kernel state
    assert [type(op).__name__ for op in level.setup][-1] == "Pin"
    assert "folio" not in path.read_text()


def test_provoke_asks_for_what_the_calls_did(tmp_path: Path) -> None:
    s = sandbox()
    pinned_move(s)
    level = load_level(save(s, "provoke", tmp_path))
    assert level.goal is not None
    # a pinned page makes migrate_pages fail it: reported only as a positive return
    assert level.goal.provoke[0].positive_return


def test_every_profile_on_request_groups_equal_results(tmp_path: Path) -> None:
    s = sandbox()
    pinned_move(s)
    level = load_level(save(s, "predict", tmp_path, all_profiles=True))
    results = level.expect[0].results
    profiles = sorted(p for r in results for p in r.profiles)
    assert profiles == sorted(["v4.14", "v4.17", "v5.6", "v5.12", "v6.1", "v6.12"])
    # v4.14 reports the pin per page (-EAGAIN) and returns 0; later kernels return 1
    by_profile = {p: r for r in results for p in r.profiles}
    assert by_profile["v4.14"].ret == 0 and by_profile["v6.12"].ret == 1
    assert check_level(tmp_path / "predict.toml").ok


def test_a_call_before_a_staged_op_becomes_setup() -> None:
    applied: list[O.Op] = [O.MovePages(entries=[["A", 0, 1]]), O.Pin(id="A", pages=[1]),
                             O.MovePages(entries=[["A", 1, 1]]), O.LruAddDrainAll()]
    tail, solution = split_solution(applied)
    assert tail == applied[:2] and solution == applied[2:]


@pytest.mark.parametrize(("draft", "message"), [
    (LevelDraft(id="Bad Id", title="x", goal="placement"), "the id"),
    (LevelDraft(id="ok", title=" ", goal="placement"), "title"),
])
def test_bad_drafts_are_one_line(draft: LevelDraft, message: str) -> None:
    s = sandbox()
    pinned_move(s)
    with pytest.raises(AuthoringError, match=message):
        build_level(draft, demo_machine(), demo_setup(PAGES), s.applied_ops)


def test_nothing_done_is_refused() -> None:
    with pytest.raises(AuthoringError, match="at least one move_pages call"):
        build_level(LevelDraft(id="x", title="x", goal="predict"), demo_machine(),
                    demo_setup(PAGES), [])


def test_a_placement_that_already_holds_is_refused() -> None:
    s = sandbox()
    s.submit(O.MovePages(entries=[["A", 0, 0]]))  # already on node 0
    s.finish()
    with pytest.raises(AuthoringError, match="already holds"):
        build_level(LevelDraft(id="x", title="x", goal="placement"), demo_machine(),
                    demo_setup(PAGES), s.applied_ops)
