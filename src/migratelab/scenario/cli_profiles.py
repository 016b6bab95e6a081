"""``migratelab profiles``: list profiles and switches, or print docs/profiles.md."""

from __future__ import annotations

import argparse

from migratelab.kernel.profiles import PROFILES
from migratelab.scenario.docs import profiles_markdown

HELP = "list the kernel profiles and the commit behind each behaviour switch"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``migratelab profiles``."""
    p.add_argument("--markdown", action="store_true", help="print docs/profiles.md")


def main(args: argparse.Namespace) -> int:
    """Print the profiles."""
    if args.markdown:
        print(profiles_markdown(), end="")
        return 0
    for prof in PROFILES.values():
        print(prof.describe())
    return 0
