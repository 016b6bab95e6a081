"""pytest plugin: level files are test files.

Registered as the ``pytest11`` entry point ``migratelab``. ``pytest levels/``
collects every *level file* in the folder (see
:func:`migratelab.levels.is_level_file`: a ``.toml`` file, never
``pyproject.toml``, whose content sets a top-level ``schema_version`` and has a
``[level]`` table). Each file gives the items ``schema``, ``solution`` (when the
level has a goal) and one ``expect[i]-PROFILE`` per expectation and profile, so
``pytest levels/01_first_move.toml::solution`` runs one of them. A failure shows
the level path, what differs and the ``status[]`` diff.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from migratelab.levels.check import ItemResult, item_names, run_item
from migratelab.levels.format import Level
from migratelab.levels.loading import is_level_file, load_level
from migratelab.scenario.loading import InputError


class LevelCheckFailed(Exception):
    """A level item failed; the message is the whole report."""


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> LevelFile | None:
    """Collect level files only (decided by content, see the module docstring)."""
    if is_level_file(file_path):
        return LevelFile.from_parent(parent, path=file_path)
    return None


class LevelFile(pytest.File):
    """One level file."""

    def collect(self) -> Iterator[LevelItem]:
        """``schema`` always; the rest only when the file loads."""
        level: Level | None = None
        error = ""
        try:
            level = load_level(self.path)
        except InputError as exc:
            error = str(exc)
        yield LevelItem.from_parent(self, name="schema", level=level, error=error)
        if level is not None:
            for name in item_names(level):
                yield LevelItem.from_parent(self, name=name, level=level, error="")


class LevelItem(pytest.Item):
    """One check of one level."""

    def __init__(self, *, level: Level | None, error: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.level = level
        self.error = error

    def runtest(self) -> None:
        """Run the check; a failure raises :class:`LevelCheckFailed`."""
        if self.name == "schema":
            if self.level is None:
                raise LevelCheckFailed(self.error)
            return
        assert self.level is not None
        result: ItemResult = run_item(self.level, self.name)
        if not result.ok:
            text = f"{self.path}::{self.name}: {result.message}"
            if result.diff:
                text += "\n" + "\n".join(f"    {row}" for row in result.diff.splitlines())
            raise LevelCheckFailed(text)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        """The level's own report, not a Python traceback."""
        if isinstance(excinfo.value, LevelCheckFailed):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        """Where the item comes from, as pytest prints it."""
        return self.path, None, self.name
