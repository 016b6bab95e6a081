"""Reading level files: decode, validate, and find the shipped ones.

The file is decoded with :mod:`tomllib`, converted into :class:`Level` with
``msgspec.convert``, then checked for meaning and limits
(:mod:`migratelab.levels.validate`). Every problem with a file becomes one
:class:`LevelError` whose message is the whole report,
``FILE:LINE: $.path: what is wrong``, and never a traceback.
"""

from __future__ import annotations

import json
import re
import tomllib
from importlib import resources
from pathlib import Path

import msgspec

from migratelab.levels.base import SCHEMA_VERSION
from migratelab.levels.format import Level
from migratelab.levels.locate import line_of
from migratelab.levels.rules import MAX_LEVEL_BYTES
from migratelab.levels.validate import first_problem
from migratelab.scenario.loading import InputError, read_input, split_msgspec_error


class LevelError(InputError):
    """A level file that cannot be used: the message is the whole one-line report."""


_LEVEL_TABLE = re.compile(rb"^\s*\[\s*level\s*\]", re.M)
_SCHEMA_KEY = re.compile(rb"^\s*schema_version\s*=", re.M)
_FIRST_TABLE = re.compile(rb"^\s*\[", re.M)


def is_level_file(path: str | Path) -> bool:
    """The collection rule: a ``.toml`` file (not ``pyproject.toml``) that sets a
    top-level ``schema_version`` (before any table) and has a ``[level]`` table.

    Decided by content, so a broken level is still collected (and its schema check
    fails loudly), while other TOML files in the same folder are left alone.
    """
    p = Path(path)
    if p.suffix != ".toml" or p.name == "pyproject.toml" or not p.is_file():
        return False  # is_file(): a FIFO named x.toml would block open() forever
    try:
        with p.open("rb") as fh:
            head = fh.read(MAX_LEVEL_BYTES)
    except OSError:
        return False
    first_table = _FIRST_TABLE.search(head)
    key = _SCHEMA_KEY.search(head)
    if key is None or (first_table is not None and first_table.start() < key.start()):
        return False
    return _LEVEL_TABLE.search(head) is not None


def shipped_dir() -> Path:
    """The folder of playable levels installed with the package."""
    return Path(str(resources.files("migratelab.levels")))


def shipped_tests_dir() -> Path:
    """The folder of shipped pure test cases (levels with no goal, never listed to play)."""
    return shipped_dir() / "tests"


def _sorted_levels(folder: Path) -> list[Path]:
    keyed: list[tuple[int, int, str, Path]] = []
    for path in sorted(folder.glob("*.toml")):
        try:
            meta = load_level(path).level
            keyed.append((meta.chapter, meta.order, meta.id, path))
        except InputError:
            keyed.append((1 << 30, 0, path.name, path))  # broken ones last, still listed
    return [k[3] for k in sorted(keyed)]


def shipped_levels() -> list[Path]:
    """Shipped playable level files, sorted by (chapter, order, id)."""
    return _sorted_levels(shipped_dir())


def shipped_tests() -> list[Path]:
    """Shipped pure test cases (``levels/tests/*.toml``), sorted like the levels."""
    return _sorted_levels(shipped_tests_dir())


def chapter_titles() -> dict[int, str]:
    """Titles of the shipped chapters (``levels/chapters.json``), by number."""
    path = shipped_dir() / "chapters.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {int(k): str(v) for k, v in data.items() if str(k).isdigit()}


def load_level(path: str | Path) -> Level:
    """Read, decode and validate a level file; raises :class:`LevelError` (one line)."""
    p = Path(path)
    try:
        raw = read_input(p)
    except InputError as exc:
        raise LevelError(str(exc)) from None
    return parse_level(raw, str(p))


def parse_level(raw: bytes, name: str = "<level>") -> Level:
    """Decode and validate the bytes of a level file named ``name``."""
    if len(raw) > MAX_LEVEL_BYTES:
        raise LevelError(f"{name}: file is larger than {MAX_LEVEL_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise LevelError(f"{name}:{line}: not a text file (invalid UTF-8 at byte "
                         f"{exc.start})") from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise LevelError(f"{name}:{line}: not a text file (NUL byte)")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LevelError(_toml_error(name, str(exc))) from None
    except RecursionError:
        raise LevelError(f"{name}: not valid TOML: nested too deeply") from None

    def fail(where: str, message: str) -> LevelError:
        line = line_of(text, where)
        loc = f"{name}:{line}" if line else name
        return LevelError(f"{loc}: {where}: {message}")

    version = data.get("schema_version")
    if version is None:
        raise fail("$", "missing schema_version (this migratelab reads schema_version = 1)")
    if version != SCHEMA_VERSION or isinstance(version, bool):
        raise fail("$.schema_version", f"unsupported schema_version {version!r} "
                                       f"(this migratelab reads {SCHEMA_VERSION})")
    try:
        level = msgspec.convert(data, Level)
    except msgspec.ValidationError as exc:
        where, message = split_msgspec_error(str(exc))
        raise fail(where, message) from None
    except RecursionError:
        raise fail("$", "nested too deeply") from None
    problem = first_problem(level)
    if problem is not None:
        raise fail(*problem)
    return level


_TOML_AT = re.compile(r"^(.*) \(at line (\d+), column (\d+)\)$")


def _toml_error(name: str, text: str) -> str:
    m = _TOML_AT.match(text)
    if m:
        message = m.group(1)
        return f"{name}:{m.group(2)}: not valid TOML: {message[:1].lower()}{message[1:]}"
    return f"{name}: not valid TOML: {text[:1].lower()}{text[1:]}"
