"""Level files: loading, the shipped levels and the JSON Schema.

A level is the project's shareable unit. The file is decoded with :mod:`tomllib`,
then converted into :class:`Level` (the Structs live in ``level_types``) with
``msgspec.convert``, then checked for meaning and limits (``level_validate``).
This module re-exports the public names, so ``from migratelab.scenario.levels
import Level, load_level`` is all a caller needs.

Every problem with a file becomes one :class:`InputError` whose message is the
whole report, ``FILE:LINE: $.path: what is wrong``. Besides decoding, the loader
checks meaning (regions that exist, nodes the machine has, known profiles, a
solution that does something) and limits (file size, memory, op and page counts)
so that a shared file cannot exhaust memory or time.

``docs/level-format.md`` describes the format with an annotated example; the JSON
Schema in ``migratelab/levels/level.schema.json`` is generated from these Structs
(``python -m migratelab.scenario.levels > src/migratelab/levels/level.schema.json``).
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import msgspec

from migratelab.scenario import ops as O
from migratelab.scenario.level_locate import line_of
from migratelab.scenario.level_types import (
    SCHEMA_VERSION,
    SYSCALL_OPS,
    Expect,
    ExpectResult,
    Goal,
    Hint,
    Level,
    LevelMeta,
    MachineSection,
    Mark,
    Outcome,
    Placement,
    PlayerOp,
    Predict,
    PredictField,
    Prediction,
    Request,
    Solution,
    outcome_text,
    request_text,
)
from migratelab.scenario.level_validate import MAX_LEVEL_BYTES, first_problem
from migratelab.scenario.loading import InputError, read_input, split_msgspec_error

__all__ = [
    "SCHEMA_VERSION",
    "SYSCALL_OPS",
    "Expect",
    "ExpectResult",
    "Goal",
    "Hint",
    "InputError",
    "Level",
    "LevelMeta",
    "MachineSection",
    "Mark",
    "Outcome",
    "Placement",
    "PlayerOp",
    "Predict",
    "PredictField",
    "Prediction",
    "Request",
    "Solution",
    "chapter_titles",
    "is_level_file",
    "iter_requests",
    "level_schema",
    "load_level",
    "outcome_text",
    "parse_level",
    "request_text",
    "schema_path",
    "schema_text",
    "shipped_dir",
    "shipped_levels",
]


# -- loading ----------------------------------------------------------------------------

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
    """The folder of levels installed with the package."""
    return Path(str(resources.files("migratelab") / "levels"))


def shipped_levels() -> list[Path]:
    """Shipped level files, sorted by (chapter, order, id)."""
    keyed: list[tuple[int, int, str, Path]] = []
    for path in sorted(shipped_dir().glob("*.toml")):
        try:
            meta = load_level(path).level
            keyed.append((meta.chapter, meta.order, meta.id, path))
        except InputError:
            keyed.append((1 << 30, 0, path.name, path))  # broken ones last, still listed
    return [k[3] for k in sorted(keyed)]


def chapter_titles() -> dict[int, str]:
    """Titles of the shipped chapters (``levels/chapters.json``), by number."""
    path = shipped_dir() / "chapters.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {int(k): str(v) for k, v in data.items() if str(k).isdigit()}


def load_level(path: str | Path) -> Level:
    """Read, decode and validate a level file; raises :class:`InputError` (one line)."""
    p = Path(path)
    return parse_level(read_input(p), str(p))


def parse_level(raw: bytes, name: str = "<level>") -> Level:
    """Decode and validate the bytes of a level file named ``name``."""
    if len(raw) > MAX_LEVEL_BYTES:
        raise InputError(f"{name}: file is larger than {MAX_LEVEL_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputError(f"{name}:{line}: not a text file (invalid UTF-8 at byte "
                         f"{exc.start})") from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise InputError(f"{name}:{line}: not a text file (NUL byte)")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(_toml_error(name, str(exc))) from None
    except RecursionError:
        raise InputError(f"{name}: not valid TOML: nested too deeply") from None

    def fail(where: str, message: str) -> InputError:
        line = line_of(text, where)
        loc = f"{name}:{line}" if line else name
        return InputError(f"{loc}: {where}: {message}")

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


# -- schema -------------------------------------------------------------------------------

def level_schema() -> dict[str, Any]:
    """The JSON Schema of a level file, generated from the Structs."""
    schema: dict[str, Any] = msgspec.json.schema(Level)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "migratelab level file"
    schema["description"] = ("A migratelab level (TOML, schema_version = 1). Generated by "
                             "'python -m migratelab.scenario.levels'; see "
                             "docs/level-format.md.")
    return schema


def schema_text() -> str:
    """The schema as the checked-in file spells it."""
    return json.dumps(level_schema(), indent=2, sort_keys=True) + "\n"


def schema_path() -> Path:
    """Where the checked-in schema lives."""
    return shipped_dir() / "level.schema.json"


def iter_requests(level: Level) -> Iterator[tuple[str, Request]]:
    """Every request a level names, with its path (for tools and tests)."""
    if level.goal is not None and level.goal.predict is not None:
        yield "$.goal.predict.request", level.goal.predict.request
    if level.solution is not None:
        for i, op in enumerate(level.solution.ops):
            if isinstance(op, (O.MovePages, O.Query)):
                yield f"$.solution.ops[{i}]", op
    for i, exp in enumerate(level.expect):
        yield f"$.expect[{i}].request", exp.request


if __name__ == "__main__":  # pragma: no cover - regenerates the checked-in schema
    print(schema_text(), end="")
