"""A small Chrome DevTools Protocol client for the system Chromium (no downloaded builds).

Enough to drive a served migratelab tab: open a page, wait for a JavaScript
condition, type keys into xterm.js and take a screenshot. It speaks CDP over the
websocket client of aiohttp (a dependency of textual-serve).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import aiohttp

#: Keys xterm.js needs as key events (not text), with their DOM key codes.
SPECIAL_KEYS = {"enter": ("Enter", 13, "\r"), "escape": ("Escape", 27, ""),
                "home": ("Home", 36, ""), "end": ("End", 35, ""), "right": ("ArrowRight", 39, ""),
                "left": ("ArrowLeft", 37, ""), "up": ("ArrowUp", 38, ""),
                "down": ("ArrowDown", 40, ""), "tab": ("Tab", 9, "\t")}


#: Control sequences in a terminal stream (CSI, OSC, charset and keypad modes).
ANSI = re.compile(r"\x1b\[[0-9;?<>=$]*[A-Za-z]|\x1b\][^\x07]*\x07|\x1b[()][A-Z0-9]|\x1b[>=]")
#: The title screen's tagline: seen once the app has drawn its first screen.
TITLE_TEXT = "one event at a time"

#: Installed before the page's own scripts: keep the text the app sends to xterm.js
#: (control sequences removed) in ``window.__mlText``, so a test can wait for a screen.
TEXT_HOOK = r"""
(() => {
  window.__mlText = "";
  const decoder = new TextDecoder();
  const Real = window.WebSocket;
  window.WebSocket = class extends Real {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (e) => {
        if (typeof e.data !== "string") {
          const text = decoder.decode(new Uint8Array(e.data), {stream: true});
          window.__mlText += text.replace(
            /\x1b\[[0-9;?<>=$]*[A-Za-z]|\x1b\][^\x07]*\x07|\x1b[()][A-Z0-9]|\x1b[>=]/g, "");
          if (window.__mlText.length > 2000000) window.__mlText = window.__mlText.slice(-200000);
        }
      });
    }
  };
})();
"""


def strip_ansi(data: bytes) -> str:
    """The text of a terminal stream, control sequences removed."""
    return ANSI.sub("", data.decode("utf-8", "replace"))


def find_chromium() -> str | None:
    """The system browser, if one is installed."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser:
    """A headless Chromium process and one page in it."""

    def __init__(self, binary: str, width: int = 1280, height: int = 800) -> None:
        self.binary = binary
        self.size = (width, height)
        self.profile = tempfile.mkdtemp(prefix="migratelab-chromium-")
        self.proc: subprocess.Popen[bytes] | None = None
        self.http: aiohttp.ClientSession | None = None
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self._ids = itertools.count(1)

    async def start(self) -> None:
        """Launch the browser and attach to its first page."""
        width, height = self.size
        self.proc = subprocess.Popen(
            [self.binary, "--headless=new", "--no-sandbox", "--disable-gpu",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions",
             "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
             f"--user-data-dir={self.profile}", f"--window-size={width},{height}",
             "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        port_file = Path(self.profile) / "DevToolsActivePort"
        for _ in range(300):
            if port_file.exists() and port_file.read_text().strip():
                break
            await asyncio.sleep(0.1)
        else:
            raise RuntimeError("chromium did not open its DevTools port")
        port = int(port_file.read_text().split()[0])
        self.http = aiohttp.ClientSession()
        for _ in range(100):
            async with self.http.get(f"http://127.0.0.1:{port}/json/list") as resp:
                pages = [t for t in await resp.json() if t.get("type") == "page"]
            if pages:
                break
            await asyncio.sleep(0.1)
        self.ws = await self.http.ws_connect(pages[0]["webSocketDebuggerUrl"], max_msg_size=0)
        await self.call("Page.enable")
        await self.call("Runtime.enable")
        await self.call("Page.addScriptToEvaluateOnNewDocument", source=TEXT_HOOK)

    async def open(self, url: str) -> None:
        """Navigate and focus the terminal's input."""
        await self.call("Page.navigate", url=url)
        await self.wait_for("document.querySelector('.xterm-helper-textarea') !== null")
        await self.evaluate("document.querySelector('.xterm-helper-textarea').focus()")

    async def wait_text(self, text: str, timeout: float = 60.0) -> None:
        """Until the app has drawn ``text`` (see ``TEXT_HOOK``)."""
        await self.wait_for(f"(window.__mlText || '').includes({json.dumps(text)})", timeout)

    async def clear_text(self) -> None:
        """Forget what was drawn so far (wait for the next screen's text)."""
        await self.evaluate("window.__mlText = ''")

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        """One CDP command; its result (events in between are skipped)."""
        assert self.ws is not None
        ident = next(self._ids)
        await self.ws.send_str(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            msg = await self.ws.receive_json()
            if msg.get("id") == ident:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return dict(msg.get("result", {}))

    async def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page."""
        res = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return res.get("result", {}).get("value")

    async def wait_for(self, expression: str, timeout: float = 30.0) -> None:
        """Until the expression is truthy in the page."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while not await self.evaluate(expression):
            if loop.time() > end:
                tail = await self.evaluate("(window.__mlText || '').slice(-3000)")
                raise TimeoutError(f"page never satisfied: {expression}; the page's last "
                                   f"text: {tail!r}")
            await asyncio.sleep(0.2)

    async def press(self, *keys: str, pause: float = 0.15) -> None:
        """Keys as Textual names them (``enter``, ``home``, ``v``, ``1``)."""
        for key in keys:
            if key in SPECIAL_KEYS:
                name, code, text = SPECIAL_KEYS[key]
                down: dict[str, Any] = {"type": "rawKeyDown" if not text else "keyDown",
                                        "key": name, "code": name,
                                        "windowsVirtualKeyCode": code}
                if text:
                    down["text"] = text
                await self.call("Input.dispatchKeyEvent", **down)
                await self.call("Input.dispatchKeyEvent", type="keyUp", key=name, code=name,
                                windowsVirtualKeyCode=code)
            else:
                await self.call("Input.dispatchKeyEvent", type="keyDown", key=key, text=key)
                await self.call("Input.dispatchKeyEvent", type="keyUp", key=key)
            await asyncio.sleep(pause)

    async def screenshot(self, path: Path) -> bytes:
        """A PNG of the page."""
        res = await self.call("Page.captureScreenshot", format="png")
        data = base64.b64decode(res["data"])
        path.write_bytes(data)
        return data

    async def close(self) -> None:
        """Stop the browser and remove its profile."""
        if self.ws is not None:
            await self.ws.close()
        if self.http is not None:
            await self.http.close()
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def free_port() -> int:
    """A TCP port nobody listens on now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(re.sub(r"^.*\) ", "", stat, flags=re.S).split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def rss_kib(pid: int) -> int:
    """Resident memory of one process in KiB (0 if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Served:
    """``migratelab serve`` in its own session, for a test or a benchmark."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        import sys

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "migratelab", "serve", "--port", str(self.port), *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
            env={**os.environ, **(env or {})})

    def wait_ready(self, timeout: float = 60.0) -> float:
        """Seconds until the index page answers."""
        import time
        import urllib.request

        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"serve exited: {self.proc.communicate()}")
            try:
                with urllib.request.urlopen(self.url, timeout=2) as resp:
                    if resp.status == 200:
                        return time.monotonic() - start
            except OSError:
                time.sleep(0.05)
        raise TimeoutError("serve never answered")

    def stop(self) -> tuple[int, str, str]:
        """Ctrl+C, as a presenter would; (exit code, stdout, stderr)."""
        self.proc.send_signal(signal.SIGINT)
        try:
            out, err = self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            out, err = self.proc.communicate()
        return self.proc.returncode, out.decode(), err.decode()

    def left_running(self) -> list[int]:
        """Processes of the server's session still alive (there should be none)."""
        alive = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = re.sub(r"^.*\) ", "", (entry / "stat").read_text(), flags=re.S).split()
            except OSError:
                continue
            if int(fields[3]) == self.proc.pid and fields[0] != "Z":  # session id
                alive.append(int(entry.name))
        return alive
