"""The predict loop, the results panel, help's key names and range selection."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.visual import RichVisual

from migratelab.game.commands import EXAMPLE_PREDICTION, Predict, parse
from migratelab.levels import load_level
from migratelab.tui.app import MigrateLabApp
from migratelab.tui.screens.help import help_markdown, key_name
from migratelab.tui.screens.level_select import LevelSelectScreen
from migratelab.tui.screens.play import PlayScreen
from migratelab.tui.screens.results import Results, ResultsHost, shown_results
from migratelab.tui.widgets.address_space import AddressSpace
from migratelab.tui.widgets.prediction_table import PredictionTable, compare, table
from migratelab.tui.widgets.request_pane import RequestPane
from migratelab.tui.world import demo_level, load_play_level

from .conftest import FIRST, LEVELS_DIR

THP_TAIL = LEVELS_DIR / "02_thp_tail_ebusy.toml"
PREDICT_LEVELS = [p for p in sorted(LEVELS_DIR.glob("*.toml")) if "[goal.predict]" in p.read_text()]


def _text(widget: object) -> str:
    from rich.console import Console

    console = Console(width=100, color_system=None, record=True)
    shown = widget.render()  # type: ignore[attr-defined]
    if isinstance(shown, RichVisual):  # a Static holding a Rich renderable
        shown = widget.content  # type: ignore[attr-defined]
    console.print(shown)
    return console.export_text()


# -- the example answer ---------------------------------------------------------------

def test_there_are_predict_levels_to_check() -> None:
    assert len(PREDICT_LEVELS) >= 2


@pytest.mark.parametrize("path", PREDICT_LEVELS, ids=lambda p: p.stem)
def test_the_example_prediction_answers_no_shipped_level(path: Path) -> None:
    example = parse(EXAMPLE_PREDICTION)
    assert isinstance(example, Predict)
    level = load_level(path)
    assert level.goal is not None and level.goal.predict is not None
    assert level.solution is not None and level.solution.prediction is not None
    answer = level.solution.prediction
    mine = {"ret": example.ret, "errno": example.errno,
            "status": list(example.status or []) or None,
            "after_nodes": list(example.after_nodes or []) or None}
    theirs = {"ret": answer.ret, "errno": answer.errno, "status": answer.status,
              "after_nodes": answer.after_nodes}
    checked = level.goal.predict.check
    assert any(mine[f] != theirs[f] for f in checked), f"{path.name}: the example is its answer"


def test_help_and_goal_pane_show_the_example_not_a_level_answer() -> None:
    text = help_markdown()
    assert EXAMPLE_PREDICTION in text
    assert "status=1,-EBUSY" not in text  # level 02's answer was the example once


# -- help's key names -------------------------------------------------------------------

def test_help_writes_keys_as_people_do_and_no_binding_ids() -> None:
    text = help_markdown()
    for shown in ("`?`", "`=`", "`+`", "`Enter`", "`Esc`", "`Ctrl+Q`", "`F1`", "`:`", "`/`"):
        assert shown in text, shown
    for internal in ("question_mark", "equals_sign", "play.call", "as.mark", "app.help",
                     "| id |"):
        assert internal not in text, internal
    assert "`0` … `9`" in text  # ten node keys are one row


@pytest.mark.parametrize(("key", "shown"), [
    ("question_mark", "?"), ("equals_sign", "="), ("plus", "+"), ("minus", "-"),
    ("ctrl+q", "Ctrl+Q"), ("f1", "F1"), ("enter", "Enter"), ("R", "R"), ("pagedown", "PgDn")])
def test_key_name(key: str, shown: str) -> None:
    assert key_name(key) == shown


# -- the prediction table ---------------------------------------------------------------

def test_compare_marks_each_differing_cell() -> None:
    guess = Predict(ret=0, status=("1", "1"))
    record = {"ret": 0, "errno": None, "status_str": ["1", "-EBUSY"]}
    cells = compare(guess, record, ["ret", "errno", "status"])
    assert [(c.label, c.predicted, c.actual, c.same) for c in cells] == [
        ("ret", "0", "0", True), ("errno", "none", "none", True),
        ("status[0]", "1", "1", True), ("status[1]", "1", "-EBUSY", False)]
    # a field left out is shown as not given, and differs
    short = compare(Predict(status=("1",)), record, ["ret", "status"])
    assert [(c.label, c.predicted) for c in short if not c.same] == [
        ("ret", "—"), ("status[1]", "—")]


def test_the_table_marks_by_glyph_and_folds_long_equal_runs() -> None:
    from rich.console import Console

    n = 40
    record = {"ret": 0, "errno": None, "status_str": ["1"] * (n - 1) + ["-EBUSY"]}
    cells = compare(Predict(ret=0, status=("1",) * n), record, ["ret", "status"])
    console = Console(width=80, color_system=None, record=True)
    console.print(table(cells))
    out = console.export_text()
    assert "status[39]" in out and "✘ differs" in out  # no colour needed to see it
    assert "status[5] " not in out and "39 more cells, all equal" in out


# -- playing a predict level: wrong once, then right ---------------------------------------

async def test_predict_level_wrong_then_right_from_level_select() -> None:
    levels = [load_play_level(FIRST), load_play_level(THP_TAIL)]
    app = MigrateLabApp(levels=levels)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")  # title: Play
        await pilot.pause()
        assert isinstance(app.screen, LevelSelectScreen)
        await pilot.press("down", "enter")
        await pilot.pause()
        play = app.screen
        assert isinstance(play, PlayScreen) and play.level.id == "thp-tail-ebusy"
        await pilot.press("colon", *"predict ret=0 status=1,1", "enter", "s")
        await pilot.pause()
        # while the predicted call runs, the request pane shows the request itself
        request = _text(play.query_one(RequestPane))
        assert "move A[0] -> 1, A[100] -> 1" in request and "predict" not in request
        assert isinstance(app.focused, AddressSpace)
        await pilot.press("e")
        await pilot.pause()
        wrong = shown_results(play)
        assert wrong is not None and not wrong.results.solved
        assert app.screen is play  # a panel over the play screen: its final state shows
        assert "wrong prediction" in _text(play.query_one("#msg"))
        shown = _text(wrong.query_one(PredictionTable))
        assert "1 of 4 cells differ" in shown
        await pilot.press("n", "s")  # not offered on a wrong answer; the screen's keys wait
        assert shown_results(play) is wrong and play.session.syscalls == 1
        await pilot.press("u")  # undo (free) and predict again
        await pilot.pause()
        assert shown_results(play) is None and play.session.syscalls == 0
        await pilot.press(*"predict ret=0 status=1,-EBUSY", "enter", "e")
        await pilot.pause()
        right = shown_results(play)
        assert right is not None and right.results.solved
        assert all(c.same for c in right.results.prediction)
        assert "every cell matches" in _text(right.query_one(PredictionTable))


async def test_results_show_par_and_the_levels_explanation() -> None:
    level = demo_level()
    level.explanation = "`do_pages_move()` batched all **eight** entries."
    app = MigrateLabApp(level=level, levels=[level])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PlayScreen)
        screen.outcome.show(Results(level, syscalls=2, pages_moved=64, migrate_calls=1,
                                    stars=2))
        await pilot.pause()
        assert "par 1" in _text(screen.query_one("#results-body"))
        assert "1 over par" in _text(screen.query_one("#results-body"))
        explained = _text(screen.query_one("#results-explanation"))
        assert "do_pages_move() batched all eight entries" in explained
        assert not screen.query_one(PredictionTable).display  # no prediction: no table


# -- controls -------------------------------------------------------------------------

async def test_range_selection_v_move_v_then_a_node_key() -> None:
    app = MigrateLabApp(level=load_play_level(FIRST), levels=[])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        play = app.screen
        assert isinstance(play, PlayScreen)
        # v, move, v ends the range; moving on keeps it; a node key sends it
        await pilot.press("home", "v", "right", "right", "right", "v", "right", "right", "1")
        await pilot.pause()
        assert sorted(play.query_one(RequestPane).draft) == [("A", i) for i in range(4)]
        # v, move, then a node key straight away works too
        await pilot.press("v", "right", "0")
        await pilot.pause()
        assert play.query_one(RequestPane).draft[("A", 6)] == 0


async def test_focus_returns_to_the_address_space_after_commands_and_esc() -> None:
    app = MigrateLabApp(level=load_play_level(FIRST), levels=[])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("colon")
        assert app.focused is not None and app.focused.id == "cmd"
        await pilot.press("escape")
        assert isinstance(app.focused, AddressSpace)
        await pilot.press("colon", *"query A[0:2]", "enter")
        await pilot.pause()
        assert isinstance(app.focused, AddressSpace)
        # refused (the query is still running): the message says why, the text is kept
        await pilot.press("colon", *"drain", "enter")
        await pilot.pause()
        assert isinstance(app.focused, AddressSpace)
        assert "in progress" in _text(app.screen.query_one("#msg"))
        await pilot.press("e", "colon", "enter")
        await pilot.pause()
        assert isinstance(app.focused, AddressSpace)
        assert "drain: done" in _text(app.screen.query_one("#msg"))
        # a typo keeps the command line, to fix it
        await pilot.press("colon", *"mvoe A[0] -> 1", "enter")
        await pilot.pause()
        assert app.focused is not None and app.focused.id == "cmd"


# -- help lists every command ------------------------------------------------------------

def _parser_verbs() -> set[str]:
    """Every first word parse() accepts, found by asking the parser (an unknown verb
    is refused with 'unknown command'; a known one with bad arguments is not)."""
    from migratelab.game.commands import VERBS, CommandError, parse

    known: set[str] = set()
    for verb in {*VERBS, "why", "help", "status", "stat", "undo", "reset", "mbind",
                 "migratepages", "migrate_pages", "compare"}:
        try:
            parse(verb + " x")
        except CommandError as exc:
            if str(exc).startswith("unknown command"):
                continue
        known.add(verb)
    return known


def test_help_lists_every_command_the_command_line_accepts() -> None:
    import re

    verbs = _parser_verbs()
    assert {"mbind", "migratepages", "why", "compare", "save"} <= verbs
    text = help_markdown()
    missing = [v for v in sorted(verbs) if not re.search(rf"`{v}\b", text)]
    assert missing == [], f"help does not show: {missing}"


def test_help_draws_the_legends_as_glyphs_and_words() -> None:
    text = help_markdown()
    assert "Style(" not in text and "[('" not in text  # no Python reprs
    assert "`T` THP" in text and "`H` hugetlb in use" in text
    assert "`0.` entry the kernel is on (reverse video)" in text


async def test_results_panel_is_modal_over_the_play_screen_and_survives_a_resize() -> None:
    from textual.widgets import Button

    app = MigrateLabApp(level=load_play_level(FIRST), levels=[])
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.press("home", "v", *["right"] * 7, "1", "enter", "e")
        await pilot.pause()
        play = app.screen
        panel = shown_results(play)
        assert isinstance(play, PlayScreen) and panel is not None
        assert isinstance(app.focused, Button) and app.focused.id == "next"
        # a click on a pane behind the panel does not take the keys away from it
        await pilot.click("#pane-address")
        await pilot.pause()
        assert isinstance(app.focused, Button) and panel in app.focused.ancestors
        await pilot.press("tab")
        assert isinstance(app.focused, Button) and app.focused.id == "levels"
        await pilot.press("left", "left")
        assert isinstance(app.focused, Button) and app.focused.id == "stay"
        # the play screen's own keys wait while the panel is up
        await pilot.press("u", "c")
        assert play.session.syscalls == 1 and shown_results(play) is panel
        # a resize across a layout breakpoint composes the screen again: the panel stays
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.pause()
        again = shown_results(play)
        assert again is not None and again.results is panel.results
        assert again.region.right == 80 and again.region.y >= 1  # on the right, under the title
        await pilot.press("escape")
        await pilot.pause()
        assert shown_results(play) is None and isinstance(app.focused, AddressSpace)
        assert play.session.syscalls == 1  # Esc keeps the state: nothing was undone
        assert not play.query_one(ResultsHost).visible  # hidden: no frame visits it
