"""PerVersion keeps a value while its version lasts, and only then."""

from __future__ import annotations

from migratelab.tui.widgets.per_version import PerVersion


def test_values_are_made_once_per_version() -> None:
    made: list[str] = []
    kept: PerVersion[str] = PerVersion()

    def make(key: str) -> str:
        made.append(key)
        return key.upper()

    assert kept.get(1, "a", lambda: make("a")) == "A"
    assert kept.get(1, "a", lambda: make("a")) == "A"
    assert kept.get(1, "b", lambda: make("b")) == "B"
    assert made == ["a", "b"]
    assert kept.get(2, "a", lambda: make("a")) == "A"  # a new version: made again
    assert made == ["a", "b", "a"]
