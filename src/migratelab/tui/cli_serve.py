"""``migratelab serve``: the game in browsers, for workshops (textual-serve)."""

from __future__ import annotations

import argparse
import sys

from migratelab.tui.serve import DEFAULT_HOST, DEFAULT_PORT, WARNING, is_loopback

HELP = ("serve the game to web browsers on this machine (each tab gets its own game); "
        f"binds {DEFAULT_HOST} unless --host names another address, and then anyone who "
        "can reach that address can use the app")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``migratelab serve``."""
    p.add_argument("--host", default=None,
                   help=f"address to listen on (default {DEFAULT_HOST}); any other address "
                        "lets anyone who can reach it play, and prints a warning")
    p.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help=f"TCP port (default {DEFAULT_PORT})")
    what = p.add_mutually_exclusive_group()
    what.add_argument("level", nargs="?", metavar="LEVEL.toml",
                      help="open this level file in every tab")
    what.add_argument("--level", dest="level_id", metavar="ID",
                      help="open this shipped level (by id) in every tab")
    what.add_argument("--practice", action="store_true",
                      help="every tab starts a fresh practice problem")
    p.add_argument("--presenter", action="store_true",
                   help="presenter mode: slow steps, large highlights, space for the next "
                        "step, pauses at the level's marks")


def _fail(message: str) -> int:
    print(f"migratelab serve: {message}", file=sys.stderr)
    return 2


def app_arguments(args: argparse.Namespace) -> list[str] | str:
    """The ``migratelab`` command line each tab runs, or an error message."""
    if args.practice:
        if args.presenter:
            return "--presenter replays a level's solution; a practice problem has none to show"
        return ["practice"]
    out = ["play"] + (["--presenter"] if args.presenter else [])
    if args.level_id:
        from migratelab.levels import load_level, shipped_levels

        for path in shipped_levels():
            try:
                if load_level(path).level.id == args.level_id:
                    return [*out, str(path)]
            except Exception:
                continue
        return f"no shipped level has the id {args.level_id!r}"
    if args.level:
        from pathlib import Path

        from migratelab.scenario.loading import InputError
        from migratelab.tui.world import load_play_level

        try:
            load_play_level(args.level)
        except InputError as exc:
            return str(exc)
        return [*out, str(Path(args.level).resolve())]
    return out


def main(args: argparse.Namespace) -> int:
    """Serve until Ctrl+C; 2 with one line on a bad option or a busy port."""
    if not 0 < args.port < 65536:
        return _fail(f"--port must be between 1 and 65535, got {args.port}")
    host = args.host if args.host is not None else DEFAULT_HOST
    if not host.strip():
        return _fail("--host needs an address")
    app_args = app_arguments(args)
    if isinstance(app_args, str):
        return _fail(app_args)
    if not is_loopback(host):
        print(WARNING.format(host=host), file=sys.stderr)
    from migratelab.tui.serve import serve

    return serve(host, args.port, app_args)
