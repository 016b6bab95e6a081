"""Saved progress survives every bad file (issue 14 §1) and keys by content (issue 8 §3)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from migratelab.game import progress as P
from migratelab.game.progress import LevelRecord, Progress, load_progress, save_progress

GOOD = {"version": 1, "solved": {"first-move": {"syscalls": 1, "stars": 3,
                                                "pages_moved": 64, "migrate_calls": 1}}}

#: Every kind of corrupt content the issue lists, and a few more.
CORRUPT: dict[str, bytes] = {
    "not-utf8": b'{"solved": {"\xff\xfe": {"syscalls": 1, "stars": 3}}}',
    "latin1": "{\"solved\": {\"caf\xe9\": {}}}".encode("latin-1"),
    "infinity": b'{"solved": {"a": {"syscalls": Infinity, "stars": 3}}}',
    "nan": b'{"solved": {"a": {"syscalls": NaN, "stars": 3}}}',
    "huge-int": b'{"solved": {"a": {"syscalls": 1e400, "stars": 3}}}',
    "deep-list": b"[" * 200_000 + b"]" * 200_000,
    "deep-object": b'{"solved": {"a": ' + b'{"x": ' * 100_000 + b"1" + b"}" * 100_002,
    "deep-unknown": b'{"solved": {}, "extra": ' + b"[" * 200_000 + b"]" * 200_000 + b"}",
    "stars-out-of-range": b'{"solved": {"a": {"syscalls": 1, "stars": 99}}}',
    "negative": b'{"solved": {"a": {"syscalls": -1, "stars": 3}}}',
    "float-stars": b'{"solved": {"a": {"syscalls": 1, "stars": 2.5}}}',
    "bool-stars": b'{"solved": {"a": {"syscalls": 1, "stars": true}}}',
    "string-count": b'{"solved": {"a": {"syscalls": "1", "stars": 3}}}',
    "missing-field": b'{"solved": {"a": {"stars": 3}}}',
    "bad-key": b'{"solved": {"../../etc": {"syscalls": 1, "stars": 3}}}',
    "solved-list": b'{"solved": [1, 2]}',
    "top-list": b"[]",
    "empty": b"",
    "truncated": json.dumps(GOOD).encode()[:-7],
    "nul": b"\x00" * 100,
    "future-version": b'{"version": 99, "solved": {}}',
}


def _aside(d: Path) -> list[Path]:
    return sorted(d.glob("progress.json.corrupt-*"))


@pytest.mark.parametrize("kind", sorted(CORRUPT))
def test_corrupt_file_is_set_aside_and_kept(tmp_path: Path, kind: str) -> None:
    p = tmp_path / "progress.json"
    p.write_bytes(CORRUPT[kind])
    prog = load_progress(p)
    assert prog.solved == {}
    assert prog.warning and "moved to progress.json.corrupt-" in prog.warning
    assert len(prog.warning) < 500
    [aside] = _aside(tmp_path)
    assert aside.read_bytes() == CORRUPT[kind]  # nothing lost
    assert not p.exists()
    assert prog.writable


def test_bom_is_accepted(tmp_path: Path) -> None:
    p = tmp_path / "progress.json"
    p.write_bytes(b"\xef\xbb\xbf" + json.dumps(GOOD).encode())
    prog = load_progress(p)
    assert prog.warning is None
    assert prog.solved["first-move"] == LevelRecord(1, 3, 64, 1)


def test_old_files_without_optional_fields_load(tmp_path: Path) -> None:
    p = tmp_path / "progress.json"
    p.write_text('{"solved": {"a": {"syscalls": 2, "stars": 1}}, "new_field": [1]}')
    assert load_progress(p).solved == {"a": LevelRecord(2, 1)}


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "directory", "symlink-loop"])
def test_special_file_in_place_does_not_hang_and_is_set_aside(tmp_path: Path,
                                                              kind: str) -> None:
    p = tmp_path / "progress.json"
    if kind == "fifo":
        os.mkfifo(p)
    elif kind == "dev-zero":
        p.symlink_to("/dev/zero")
    elif kind == "directory":
        p.mkdir()
    else:
        p.symlink_to(p)
    prog = load_progress(p)  # returns at once: no blocking open, no endless read
    assert prog.solved == {} and prog.warning and prog.writable
    assert len(_aside(tmp_path)) == 1
    prog.record("a", LevelRecord(1, 3))
    assert save_progress(prog) is None
    assert load_progress(p).solved == {"a": LevelRecord(1, 3)}


def test_unique_names_for_two_corruptions_in_one_second(tmp_path: Path) -> None:
    p = tmp_path / "progress.json"
    for i in range(5):
        p.write_bytes(b"garbage %d" % i)
        load_progress(p)
    asides = _aside(tmp_path)
    assert len(asides) == 5
    assert sorted(a.read_bytes() for a in asides) == [b"garbage %d" % i for i in range(5)]


def test_unreadable_file_that_cannot_be_moved_is_never_overwritten(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "progress.json"
    p.write_bytes(json.dumps(GOOD).encode())

    def eio(*_a: object, **_k: object) -> bytes:
        raise P.InputFileError(f"{p}: cannot read: Input/output error")

    def no_rename(*_a: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(P, "read_bounded", eio)
    monkeypatch.setattr(P.os, "rename", no_rename)
    prog = load_progress(p)
    assert not prog.writable and prog.warning and "not be saved" in prog.warning
    prog.record("other", LevelRecord(1, 3))
    error = save_progress(prog)
    assert error and "not saved" in error
    monkeypatch.undo()
    assert json.loads(p.read_text()) == GOOD  # the good file is intact


def test_save_merges_with_what_another_window_saved(tmp_path: Path) -> None:
    p = tmp_path / "progress.json"
    a, b = load_progress(p), load_progress(p)
    a.record("one", LevelRecord(2, 2))
    assert save_progress(a) is None
    b.record("two", LevelRecord(1, 3))
    b.record("one", LevelRecord(5, 1))  # worse than what a saved
    assert save_progress(b) is None
    assert load_progress(p).solved == {"one": LevelRecord(2, 2), "two": LevelRecord(1, 3)}


def test_save_sets_aside_a_file_that_went_bad_meanwhile(tmp_path: Path) -> None:
    p = tmp_path / "progress.json"
    prog = load_progress(p)
    p.write_bytes(b"\xff not json")
    prog.record("a", LevelRecord(1, 3))
    message = save_progress(prog)
    assert message and "moved to" in message
    assert load_progress(p).solved == {"a": LevelRecord(1, 3)}
    assert [x.read_bytes() for x in _aside(tmp_path)] == [b"\xff not json"]


def test_rename_and_directory_are_fsynced(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[bool] = []
    real = os.fsync

    def spy(fd: int) -> None:
        synced.append(os.path.isdir(f"/proc/self/fd/{fd}"))
        real(fd)

    monkeypatch.setattr(P.os, "fsync", spy)
    prog = Progress(path=tmp_path / "progress.json")
    prog.record("a", LevelRecord(1, 1))
    assert save_progress(prog) is None
    assert synced == [False, True]  # the temp file, then the directory after the rename


def test_record_keeps_the_best() -> None:
    prog = Progress()
    assert prog.record("a", LevelRecord(3, 2))
    assert not prog.record("a", LevelRecord(4, 2))
    assert not prog.record("a", LevelRecord(1, 1))
    assert prog.record("a", LevelRecord(2, 2))
    assert prog.record("a", LevelRecord(9, 3))
    assert prog.solved["a"] == LevelRecord(9, 3)


def test_progress_key_by_content(tmp_path: Path) -> None:
    from migratelab.levels import shipped_levels

    shipped = shipped_levels()[0]
    raw = shipped.read_bytes()
    assert P.progress_key("first-move", raw) == "first-move"
    edited = raw + b"\n# my edit\n"
    key = P.progress_key("first-move", edited)
    assert key.startswith("first-move@") and key != P.progress_key("first-move", raw + b" ")
    # such a key round-trips through the file
    p = tmp_path / "progress.json"
    prog = Progress(path=p)
    prog.record(key, LevelRecord(1, 3))
    assert save_progress(prog) is None
    assert key in load_progress(p).solved


def test_play_file_keeps_an_edited_copy_apart(tmp_path: Path) -> None:
    from migratelab.levels import shipped_levels
    from migratelab.tui.cli_play import check_notice
    from migratelab.tui.world import load_play_level

    original = shipped_levels()[0]
    same = load_play_level(original)
    assert same.key() == same.id
    assert check_notice(str(original)) is None
    copy = tmp_path / "mine.toml"
    copy.write_text(original.read_text() + "\n# edited\n")
    edited = load_play_level(copy)
    assert edited.id == same.id and edited.key().startswith(f"{same.id}@")


def test_play_file_that_fails_check_opens_with_a_warning(tmp_path: Path) -> None:
    from migratelab.levels import shipped_levels
    from migratelab.tui.cli_play import check_notice

    text = shipped_levels()[0].read_text()
    assert "\nret = 0\n" in text
    bad = tmp_path / "bad.toml"
    # a recorded expectation that the kernel does not give makes check fail
    bad.write_text(text.replace("\nret = 0\n", "\nret = 7\n", 1))
    notice = check_notice(str(bad))
    assert notice and "fails migratelab check" in notice and str(bad) in notice
