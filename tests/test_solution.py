"""Show solution replays the reference solution; a win reached so is assisted.

Show goal draws what the goal asks for.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from migratelab.game.session import Session
from migratelab.game.solution import SolutionReplay, as_answer, goal_picture
from migratelab.levels import Level, load_level, parse_level, shipped_levels
from migratelab.tui.world import from_level

LEVELS = [p for p in shipped_levels() if load_level(p).goal is not None]


def replay(level: Level, path: Path | None = None) -> tuple[Session, SolutionReplay]:
    play = from_level(level, path)
    session = play.session()
    sol = level.solution
    assert sol is not None
    r = SolutionReplay(session, sol.ops, as_answer(sol.prediction),
                       [(m.after, m.text) for m in sol.marks])
    return session, r


@pytest.mark.parametrize("path", LEVELS, ids=[p.stem for p in LEVELS])
def test_the_replay_wins_every_level_but_is_marked_assisted(path: Path) -> None:
    session, r = replay(load_level(path), path)
    assert not session.goal()[0]
    steps = 0
    while not r.done:
        r.advance()
        steps += 1
        assert steps < 100_000
    met, detail = session.goal()
    assert met, detail
    assert session.assisted
    session.reset()
    assert not session.assisted and not session.goal()[0]


MARKED = b'''
schema_version = 1
[level]
id = "marked"
title = "Marked"
chapter = 1
order = 1
story = "x"
source = "x"
[machine]
nodes = 2
[[setup]]
op = "mmap"
id = "A"
pages = 4
[[setup]]
op = "touch"
id = "A"
[goal]
placement = [{ id = "A", node = 1 }]
[[hints]]
text = "h"
[solution]
ops = [
  { op = "move_pages", entries = [["A", 0, 1], ["A", 1, 1]] },
  { op = "move_pages", entries = [["A", 2, 1], ["A", 3, 1]] },
]
[[solution.marks]]
after = 0
text = "half of A has moved"
'''


def test_the_replay_pauses_at_a_mark_until_resumed() -> None:
    session, r = replay(parse_level(MARKED, "marked.toml"))
    while not r.paused:
        r.advance()
    assert r.next_op == 1 and not session.busy
    step = r.advance()
    assert step.paused and "half of A" in r.marks[0]
    r.resume()
    while not r.done:
        r.advance()
    assert session.goal()[0]


def test_goal_picture_names_pages_and_nodes() -> None:
    rows = goal_picture(parse_level(MARKED, "marked.toml").goal)
    assert [(g.what, g.want) for g in rows] == [("A[*]", "on node 1")]
    goals = [load_level(p).goal for p in LEVELS]
    predict = next(g for g in goals if g is not None and g.predict is not None)
    rows = goal_picture(predict)
    assert rows[0].what == "your prediction" and "status[]" in rows[0].want
