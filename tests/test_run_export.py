"""``migratelab run --export DIR`` and the app's export key keep a run in a folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migratelab.cli import main as cli_main
from migratelab.tui.app import MigrateLabApp
from migratelab.tui.world import load_play_level

ORACLE = Path(__file__).parent / "conformance" / "oracle"
SCENARIO = ORACLE / "scenarios" / "100_ltp04_missing_pages.json"
REAL = ORACLE / "results" / "6.12" / "nodes2" / "100_ltp04_missing_pages.json"
FIRST = Path(__file__).parents[1] / "src" / "migratelab" / "levels" / "01_first_move.toml"


def _real_status() -> list[str]:
    """status[] of the move_pages call on a real 6.12 kernel (not the simulator's)."""
    real = json.loads(REAL.read_text())
    (call,) = [r for r in real["ops"] if r["op"] == "move_pages"]
    return list(call["status_str"])


def test_run_export_writes_trace_screen_and_summary(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "runs"
    assert cli_main(["run", str(SCENARIO), "--kernel", "6.12", "--trace",
                     "--export", str(out)]) == 0
    folder = out / "100_ltp04_missing_pages"
    assert sorted(p.name for p in folder.iterdir()) == ["screen.svg", "summary.md",
                                                        "trace.jsonl"]
    events = [json.loads(line) for line in (folder / "trace.jsonl").read_text().splitlines()]
    assert events and all("event" in e for e in events)
    assert events[0]["event"] == "sys_enter_move_pages"
    summary = (folder / "summary.md").read_text()
    assert "Kernel profile: `v6.12`" in summary
    assert f"status[4]: `[{', '.join(_real_status())}]`" in summary
    assert "ret: `0`" in summary and "`pgmigrate_success +1`" in summary
    assert '"op":"move_pages"' in summary  # the request, in the ops language
    svg = (folder / "screen.svg").read_text()
    assert svg.startswith("<svg") and "100_ltp04_missing_pages" in svg


def test_run_export_into_a_file_is_one_line_error(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert cli_main(["run", str(SCENARIO), "--export", str(blocker)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("migratelab run: ") and len(err.strip().splitlines()) == 1


async def test_the_export_key_keeps_the_screen_and_the_session(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIGRATELAB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MIGRATELAB_EXPORT_DIR", str(tmp_path / "runs"))
    app = MigrateLabApp(level=load_play_level(FIRST), levels=[])
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("colon", *"move A[0:8] -> 1", "enter", "e")
        await pilot.pause()
        await pilot.press("escape")  # close the results panel, stay on the level
        await pilot.press("x")
        await pilot.pause()
        assert "exported to" in str(app.screen.query_one("#msg").render())
    (folder,) = (tmp_path / "runs").iterdir()
    summary = (folder / "summary.md").read_text()
    assert "request: `move A[0:8] -> 1`" in summary
    assert "status[8]: `[1, 1, 1, 1, 1, 1, 1, 1]`" in summary
    assert "Kernel profile: `v6.12`" in summary  # level 01 plays on the default profile
    assert "address&#160;space" in (folder / "screen.svg").read_text()  # this very screen
    assert (folder / "trace.jsonl").read_text().count("\n") > 3
