"""The ``migratelab`` command: a thin dispatcher over subcommand modules.

Each subcommand lives in its own module exposing ``HELP``, ``add_arguments(parser)``
and ``main(args) -> int``. Without a subcommand, ``migratelab`` starts the game.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from types import ModuleType

#: subcommand -> module implementing it.
COMMANDS: dict[str, str] = {
    "play": "migratelab.tui.cli_play",
    "practice": "migratelab.tui.cli_practice",
    "serve": "migratelab.tui.cli_serve",
    "run": "migratelab.scenario.cli_run",
    "check": "migratelab.levels.cli_check",
    "profiles": "migratelab.scenario.cli_profiles",
    "progress": "migratelab.game.cli_progress",
    "verify": "migratelab.verify.cli",
}


def _load(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(COMMANDS[name])
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("migratelab"):
            return None
        raise


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, ModuleType]]:
    """The top-level parser with every available subcommand."""
    parser = argparse.ArgumentParser(
        prog="migratelab",
        description="A terminal game and sandbox about how Linux moves memory "
                    "between NUMA nodes (move_pages(2)).")
    from migratelab import __version__

    parser.add_argument("--version", action="version", version=f"migratelab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    loaded: dict[str, ModuleType] = {}
    for name in COMMANDS:
        module = _load(name)
        if module is None:
            continue
        loaded[name] = module
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
    return parser, loaded


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script and of ``python -m migratelab``."""
    parser, loaded = build_parser()
    args = parser.parse_args(argv)
    command = args.command or "play"
    module = loaded.get(command)
    if module is None:
        parser.print_help(sys.stderr)
        return 2
    if args.command is None:
        args = parser.parse_args([command, *(argv if argv is not None else sys.argv[1:])])
    try:
        return int(module.main(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
