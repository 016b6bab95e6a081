"""Benchmark: ``migratelab serve`` start time and memory per connected tab.

Run: ``python benchmarks/bench_serve.py [--runs 3] [--tabs 4] [--chromium]``.
Start time is from launching the command to the first HTTP 200 of the index
page (median of the runs). A tab is what a browser opens: one websocket on
``/ws``, which makes textual-serve start one app process; its cost is that
process's resident memory once it has drawn the title and then opened level 1
at 200x50 (websocket tabs; Chromium tabs stay on the title), plus what the
server itself grows by. With ``--chromium`` the tabs are real headless Chromium
pages (the browser's own memory is not counted: it is on the attendee's machine).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import aiohttp
from cdp import (
    TITLE_TEXT,
    Browser,
    Served,
    descendants,
    find_chromium,
    rss_kib,
    strip_ansi,
)


async def _until(ws: aiohttp.ClientWebSocketResponse, text: str) -> None:
    got = b""
    end = time.monotonic() + 120
    while text not in strip_ansi(got) and time.monotonic() < end:
        try:
            msg = await ws.receive(timeout=1)
        except TimeoutError:
            continue
        if msg.type == aiohttp.WSMsgType.BINARY:
            got += msg.data


async def _ws_tab(http: aiohttp.ClientSession, port: int) -> aiohttp.ClientWebSocketResponse:
    """A tab that reached the title, then opened level 1 (as a player does)."""
    ws = await http.ws_connect(f"ws://127.0.0.1:{port}/ws?width=200&height=50")
    await _until(ws, TITLE_TEXT)
    for text in ("First move", "address space"):
        await ws.send_json(["stdin", "\r"])
        await _until(ws, text)
    return ws


async def _tabs(server: Served, n: int, chromium: str | None) -> list[int]:
    """Server RSS before, then after each tab; and each tab process's RSS."""
    base = rss_kib(server.proc.pid)
    rows = []
    browsers: list[Browser] = []
    async with aiohttp.ClientSession() as http:
        sockets = []
        for i in range(n):
            if chromium:
                browser = Browser(chromium, 1280, 800)
                await browser.start()
                await browser.open(server.url)
                await browser.wait_text(TITLE_TEXT, timeout=120)
                browsers.append(browser)
            else:
                sockets.append(await _ws_tab(http, server.port))
            await asyncio.sleep(1.0)
            tabs = descendants(server.proc.pid)
            tab_rss = [rss_kib(p) for p in tabs]
            grow = rss_kib(server.proc.pid) - base
            rows.append(sum(tab_rss) + grow)
            print(f"  {i + 1} tab(s): tab processes {[r // 1024 for r in tab_rss]} MiB, "
                  f"server +{grow // 1024} MiB")
        for ws in sockets:
            await ws.close()
    for browser in browsers:
        await browser.close()
    return rows


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tabs", type=int, default=4)
    parser.add_argument("--chromium", action="store_true")
    args = parser.parse_args()
    chromium = find_chromium() if args.chromium else None
    if args.chromium and chromium is None:
        sys.exit("no chromium installed")
    starts = []
    for _ in range(args.runs):
        server = Served()
        try:
            starts.append(server.wait_ready())
        finally:
            server.stop()
    print(f"serve start to first HTTP 200: median {statistics.median(starts):.2f} s "
          f"(runs: {', '.join(f'{s:.2f}' for s in starts)})")
    server = Served()
    try:
        server.wait_ready()
        print(f"memory with {args.tabs} {'Chromium' if chromium else 'websocket'} tab(s):")
        totals = asyncio.run(_tabs(server, args.tabs, chromium))
    finally:
        code, _, err = server.stop()
    per_tab = [b - a for a, b in zip([0, *totals], totals, strict=False)]
    print(f"memory per connected tab: median {statistics.median(per_tab) / 1024:.1f} MiB "
          f"(each: {', '.join(f'{p / 1024:.1f}' for p in per_tab)} MiB)")
    print(f"stopped with Ctrl+C: exit {code}, left running {server.left_running()}"
          + (f", stderr {err.strip()!r}" if err.strip() else ""))


if __name__ == "__main__":
    main()
