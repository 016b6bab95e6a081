"""Fixtures for the TUI tests: a private data dir and a fixed set of levels."""

from __future__ import annotations

from pathlib import Path

import pytest

from migratelab.tui.world import PlayLevel, demo_level, load_play_level

LEVELS_DIR = Path(__file__).resolve().parents[2] / "src" / "migratelab" / "levels"
FIRST = LEVELS_DIR / "01_first_move.toml"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Progress goes to a temporary directory."""
    d = tmp_path / "data"
    monkeypatch.setenv("MIGRATELAB_DATA_DIR", str(d))
    # the export key (x), pressed by a test or the key fuzz, writes here, not into the repo
    monkeypatch.setenv("MIGRATELAB_EXPORT_DIR", str(tmp_path / "runs"))
    return d


def fixed_levels() -> list[PlayLevel]:
    """A stable level list for snapshots: the first shipped level and the demo."""
    return [load_play_level(FIRST), demo_level()]


def split_level() -> PlayLevel:
    """Level 09's world on v6.12: no free 2 MiB block on node 1, so the THP is split."""
    import msgspec

    from migratelab.levels import load_level
    from migratelab.tui.world import from_level

    level = load_level(LEVELS_DIR / "09_no_room_for_a_thp.toml")
    level = msgspec.structs.replace(
        level, level=msgspec.structs.replace(level.level, profile="v6.12"))
    return from_level(level)
