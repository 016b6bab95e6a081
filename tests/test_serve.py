"""``migratelab serve``: HTTP on localhost, one process per tab, clean Ctrl+C."""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

import aiohttp
import pytest
from cdp import TITLE_TEXT, Served, descendants, strip_ansi

from migratelab.cli import build_parser
from migratelab.tui import cli_serve
from migratelab.tui.serve import DEFAULT_HOST, is_loopback, tab_command


def _args(*argv: str) -> argparse.Namespace:
    parser, _ = build_parser()
    return parser.parse_args(["serve", *argv])


def test_localhost_by_default_and_the_help_says_why() -> None:
    args = _args()
    assert args.host is None  # only --host can change it
    parser, _ = build_parser()
    sub = parser._subparsers._group_actions[0].choices["serve"]  # type: ignore[union-attr]
    text = " ".join(sub.format_help().split())
    assert DEFAULT_HOST in text and "anyone who can reach" in text


@pytest.mark.parametrize(("host", "local"), [
    ("127.0.0.1", True), ("::1", True), ("localhost", True), ("127.0.0.2", True),
    ("0.0.0.0", False), ("192.168.1.5", False), ("::", False), ("example.org", False)])
def test_is_loopback(host: str, local: bool) -> None:
    assert is_loopback(host) is local


def test_each_tab_runs_in_its_own_data_dir(tmp_path: Path) -> None:
    command = tab_command(tmp_path, ["play", "--presenter"])
    assert command.startswith("exec ")  # no shell left between server and app
    assert "migratelab.tui.served" in command and str(tmp_path) in command


def test_bad_options_are_one_line_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_serve.main(_args("--level", "no-such-level")) == 2
    assert "no shipped level has the id 'no-such-level'" in capsys.readouterr().err
    assert cli_serve.main(_args("--port", "70000")) == 2
    assert "--port" in capsys.readouterr().err
    assert cli_serve.main(_args("--practice", "--presenter")) == 2
    assert "practice" in capsys.readouterr().err


def test_what_each_tab_runs() -> None:
    assert cli_serve.app_arguments(_args()) == ["play"]
    assert cli_serve.app_arguments(_args("--presenter")) == ["play", "--presenter"]
    assert cli_serve.app_arguments(_args("--practice")) == ["practice"]
    play, path = cli_serve.app_arguments(_args("--level", "first-move"))
    assert play == "play" and path.endswith("01_first_move.toml")


def test_serve_over_http_then_ctrl_c_leaves_nothing_running(tmp_path: Path) -> None:
    presenter = tmp_path / "presenter-data"
    server = Served(env={"MIGRATELAB_DATA_DIR": str(presenter), "TMPDIR": str(tmp_path)})
    try:
        server.wait_ready()

        async def visit() -> tuple[str, int, list[int]]:
            async with aiohttp.ClientSession() as http:
                async with http.get(server.url) as resp:
                    page = await resp.text()
                async with http.get(f"{server.url}static/js/textual.js") as resp:
                    js = resp.status
                # a tab: the websocket starts an app process of its own
                ws = await http.ws_connect(f"ws://127.0.0.1:{server.port}/ws?width=80&height=24")
                got = b""
                end = time.monotonic() + 60
                while TITLE_TEXT not in strip_ansi(got) and time.monotonic() < end:
                    try:
                        msg = await ws.receive(timeout=1)
                    except TimeoutError:
                        continue
                    if msg.type == aiohttp.WSMsgType.BINARY:
                        got += msg.data
                tabs = descendants(server.proc.pid)
                assert TITLE_TEXT in strip_ansi(got), "the title screen never arrived"
                return page, js, tabs

        page, js, tabs = asyncio.run(visit())
        assert "textual-terminal" in page and f"ws://127.0.0.1:{server.port}/ws" in page
        assert js == 200
        assert len(tabs) == 1
        sessions = list((tmp_path).glob("migratelab-serve-*/tab-*"))
        assert len(sessions) == 1  # the tab's own data directory
    finally:
        code, out, err = server.stop()
    assert code == 0, err
    assert "Traceback" not in err and "Error" not in err, err
    assert "open http://127.0.0.1:" in out
    assert server.left_running() == []
    assert not presenter.exists()  # the presenter's progress was never touched
    assert not list(tmp_path.glob("migratelab-serve-*"))  # session dirs removed


def test_any_other_host_needs_the_flag_and_prints_one_warning() -> None:
    server = Served("--host", "0.0.0.0")
    try:
        server.wait_ready()
    finally:
        code, _, err = server.stop()
    warnings = [line for line in err.splitlines() if "anyone who can reach" in line]
    assert code == 0 and len(warnings) == 1 and "0.0.0.0" in warnings[0]
    quiet = Served()
    try:
        quiet.wait_ready()
    finally:
        _, _, err = quiet.stop()
    assert "anyone" not in err
