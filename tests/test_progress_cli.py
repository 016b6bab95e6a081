"""``migratelab progress export|import|reset`` (issue 10 §5)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from migratelab.cli import main
from migratelab.game.progress import LevelRecord, Progress, load_progress, save_progress


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "store"
    monkeypatch.setenv("MIGRATELAB_DATA_DIR", str(d))
    return d / "progress.json"


def _seed(path: Path, solved: dict[str, LevelRecord]) -> None:
    prog = Progress(path=path)
    prog.merge(solved)
    assert save_progress(prog) is None


MINE = {"first-move": LevelRecord(1, 3, 64, 1), "thp-tail-ebusy": LevelRecord(3, 2, 10, 2),
        "first-move@0123456789abcdef": LevelRecord(2, 1)}


def test_export_then_import_into_empty_store_gives_the_same_progress(
        store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    _seed(store, MINE)
    assert main(["progress", "export"]) == 0
    exported = capsys.readouterr().out
    assert json.loads(exported)["solved"]["first-move"]["stars"] == 3
    out_file = tmp_path / "backup.json"
    assert main(["progress", "export", str(out_file)]) == 0
    assert out_file.read_text() == exported
    other = tmp_path / "other"
    monkeypatch.setenv("MIGRATELAB_DATA_DIR", str(other))
    assert main(["progress", "import", str(out_file)]) == 0
    assert "imported 3 of 3" in capsys.readouterr().out
    assert load_progress(other / "progress.json").solved == MINE


def test_import_never_lowers_a_result(store: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    _seed(store, MINE)
    older = tmp_path / "older.json"
    older.write_text(json.dumps({"version": 1, "solved": {
        "first-move": {"syscalls": 5, "stars": 1},          # worse: fewer stars
        "thp-tail-ebusy": {"syscalls": 4, "stars": 2},      # worse: more syscalls
        "thp-tail-ebusy@ffffffffffffffff": {"syscalls": 1, "stars": 3},  # new key
        "pinned-page": {"syscalls": 2, "stars": 3}}}))       # new level
    assert main(["progress", "import", str(older)]) == 0
    assert "imported 2 of 4" in capsys.readouterr().out
    solved = load_progress(store).solved
    assert solved["first-move"] == MINE["first-move"]
    assert solved["thp-tail-ebusy"] == MINE["thp-tail-ebusy"]
    assert solved["pinned-page"] == LevelRecord(2, 3)
    better = tmp_path / "better.json"
    better.write_text('{"solved": {"thp-tail-ebusy": {"syscalls": 2, "stars": 2}}}')
    assert main(["progress", "import", str(better)]) == 0
    assert load_progress(store).solved["thp-tail-ebusy"] == LevelRecord(2, 2)


@pytest.mark.parametrize("content", [b"\xff\xfe", b'{"solved": {"a": {"syscalls": Infinity, '
                                     b'"stars": 1}}}', b"[" * 100_000, b"{}",
                                     b'{"solved": {"a": {"syscalls": 1, "stars": 4}}}'])
def test_a_bad_import_gets_one_line_and_changes_nothing(
        store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        content: bytes) -> None:
    _seed(store, MINE)
    before = store.read_bytes()
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    assert main(["progress", "import", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(bad) in err and "nothing was changed" in err
    assert store.read_bytes() == before
    assert bad.read_bytes() == content  # an import file is never moved aside


def test_import_of_special_files_is_refused(store: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    zero = tmp_path / "zero.json"
    zero.symlink_to("/dev/zero")
    assert main(["progress", "import", str(zero)]) == 2
    assert "device" in capsys.readouterr().err


def test_reset_asks_and_keeps_a_backup(store: Path, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _seed(store, MINE)
    for answer in ("", "n\n", "no\n"):
        monkeypatch.setattr("sys.stdin", io.StringIO(answer))
        assert main(["progress", "reset"]) == 1
        assert load_progress(store).solved == MINE
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    assert main(["progress", "reset"]) == 0
    assert load_progress(store).solved == {}
    [backup] = store.parent.glob("progress.json.before-reset-*")
    assert load_progress(backup).solved == MINE
    _seed(store, MINE)
    assert main(["progress", "reset", "--yes"]) == 0
    assert not store.exists()
    capsys.readouterr()
    assert main(["progress", "reset", "--yes"]) == 0
    assert "nothing to reset" in capsys.readouterr().out
