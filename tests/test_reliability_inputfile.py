"""Special files and huge files never hang or exhaust check, run or play (issue 14 §2)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from migratelab.inputfile import InputFileError, read_bounded, shorten

CLI = [sys.executable, "-m", "migratelab"]


def _specials(tmp_path: Path) -> dict[str, Path]:
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.toml"
    zero.symlink_to("/dev/zero")
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    loop = tmp_path / "loop.toml"
    loop.symlink_to(loop)
    return {"FIFO": fifo, "device": zero, "directory": folder, "symbolic links": loop}


def test_read_bounded_refuses_special_files(tmp_path: Path) -> None:
    for kind, path in _specials(tmp_path).items():
        with pytest.raises(InputFileError, match=kind) as info:
            read_bounded(path, 1000)
        assert str(path) in str(info.value)
        assert not info.value.missing


def test_read_bounded_limit_and_missing(tmp_path: Path) -> None:
    f = tmp_path / "f"
    f.write_bytes(b"x" * 10)
    assert read_bounded(f, 10) == b"x" * 10
    with pytest.raises(InputFileError, match="larger than 9 bytes"):
        read_bounded(f, 9)
    link = tmp_path / "link"
    link.symlink_to(f)
    assert read_bounded(link, 10) == b"x" * 10
    with pytest.raises(InputFileError) as info:
        read_bounded(tmp_path / "nope", 10)
    assert info.value.missing


@pytest.mark.parametrize("command", ["check", "run", "play"])
def test_cli_refuses_special_files_with_one_line(tmp_path: Path, command: str) -> None:
    for kind, path in _specials(tmp_path).items():
        if command == "check" and kind == "directory":
            continue  # a folder is searched for levels, tested in test_check
        proc = subprocess.run([*CLI, command, str(path)], capture_output=True, text=True,
                              timeout=60, stdin=subprocess.DEVNULL)
        out = (proc.stdout + proc.stderr).strip()
        assert proc.returncode == 2, out
        assert "Traceback" not in out
        error_lines = [ln for ln in out.splitlines() if str(path) in ln]
        assert len(error_lines) == 1 and kind in error_lines[0], out


def test_check_skips_a_fifo_inside_a_folder(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "x.toml")
    proc = subprocess.run([*CLI, "check", str(tmp_path)], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2
    assert "no level files found" in proc.stderr


def test_shorten_cuts_long_quoted_values() -> None:
    long = "a" * 100_000
    line = shorten(f"f.json:3: $.ops[0].id: no region named {long!r}; known: A")
    assert len(line) < 200
    assert "(100000 characters)" in line and line.endswith("known: A")
    assert shorten("short 'value'") == "short 'value'"
    assert "\n" not in shorten("two\nlines")
    assert len(shorten("x " * 10_000)) < 500


def test_shorten_is_idempotent() -> None:
    quoted = '"' + "C" * 5000 + '"'
    once = shorten(f"bad value {'B' * 100_000!r} and {quoted} {'D' * 9000}")
    assert shorten(once) == once
