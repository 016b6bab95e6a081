"""``migratelab play [LEVEL.toml]``: start the game (title screen, or one level)."""

from __future__ import annotations

import argparse
import sys

HELP = "play the game (title screen), or open one level file straight away"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``migratelab play``."""
    p.add_argument("level", nargs="?", metavar="LEVEL.toml", help="a level file to open")
    p.add_argument("--presenter", action="store_true",
                   help="presenter mode: slow steps, heavy highlights, space walks the "
                        "level's solution and pauses at its marks (P toggles it in the app)")


def main(args: argparse.Namespace) -> int:
    """Run the app; 2 with a one-line message when the level file is unusable."""
    from migratelab.scenario.loading import InputError

    level = None
    notice = None
    path = getattr(args, "level", None)
    if path:
        try:
            from migratelab.tui.world import load_play_level

            level = load_play_level(path)
            level.session()  # build the world now so setup errors surface here
        except InputError as exc:
            print(f"migratelab play: {exc}", file=sys.stderr)
            return 2
        except Exception as exc:
            print(f"migratelab play: {path}: {exc}", file=sys.stderr)
            return 2
        notice = check_notice(path)
    from migratelab.tui.app import MigrateLabApp

    MigrateLabApp(level=level, notice=notice,
                  presenter=bool(getattr(args, "presenter", False))).run()
    return 0


def check_notice(path: str) -> str | None:
    """A warning when the file loads but fails ``migratelab check`` (None if it passes)."""
    from migratelab.inputfile import shorten
    from migratelab.levels.check import check_level

    failed = [item for item in check_level(path).items if not item.ok]
    if not failed:
        return None
    return shorten(f"{path} fails migratelab check ({failed[0].name}: {failed[0].message}); "
                   f"playing it anyway, with its progress kept apart")
