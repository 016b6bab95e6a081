"""Fuzzing level files: any mutation gives a clean one-line error, or a level that checks.

Mutations act on the decoded TOML (wrong types, missing fields, huge numbers, deep
nesting) and on the raw bytes (random bytes, truncation). Whatever comes out,
``parse_level`` either returns a Level or raises one ``LevelError`` line, and the
check items of a level that loads never raise.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migratelab.levels import Level, LevelError, parse_level
from migratelab.levels.check import item_names, run_item

LEVELS = Path(__file__).resolve().parent.parent / "src" / "migratelab" / "levels"
SOURCES = {p.name: p.read_bytes()
           for p in sorted(LEVELS.glob("*.toml")) + sorted(LEVELS.glob("tests/*.toml"))}

#: Modest by default to keep the suite fast; raise MIGRATELAB_FUZZ_EXAMPLES for a long run.
FUZZ = settings(max_examples=int(os.environ.get("MIGRATELAB_FUZZ_EXAMPLES", "60")),
                deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

#: Values that break types, limits and nesting.
NASTY: list[Any] = [
    -1, 0, 1 << 62, -(1 << 62), 2.5, True, "", "x" * 300, "N+999999", "-EBUSY", [], {},
    [[[[[[[[[[[[1]]]]]]]]]]]], {"op": "mmap"}, {"op": "nope"}, ["A", -1, 0],
    [1] * 70_000,
]


def paths_of(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into a decoded TOML document."""
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(paths_of(v, (*prefix, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.extend(paths_of(v, (*prefix, i)))
    return out


def mutate(doc: dict[str, Any], path: tuple[Any, ...], action: str, nasty: Any) -> None:
    if not path:
        return
    parent: Any = doc
    for step in path[:-1]:
        parent = parent[step]
    key = path[-1]
    if action == "delete":
        del parent[key]
    elif action == "nest":
        parent[key] = [[[[[[[[parent[key]]]]]]]]]
    else:
        parent[key] = nasty


def assert_clean(raw: bytes) -> Level | None:
    try:
        return parse_level(raw, "f.toml")
    except LevelError as exc:
        message = str(exc)
        assert message.startswith("f.toml")
        assert "\n" not in message and "Traceback" not in message
        return None


@FUZZ
@given(name=st.sampled_from(sorted(SOURCES)), data=st.data(),
       action=st.sampled_from(["delete", "replace", "replace", "nest"]),
       nasty=st.sampled_from(NASTY))
def test_mutated_documents(name: str, data: st.DataObject, action: str, nasty: Any) -> None:
    doc = tomllib.loads(SOURCES[name].decode())
    path = data.draw(st.sampled_from(paths_of(doc)))
    mutate(doc, path, action, nasty)
    try:
        raw = tomli_w.dumps(doc).encode()
    except (TypeError, ValueError):
        return  # tomli-w cannot write it (e.g. None); nothing to test
    level = assert_clean(raw)
    if level is not None:
        # a level that loads must also check without raising (items fail cleanly)
        for item in item_names(level)[:3]:
            result = run_item(level, item)
            assert "\n" not in result.message


@FUZZ
@given(name=st.sampled_from(sorted(SOURCES)), data=st.data())
def test_mutated_bytes(name: str, data: st.DataObject) -> None:
    raw = bytearray(SOURCES[name])
    for _ in range(data.draw(st.integers(1, 4))):
        pos = data.draw(st.integers(0, len(raw) - 1))
        raw[pos:pos + 1] = data.draw(st.binary(min_size=0, max_size=3))
    assert_clean(bytes(raw[: data.draw(st.integers(0, len(raw)))]))


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes(raw: bytes) -> None:
    assert assert_clean(raw) is None
