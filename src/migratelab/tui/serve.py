"""Serve the game to browsers with ``textual-serve`` (no outside service).

Each browser tab that connects gets its own app process (textual-serve starts one
per websocket). That process runs :mod:`migratelab.tui.served`, which gives the
tab a data directory of its own under a temporary root, so a room of players
never writes to the presenter's progress file or to each other's. The root is
removed when the server stops.

Only ``127.0.0.1`` is bound unless ``--host`` names another address; then one
line warns that anyone who can reach it can use the app (and the machine's CPU).
"""

from __future__ import annotations

import asyncio
import ipaddress
import shlex
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
#: Seconds a tab's app has to exit after "quit" before it is killed.
QUIT_GRACE = 5.0
WARNING = ("migratelab serve: listening on {host}: anyone who can reach this address "
           "can play (each tab runs a process on this machine)")


def is_loopback(host: str) -> bool:
    """``127.0.0.1``, ``::1`` and ``localhost`` reach only this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def tab_command(root: Path, app_args: Sequence[str]) -> str:
    """The shell command textual-serve runs for each tab (``exec``: no shell left over)."""
    argv = [sys.executable, "-m", "migratelab.tui.served", str(root), *app_args]
    return "exec " + shlex.join(argv)


def _tab_service() -> type[Any]:
    """textual-serve's per-tab service, made to reap its process when it stops.

    Upstream sends the app "quit" and waits for its output to end, but never waits
    for the process itself; on Ctrl+C the loop then closes first and the process
    transport complains from its destructor ("Event loop is closed"). Waiting here
    (and killing an app that ignores "quit") leaves nothing behind.
    """
    from textual_serve.app_service import AppService

    class TabService(AppService):
        async def stop(self) -> None:
            await super().stop()
            proc = self._process
            if proc is None:
                return
            if proc.returncode is None:
                try:
                    await asyncio.wait_for(proc.wait(), QUIT_GRACE)
                except TimeoutError:
                    proc.kill()
                    await proc.wait()
            transport = getattr(proc, "_transport", None)
            if transport is not None:
                transport.close()

    return TabService


def make_server(host: str, port: int, root: Path, app_args: Sequence[str]) -> Any:
    """A textual-serve Server with migratelab's own start-up line and quiet logging."""
    import textual_serve.server
    from textual_serve.server import Server

    # the server builds one service per websocket by this module-level name
    setattr(textual_serve.server, "AppService", _tab_service())  # noqa: B010

    class MigratelabServer(Server):
        """textual-serve, printing one line of its own instead of a banner."""

        async def on_startup(self, app: Any) -> None:
            print(f"migratelab serve: open {self.public_url} "
                  "(each tab gets its own game; Ctrl+C stops)", flush=True)

        def initialize_logging(self) -> None:
            import logging

            logging.basicConfig(level=logging.WARNING, format="migratelab serve: %(message)s")

    public_host = f"[{host}]" if ":" in host else host
    return MigratelabServer(tab_command(root, app_args), host=host, port=port,
                            title="migratelab", public_url=f"http://{public_host}:{port}")


def serve(host: str, port: int, app_args: Sequence[str]) -> int:
    """Serve until Ctrl+C (or SIGTERM); the per-tab data directories go with it."""
    root = Path(tempfile.mkdtemp(prefix="migratelab-serve-"))
    try:
        make_server(host, port, root, app_args).serve()
    except OSError as exc:
        print(f"migratelab serve: cannot listen on {host}:{port}: {exc.strerror or exc}",
              file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0
