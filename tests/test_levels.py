"""Level files: loading, one-line errors, the line locator, goals and the schema."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from migratelab import levels as goals
from migratelab.levels import (
    LevelError,
    Prediction,
    is_level_file,
    load_level,
    parse_level,
    shipped_levels,
)
from migratelab.levels.locate import line_of
from migratelab.levels.schema import schema_path, schema_text
from migratelab.scenario import ops as O

LEVELS = Path(__file__).resolve().parent.parent / "src" / "migratelab" / "levels"
FIRST = LEVELS / "01_first_move.toml"

MINIMAL = """\
schema_version = 1

[level]
id = "t"
title = "T"
chapter = 1
order = 1
story = "s"
source = "s"

[[setup]]
op = "mmap"
id = "A"
pages = 4

[[setup]]
op = "touch"
id = "A"

[goal]
placement = [{ id = "A", node = 1 }]

[solution]
ops = [{ op = "move_pages", range = { id = "A", node = 1 } }]
"""


def error_of(text: str | bytes) -> str:
    raw = text.encode() if isinstance(text, str) else text
    with pytest.raises(LevelError) as info:
        parse_level(raw, "x.toml")
    message = str(info.value)
    assert "\n" not in message
    return message


def test_minimal_level_loads_and_builds_its_machine() -> None:
    level = parse_level(MINIMAL.encode())
    spec = level.machine_spec()
    assert (spec.nodes, spec.mem_mb, spec.hugetlb_per_node) == (2, (64,), 0)
    assert level.level.profile == "v6.12"


def test_shipped_levels_sorted_and_loadable() -> None:
    paths = shipped_levels()
    assert len(paths) >= 4
    keys = [(load_level(p).level.chapter, load_level(p).level.order) for p in paths]
    assert keys == sorted(keys)


@pytest.mark.parametrize(("mutate", "expected"), [
    (lambda t: t.replace("pages = 4", "pages = -1"),
     "x.toml:14: $.setup[0].pages: expected int in 1..262144, got -1"),
    (lambda t: t.replace('op = "touch"\nid = "A"', 'op = "touch"\nid = "Z"'),
     "x.toml:18: $.setup[1].id: no region named 'Z' is mapped before this point (known: A)"),
    (lambda t: t.replace('order = 1', 'order = 1\nprofile = "v9.9"'),
     "x.toml:8: $.level.profile: unknown kernel profile 'v9.9'"),
    (lambda t: t.replace('node = 1 }]\n\n[solution]', 'node = 7 }]\n\n[solution]'),
     "x.toml:21: $.goal.placement[0].node: node 7 does not exist"),
    (lambda t: t.replace('op = "touch"', 'op = "touch"\ncolour = "red"'),
     "x.toml:16: $.setup[1]: object contains unknown field colour"),
    (lambda t: t.replace('title = "T"\n', ''),
     "x.toml:3: $.level: object missing required field title"),
    (lambda t: t.replace("chapter = 1", 'chapter = "one"'),
     "x.toml:6: $.level.chapter: expected int, got str"),
    (lambda t: t.replace("[solution]\nops = [{ op = \"move_pages\", range = { id = \"A\", "
                         "node = 1 } }]\n", "[solution]\nops = []\n"),
     "$.solution.ops: the solution makes no call"),
    (lambda t: t.replace("schema_version = 1", "schema_version = 2"),
     "x.toml:1: $.schema_version: unsupported schema_version 2"),
    (lambda t: t + "[machine]\nnodes = 4000\n",
     "$.machine.nodes: expected int in 1..16, got 4000"),
    (lambda t: t + "[machine]\nmem_mb = [4096, 4096]\nnodes = 5\n",
     "$.machine.mem_mb: expected 5 values"),
    (lambda t: t.replace("[goal]", "[goal]\nprovoke = [{ errno = \"ENODEV\", "
                         "thp_split = true }]"),
     "x.toml:21: $.goal.provoke[0]: set exactly one of"),
    (lambda t: t.replace("[solution]", "[[expect]]\nrequest = { op = \"query\", entries = "
                         "[[\"A\", 0]] }\n\n[[expect.results]]\nprofiles = [\"v6.1\"]\n"
                         "ret = 0\nstatus = [\"-EWHAT\"]\n\n[solution]"),
     "x.toml:29: $.expect[0].results[0].status[0]: expected a status like"),
])
def test_bad_files_give_one_line(mutate: object, expected: str) -> None:
    message = error_of(mutate(MINIMAL))  # type: ignore[operator]
    assert message.startswith("x.toml") and expected in message, message


@pytest.mark.parametrize(("body", "expected"), [
    ('op = "migrate_pages"\nfrom = [0]\nto = ["elsewhere"]',
     "x.toml:23: $.setup[2].to[0]: expected a node (int, 'N', 'last' or 'N+k'), "
     "got 'elsewhere'"),
    ('op = "migrate_pages"\npid = "child:C9"\nfrom = [0]\nto = [1]',
     "x.toml:22: $.setup[2].pid: expected 'self', 'child:NAME' of a forked child"),
    ('op = "mbind"\nid = "A"\nnode = 1\nflags = ["MPOL_MF_MOVE", "MPOL_MF_FAST"]',
     "x.toml:24: $.setup[2].flags[1]: unknown flag 'MPOL_MF_FAST'"),
])
def test_policy_ops_in_setup_are_checked(body: str, expected: str) -> None:
    text = MINIMAL.replace('id = "A"\n\n[goal]', f'id = "A"\n\n[[setup]]\n{body}\n\n[goal]')
    assert error_of(text).startswith(expected)


_SOLUTION = 'ops = [{ op = "move_pages", range = { id = "A", node = 1 } }]\n'


@pytest.mark.parametrize(("mutate", "expected"), [
    (lambda t: t.replace('order = 1', 'order = 1\nreal_kernel = "yes"'),
     "x.toml:8: $.level.real_kernel: expected bool, got str"),
    (lambda t: t.replace('order = 1', 'order = 1\nexplanation = 3'),
     "x.toml:8: $.level.explanation: expected str, got int"),
    (lambda t: t.replace('order = 1', 'order = 1\nexplanation = "' + "x" * 20_001 + '"'),
     "x.toml:8: $.level.explanation: longer than 20000 characters"),
    (lambda t: t + '\n[[solution.marks]]\nafter = 1\ntext = "pause"\n',
     "x.toml:27: $.solution.marks[0].after: expected int in 0..0, got 1"),
    (lambda t: t + '\n[[solution.marks]]\nafter = -1\ntext = "pause"\n',
     "x.toml:27: $.solution.marks[0].after: expected int in 0..0, got -1"),
    (lambda t: t + '\n[[solution.marks]]\nafter = 0\ntext = "  "\n',
     "x.toml:28: $.solution.marks[0].text: must be non-empty text"),
    (lambda t: t + '\n[[solution.marks]]\nafter = 0\n',
     "x.toml:26: $.solution.marks[0]: object missing required field text"),
    (lambda t: t + '\n[[solution.marks]]\nafter = 0\ntext = "a"\nwhen = 1\n',
     "x.toml:26: $.solution.marks[0]: object contains unknown field when"),
    (lambda t: t.replace(_SOLUTION, 'ops = [{ op = "move_pages", range = '
                         '{ id = "A", node = 1 } }, { op = "lru_add_drain_all" }]\n')
     + '\n[[solution.marks]]\nafter = 1\ntext = "a"\n'
     + '\n[[solution.marks]]\nafter = 1\ntext = "b"\n',
     "x.toml:31: $.solution.marks[1].after: marks must follow the ops in order"),
])
def test_bad_presenter_fields_give_one_line(mutate: object, expected: str) -> None:
    message = error_of(mutate(MINIMAL))  # type: ignore[operator]
    assert message.startswith(expected), message


def test_presenter_fields_load_with_their_defaults() -> None:
    level = parse_level(MINIMAL.encode())
    assert (level.level.explanation, level.level.real_kernel) == ("", False)
    assert level.solution is not None and level.solution.marks == []
    marked = parse_level((MINIMAL.replace('order = 1', 'order = 1\nreal_kernel = true\n'
                                          'explanation = "`do_pages_move()`"')
                          + '\n[[solution.marks]]\nafter = 0\ntext = "now look"\n').encode())
    assert marked.level.real_kernel and marked.level.explanation == "`do_pages_move()`"
    assert marked.solution is not None
    assert [(m.after, m.text) for m in marked.solution.marks] == [(0, "now look")]


def test_toml_syntax_error_has_the_line() -> None:
    assert error_of(MINIMAL.replace("order = 1", "order = = 1")).startswith(
        "x.toml:7: not valid TOML: invalid value")


@pytest.mark.parametrize("raw", [b"\x89PNG\r\n\x1a\n\x00\x00", b"\xff\xfe\xfd", b"",
                                 b"[[[[", b"a = " + b"[" * 5000 + b"]" * 5000])
def test_not_toml_gives_one_line(raw: bytes) -> None:
    assert error_of(raw).startswith("x.toml")


def test_file_size_limit() -> None:
    assert "larger than" in error_of(MINIMAL + "#" * 300_000)


def test_unreadable_path(tmp_path: Path) -> None:
    with pytest.raises(LevelError, match="cannot read"):
        load_level(tmp_path / "missing.toml")


def test_locator_maps_nested_paths() -> None:
    text = ('a = 1\n[[setup]]\nop = "x"\n[[setup]]\nop = "y"\nentries = [\n  [1, 2],\n'
            '  { id = "q", page = 3 },\n]\n[[expect]]\n[[expect.results]]\nret = 1\n'
            '[[expect]]\nname = """multi\n[[not-a-table]]\n"""\n[[expect.results]]\n'
            'ret = 2\n')
    assert line_of(text, "$.setup[1].op") == 5
    assert line_of(text, "$.setup[1].entries[1].page") == 8
    assert line_of(text, "$.setup[1].entries[0]") == 7
    assert line_of(text, "$.expect[1].results[0].ret") == 18
    assert line_of(text, "$.expect[0].results[0].ret") == 12
    assert line_of(text, "$.nothing") is None


def test_level_file_rule(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(MINIMAL)
    (tmp_path / "other.toml").write_text("[level]\nschema_version = 1\n")
    (tmp_path / "lvl.toml").write_text(MINIMAL)
    (tmp_path / "lvl.txt").write_text(MINIMAL)
    found = sorted(p.name for p in tmp_path.iterdir() if is_level_file(p))
    assert found == ["lvl.toml"]


# -- goals ----------------------------------------------------------------------------------

def test_placement_goal_not_met_then_met() -> None:
    level = load_level(FIRST)
    assert level.goal is not None
    runner = goals.build_world(level)
    start = goals.evaluate(level.goal, runner, [])
    assert not start.met and "0/8 pages" in start.detail
    half = goals.play(runner, O.MovePages(range=O.RangeSpec(id="A", pages=(0, 4), node=1)))
    mid = goals.evaluate(level.goal, runner, [half])
    assert not mid.met and "4/8 pages; first miss: page 4 is on node 0" in mid.detail
    runner, history = goals.replay_solution(level)
    assert goals.evaluate(level.goal, runner, history).met


def test_predict_goal_needs_the_right_prediction() -> None:
    level = load_level(LEVELS / "02_thp_tail_ebusy.toml")
    assert level.goal is not None and level.goal.predict is not None
    runner = goals.build_world(level)
    rec = goals.play(runner, level.goal.predict.request)
    wrong = Prediction(ret=0, status=["1", "1"])
    res = goals.evaluate(level.goal, runner, [rec], wrong)
    assert not res.met and "status[]" in res.detail
    right = Prediction(ret=0, status=["1", "-EBUSY"])
    assert goals.evaluate(level.goal, runner, [rec], right).met
    assert not goals.evaluate(level.goal, runner, [], right).met


def test_provoke_and_limits() -> None:
    level = load_level(LEVELS / "03_pinned_page.toml")
    assert level.goal is not None
    runner = goals.build_world(level)
    fine = goals.play(runner, O.MovePages(entries=[("A", 5, 1)]))
    assert not goals.evaluate(level.goal, runner, [fine]).met
    bad = goals.play(runner, O.MovePages(entries=[("A", 0, 1), ("A", 1, 1)]))
    res = goals.evaluate(level.goal, runner, [fine, bad])
    # provoked, but in the second call: the one-call limit fails
    assert [p.met for p in res.parts] == [True, False]
    drain = {"op": "lru_add_drain_all", "drained": 0}
    assert goals.evaluate(level.goal, runner, [drain, bad]).met


def test_describe_says_what_is_checked() -> None:
    level = load_level(LEVELS / "03_pinned_page.toml")
    assert level.goal is not None
    text = level.goal.describe()
    assert "returns a positive number" in text and "at most 1 move_pages call" in text


# -- schema -----------------------------------------------------------------------------------

def test_schema_is_checked_in_and_current() -> None:
    assert schema_path().read_text() == schema_text(), (
        "level.schema.json drifted: python -m migratelab.levels.schema > "
        "src/migratelab/levels/level.schema.json")
    schema = json.loads(schema_text())
    assert schema["$ref"] == "#/$defs/Level"
    assert "schema_version" in schema["$defs"]["Level"]["required"]


def test_game_layer_stays_free_of_ui() -> None:
    code = ("import sys, migratelab.levels, migratelab.levels.cli_check, "
            "migratelab.levels.pytest_plugin; "
            "print(any(m.split('.')[0] in ('textual', 'rich') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_every_shipped_chapter_has_a_title() -> None:
    from migratelab.levels import chapter_titles

    titles = chapter_titles()
    chapters = {load_level(p).level.chapter for p in shipped_levels()}
    assert chapters <= set(titles), f"chapters without a title: {chapters - set(titles)}"


def test_each_goal_field_is_judged_by_one_kind_class() -> None:
    from migratelab.levels import (
        Avoid,
        Goal,
        MigrateCallLimit,
        Placement,
        Predict,
        Provoke,
        SyscallLimit,
    )

    goal = Goal(placement=[Placement(id="A", node=1)],
                predict=Predict(request=O.Query(entries=[("A", 0)])),
                provoke=[Provoke(positive_return=True), Provoke(errno="ENODEV")],
                avoid=[Avoid(thp_split=True)], max_syscalls=2, max_migrate_calls=3)
    items = goal.items()
    assert [(where, type(part)) for where, part in items] == [
        ("$.goal.placement[0]", Placement), ("$.goal.predict", Predict),
        ("$.goal.provoke[0]", Provoke), ("$.goal.provoke[1]", Provoke),
        ("$.goal.avoid[0]", Avoid), ("$.goal.max_syscalls", SyscallLimit),
        ("$.goal.max_migrate_calls", MigrateCallLimit)]
    # every field of [goal] but its prose is some kind's
    named = {where.split(".")[2].split("[")[0] for where, _ in items}
    assert named == set(Goal.__struct_fields__) - {"text"}
    assert goal.parts() == [part.describe() for _, part in items]
    assert [part.positive for _, part in items] == [True, True, True, True, False, False,
                                                    False]


def test_goal_kinds_judge_a_real_run() -> None:
    level = parse_level(MINIMAL.replace(
        'placement = [{ id = "A", node = 1 }]',
        'placement = [{ id = "A", node = 1 }]\navoid = [{ positive_return = true }]\n'
        'max_syscalls = 1\nmax_migrate_calls = 1').encode())
    assert level.goal is not None
    runner = goals.build_world(level)
    start = goals.evaluate(level.goal, runner, [])
    assert [p.met for p in start.parts] == [False, True, True, True]
    one = goals.play(runner, O.MovePages(entries=[("A", 0, 1), ("A", 1, 1)]))
    two = goals.play(runner, O.MovePages(entries=[("A", 2, 1), ("A", 3, 1)]))
    res = goals.evaluate(level.goal, runner, [one, two])
    assert [p.met for p in res.parts] == [True, True, False, False]
    assert [p.detail for p in res.parts[2:]] == ["2 call(s) made",
                                                 "migrate_pages() was called 2 time(s)"]


def test_a_missing_or_special_file_is_a_level_error(tmp_path: Path) -> None:
    import os

    with pytest.raises(LevelError) as info:
        load_level(tmp_path / "missing.toml")
    assert info.value.missing and "\n" not in str(info.value)
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    with pytest.raises(LevelError) as info:  # refused at once, never blocks on open()
        load_level(fifo)
    assert not info.value.missing and str(info.value).startswith(str(fifo))
    big = tmp_path / "big.toml"
    big.write_text(MINIMAL + "#" * 300_000)
    with pytest.raises(LevelError, match="larger than"):
        load_level(big)


def test_a_placement_goal_reads_as_a_sentence() -> None:
    from migratelab.levels.goals.placement import Placement

    assert Placement(id="A", node=1).describe() == "every page of A is on node 1"
    assert Placement(id="A", node=1, pages=[3]).describe() == "A[3] is on node 1"
    assert Placement(id="A", node=0, pages=[(0, 4)], huge=False).describe() == \
        "A[0:4] are on node 0 as base pages"
    assert Placement(id="B", node=1, pages=[1, 5]).describe() == "B[1, 5] are on node 1"
