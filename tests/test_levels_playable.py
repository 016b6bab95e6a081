"""Every shipped level can be won in the game (the session the TUI drives), and a
wrong prediction does not win a predict level."""

from __future__ import annotations

from pathlib import Path

import pytest

from migratelab.game.commands import Predict, parse
from migratelab.levels import load_level, shipped_levels
from migratelab.tui.world import from_level

LEVELS = shipped_levels()


@pytest.mark.parametrize("path", LEVELS, ids=[p.stem for p in LEVELS])
def test_reference_solution_wins_in_the_game(path: Path) -> None:
    level = load_level(path)
    play = from_level(level, path)
    session = play.session()
    if play.goal_check is None:
        pytest.skip("a pure test case: nothing to win")
    assert not session.goal()[0], "the level is won before anything is done"
    assert level.solution is not None
    for op in level.solution.ops:
        session.submit(op)
        session.finish()
    pred = level.solution.prediction
    if pred is not None:
        answer = Predict(ret=pred.ret, errno=pred.errno,
                         status=tuple(pred.status) if pred.status is not None else None,
                         after_nodes=tuple(pred.after_nodes)
                         if pred.after_nodes is not None else None)
        session.predict(answer, "predict")
        session.finish()
    met, detail = session.goal()
    assert met, detail
    assert play.par is None or session.syscalls <= play.par


PREDICT_LEVELS = [p for p in LEVELS if load_level(p).goal is not None
                  and load_level(p).goal.predict is not None]  # type: ignore[union-attr]


@pytest.mark.parametrize("path", PREDICT_LEVELS, ids=[p.stem for p in PREDICT_LEVELS])
def test_a_wrong_prediction_does_not_win(path: Path) -> None:
    play = from_level(load_level(path), path)
    session = play.session()
    wrong = parse("predict ret=12345")
    assert isinstance(wrong, Predict)
    session.predict(wrong, "predict ret=12345")
    session.finish()
    met, detail = session.goal()
    assert not met and "ret" in detail


def test_predict_command_parses() -> None:
    assert parse("predict ret=0 status=1,-EBUSY") == Predict(ret=0, status=("1", "-EBUSY"))
    assert parse("predict -1 errno=ENOMEM unset,unset") == Predict(
        ret=-1, errno="ENOMEM", status=("UNSET", "UNSET"))
    for bad in ("predict", "predict ret=x", "predict status=1,banana", "predict errno=EWHAT",
                "predict colour=red"):
        with pytest.raises(ValueError):
            parse(bad)
