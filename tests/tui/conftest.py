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
    """Level 09's world on v6.12: no free 2 MiB block on node 1, so the THP is split.

    Its words are 09's own told again for 6.12 (09 asks about v4.14, where the
    call fails), and it has no hints or solution: they answer 09's question."""
    import msgspec

    from migratelab.levels import load_level
    from migratelab.tui.world import from_level

    level = load_level(LEVELS_DIR / "09_no_room_for_a_thp.toml")
    meta = msgspec.structs.replace(
        level.level, profile="v6.12", title="No room for a THP, on 6.12", explanation="",
        story=("Level 09's world on 6.12. Region **B** is one base page and region **A** "
               "one transparent huge page, both on node 0; node 1 has free 4 KiB frames "
               "but **no free 2 MiB block**. `B[0]` moves; for the THP the allocation "
               "callback finds no 2 MiB page, so `migrate_pages()` splits it "
               "(`split_huge_page_to_list()`, since 94723aafb9e7 in v4.17) and moves "
               "its 512 base pages instead."))
    assert level.goal is not None
    goal = msgspec.structs.replace(
        level.goal, text="Predict what move_pages reports on v6.12, and where B[0] and A[0] "
                         "end up.")
    level = msgspec.structs.replace(level, level=meta, goal=goal, hints=[], solution=None)
    return from_level(level)
