"""Mutation fuzzing, short by default (issue 14 "Tests and figures").

``MIGRATELAB_FUZZ_LONG=1`` runs the long counts: 10,000 mutated level files
through check and play, 5,000 mutated scenarios through ``run --json`` on each of
two profiles, 2,000 corrupt progress files. The harness is ``tests/fuzzing.py``.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest
from fuzzing import fuzz_levels, fuzz_scenarios, mutate_bytes

from migratelab.game.progress import LevelRecord, Progress, load_progress, save_progress

LONG = bool(os.environ.get("MIGRATELAB_FUZZ_LONG"))


def test_mutated_level_files_through_check_and_play() -> None:
    counts = fuzz_levels(10_000 if LONG else 12, seed=7)
    print(counts.line("levels"))
    assert counts.failures == []
    assert counts.ok and counts.refused  # both kinds were exercised


@pytest.mark.parametrize("profile", ["6.1", "6.12"])
def test_mutated_scenarios_through_run_json(profile: str) -> None:
    counts = fuzz_scenarios(5_000 if LONG else 30, seed=8, profile=profile)
    print(counts.line(f"scenarios {profile}"))
    assert counts.failures == []
    assert counts.ok and counts.refused


def test_corrupt_progress_files_lose_nothing(tmp_path: Path) -> None:
    rng = random.Random(9)
    good = Progress(path=tmp_path / "seed.json")
    for i in range(20):
        good.record(f"level-{i}", LevelRecord(i + 1, i % 4, i * 10, i))
    assert save_progress(good) is None
    raw = (tmp_path / "seed.json").read_bytes()
    p = tmp_path / "progress.json"
    for _ in range(2_000 if LONG else 60):
        data = mutate_bytes(raw, rng)
        p.write_bytes(data)
        prog = load_progress(p)
        asides = sorted(tmp_path.glob("progress.json.corrupt-*"))
        if prog.warning is None:  # still valid: every value is within bounds
            assert all(0 <= r.stars <= 3 and r.syscalls >= 0 for r in prog.solved.values())
            assert p.read_bytes() == data
        else:
            assert prog.writable and not p.exists()
            assert (asides and asides[-1].read_bytes() == data) or \
                any(a.read_bytes() == data for a in asides)
            for a in asides:
                a.unlink()
        prog.record("won", LevelRecord(1, 3))
        assert save_progress(prog) is None
        assert load_progress(p).solved["won"] == LevelRecord(1, 3)
        json.loads(p.read_text())


async def test_the_app_starts_and_warns_on_a_corrupt_progress_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from migratelab.tui.app import MigrateLabApp

    monkeypatch.setenv("MIGRATELAB_DATA_DIR", str(tmp_path))
    for content in (b"\xff\xfe", b'{"solved": {"a": {"syscalls": Infinity, "stars": 1}}}',
                    b"[" * 100_000):
        (tmp_path / "progress.json").write_bytes(content)
        app = MigrateLabApp()
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            notes = [n.message for n in app._notifications]
            assert any("moved to progress.json.corrupt-" in m for m in notes), notes
        assert app._exception is None
    asides = sorted(tmp_path.glob("progress.json.corrupt-*"))
    assert len(asides) == 3
