"""The served game in a real browser: Debian's headless Chromium, driven over CDP.

Skipped, with the reason, where no Chromium is installed (``.ci/run`` installs it).
The screenshot is kept in the test's temporary directory (and copied to
``$MIGRATELAB_SCREENSHOT`` when that is set, e.g. for the README).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path

import pytest
from cdp import TITLE_TEXT, Browser, Served, find_chromium

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium installed (apt-get install chromium; .ci/run does)")


def test_a_browser_tab_plays_level_one(tmp_path: Path) -> None:
    assert CHROMIUM is not None
    presenter = tmp_path / "presenter-data"
    server = Served(env={"MIGRATELAB_DATA_DIR": str(presenter), "TMPDIR": str(tmp_path)})
    shot = tmp_path / "browser.png"
    downloads = tmp_path / "downloads"
    downloads.mkdir()

    async def play() -> bytes:
        browser = Browser(CHROMIUM, 1280, 800)
        try:
            await browser.start()
            await browser.open(server.url)
            await browser.wait_text(TITLE_TEXT, timeout=90)
            await browser.clear_text()
            await browser.press("enter")  # Play
            await browser.wait_text("First move")
            await browser.clear_text()
            await browser.press("enter")  # the first level
            await browser.wait_text("address space")
            await browser.press("?")  # help works in the browser too
            await browser.wait_text("Close help")  # help, and its footer
            await browser.press("escape")
            await browser.clear_text()
            # the first move: A[0..7] to node 1, call, run to the end
            await browser.press("home", "v", *["right"] * 7, "1", "enter")
            await browser.wait_text("started")
            await browser.press("e")
            await browser.wait_text("Solved")
            await asyncio.sleep(0.5)  # let xterm.js paint the last frame
            png = await browser.screenshot(shot)
            # export run: the folder stays with the tab, a zip goes to the browser
            await browser.call("Browser.setDownloadBehavior", behavior="allow",
                               downloadPath=str(downloads))
            await browser.press("escape", "x")
            await browser.wait_text("on its way to your browser")
            for _ in range(100):
                if list(downloads.glob("first-move-*.zip")):
                    break
                await asyncio.sleep(0.2)
            return png
        finally:
            await browser.close()

    try:
        server.wait_ready()
        png = asyncio.run(play())
    finally:
        code, _, err = server.stop()
    assert png.startswith(b"\x89PNG") and len(png) > 20_000  # a drawn screen, not blank
    assert code == 0 and "Traceback" not in err, err
    assert server.left_running() == []
    # the tab kept its progress in its own directory, never in the presenter's
    assert not presenter.exists()
    (zipped,) = downloads.glob("first-move-*.zip")
    import zipfile

    names = zipfile.ZipFile(zipped).namelist()
    assert sorted(n.split("/")[-1] for n in names) == ["screen.svg", "summary.md", "trace.jsonl"]
    if os.environ.get("MIGRATELAB_SCREENSHOT"):
        shutil.copy(shot, os.environ["MIGRATELAB_SCREENSHOT"])


def test_the_tab_progress_file_records_the_win(tmp_path: Path) -> None:
    """A tab's win lands in that tab's own progress file (read before the server stops)."""
    assert CHROMIUM is not None
    server = Served(env={"TMPDIR": str(tmp_path)})

    async def play() -> dict[str, object]:
        browser = Browser(CHROMIUM, 1024, 700)
        try:
            await browser.start()
            await browser.open(server.url)
            await browser.wait_text(TITLE_TEXT, timeout=90)
            await browser.press("enter")
            await browser.wait_text("First move")
            await browser.press("enter")
            await browser.wait_text("address space")
            await browser.press("home", "v", *["right"] * 7, "1", "enter", "e")
            await browser.wait_text("Solved")
            for _ in range(50):
                files = list(tmp_path.glob("migratelab-serve-*/tab-*/progress.json"))
                if files:
                    return dict(json.loads(files[0].read_text()))
                await asyncio.sleep(0.2)
            raise AssertionError("no progress file in the tab's directory")
        finally:
            await browser.close()

    try:
        server.wait_ready()
        saved = asyncio.run(play())
    finally:
        server.stop()
    assert "first-move" in saved["solved"]  # type: ignore[operator]
    assert server.left_running() == []
