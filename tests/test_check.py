"""``migratelab check`` and the pytest plugin, on shipped and on broken levels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migratelab.cli import main

pytest_plugins = ["pytester"]

LEVELS = Path(__file__).resolve().parent.parent / "src" / "migratelab" / "levels"
PINNED = (LEVELS / "03_pinned_page.toml").read_text()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str]]:
    code = main(["check", *argv])
    return code, capsys.readouterr().out.splitlines()


def test_shipped_levels_pass(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = run(capsys)
    assert code == 0
    assert lines[-1] == f"{len(lines) - 1} passed, 0 failed"
    assert all(line.startswith("PASS ") for line in lines[:-1])


def test_no_argument_checks_the_shipped_levels_and_test_cases(
        capsys: pytest.CaptureFixture[str]) -> None:
    from migratelab.levels import shipped_levels, shipped_tests

    code, lines = run(capsys)
    checked = {line.split()[1] for line in lines[:-1]}
    want = {str(p.relative_to(Path.cwd())) if p.is_relative_to(Path.cwd()) else str(p)
            for p in [*shipped_levels(), *shipped_tests()]}
    assert code == 0 and checked == want
    assert any("/levels/tests/" in p for p in checked), "no shipped test case was checked"
    assert not any("/levels/tests/" in str(p) for p in shipped_levels())


def test_pure_test_cases_are_not_playable() -> None:
    from migratelab.levels import load_level, shipped_levels, shipped_tests
    from migratelab.tui.world import shipped

    assert shipped_tests(), "no shipped test case"
    assert all(load_level(p).goal is None for p in shipped_tests())
    assert all(load_level(p).goal is not None for p in shipped_levels())
    listed = {lv.path for lv in shipped()}
    assert listed == set(shipped_levels())


def test_wrong_expectation_fails_with_a_marked_diff(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # claim v6.12 writes the nodes into status[] (it leaves them untouched)
    bad = PINNED.replace('profiles = ["v4.17", "v5.6", "v6.1", "v6.12"]\nret = 1\n'
                         'status = ["UNSET", "UNSET", "UNSET"]',
                         'profiles = ["v4.17", "v5.6", "v6.1"]\nret = 1\n'
                         'status = ["UNSET", "UNSET", "UNSET"]\n\n[[expect.results]]\n'
                         'profiles = ["v6.12"]\nret = 1\nstatus = ["1", "UNSET", "1"]')
    assert bad != PINNED
    path = tmp_path / "pinned.toml"
    path.write_text(bad)
    code, lines = run(capsys, str(path))
    assert code == 1
    assert lines[0].startswith(f"FAIL {path} (pinned-page): 1 of ")
    text = "\n".join(lines)
    assert "expect[0]-v6.12: three pages, the middle one pinned differs in status[]" in text
    assert any(line.split() == ["[0]", "1", "UNSET", "*"] for line in lines)
    assert any(line.split() == ["[1]", "UNSET", "UNSET"] for line in lines)
    assert lines[-1] == "0 passed, 1 failed"


def test_goal_met_at_start_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "x.toml"
    path.write_text(PINNED.replace("provoke = [{ positive_return = true }]",
                                   "placement = [{ id = \"A\", node = 0 }]"))
    code, lines = run(capsys, str(path))
    assert code == 1
    assert "solution: the goal is already met before any move" in "\n".join(lines)


def test_unreadable_input_exits_2_with_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "notes.txt"  # named explicitly: checked whatever its name
    path.write_text(PINNED.replace("pages = 16", "pages = \"many\""))
    code, lines = run(capsys, str(path))
    assert code == 2
    line = PINNED[:PINNED.index("pages = 16")].count("\n") + 1
    assert lines == [f"ERROR {path}:{line}: $.setup[0].pages: expected int, got str",
                     "0 passed, 1 failed"]


def test_json_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.toml").write_text(PINNED)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    code, lines = run(capsys, "--json", str(tmp_path))
    report = json.loads("\n".join(lines))
    assert code == 0 and report["passed"] == 1 and report["failed"] == 0
    names = [i["name"] for i in report["levels"][0]["items"]]
    assert names[:3] == ["schema", "solution", "expect[0]-v4.14"]


def test_pytest_collects_level_files(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", pinned=PINNED)
    pytester.makefile(".toml", pyproject="[project]\nname = 'x'\n")
    pytester.makefile(".toml", broken="schema_version = 1\n[level]\nid = 3\n")
    wrong = PINNED.replace('profiles = ["v5.12"]\nret = 0', 'profiles = ["v5.12"]\nret = 5')
    pytester.makefile(".toml", wrong=wrong)
    # the snapshot plugin's session hooks assume one session per process
    quiet = ("-p", "no:cacheprovider", "-p", "no:textual-snapshot", "-p", "no:asyncio")
    result = pytester.runpytest(*quiet, "-q")
    result.assert_outcomes(passed=39, failed=2)  # 20 + 19 + 0
    out = result.stdout.str()
    assert "broken.toml:3: $.level.id: expected str, got int" in out
    assert "wrong.toml::expect[0]-v5.12: three pages, the middle one pinned differs in ret" \
        in out
    assert "ret: expected 5, actual 0" in out
    one = pytester.runpytest(*quiet, "pinned.toml::solution")
    one.assert_outcomes(passed=1)


def test_pytest_collects_the_shipped_test_cases(pytester: pytest.Pytester) -> None:
    from migratelab.levels import shipped_tests, shipped_tests_dir

    quiet = ("-p", "no:cacheprovider", "-p", "no:textual-snapshot", "-p", "no:asyncio")
    result = pytester.runpytest(*quiet, "-q", "--collect-only", str(shipped_tests_dir()))
    out = result.stdout.str()
    for path in shipped_tests():
        assert f"{path.name}::schema" in out and f"{path.name}::expect[0]-" in out
