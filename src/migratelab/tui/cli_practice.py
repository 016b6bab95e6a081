"""``migratelab practice``: endless seeded predict problems, in the app or as text."""

from __future__ import annotations

import argparse
import secrets
import sys
from pathlib import Path

HELP = "a freshly generated predict problem (seeded: share it by its seed)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``migratelab practice``."""
    from migratelab.game.practice import PROFILE_NAMES, TOPICS

    p.add_argument("--seed", type=int, default=None,
                   help="problem seed (0 or more; default: a random one, shown on screen)")
    p.add_argument("--profile", default="v6.12", metavar="P",
                   help=f"kernel profile: {', '.join(PROFILE_NAMES)} (default v6.12)")
    p.add_argument("--topic", default="mixed", choices=TOPICS,
                   help="what the problem is about (default mixed)")
    p.add_argument("--print", dest="print_", action="store_true",
                   help="write the problem to stdout instead of starting the app")
    p.add_argument("--answer", action="store_true",
                   help="with --print: add the answer and a reason per status[] cell")
    p.add_argument("--save", metavar="FILE", type=Path,
                   help="write the problem as a level file (migratelab check passes it)")


def _profile(name: str) -> str:
    return name if name.startswith("v") else f"v{name}"


def main(args: argparse.Namespace) -> int:
    """Print, save or play one problem; 2 with one line on a bad option."""
    from migratelab.game.practice_problem import generate, render

    seed = args.seed if args.seed is not None else secrets.randbelow(1_000_000)
    try:
        problem = generate(seed, _profile(args.profile), args.topic)
    except ValueError as exc:
        print(f"migratelab practice: {exc}", file=sys.stderr)
        return 2
    if args.answer and not args.print_:
        print("migratelab practice: --answer goes with --print", file=sys.stderr)
        return 2
    if args.save is not None:
        if args.save.exists():
            print(f"migratelab practice: {args.save} exists; not overwriting it",
                  file=sys.stderr)
            return 2
        try:
            args.save.write_text(problem.toml, encoding="utf-8")
        except OSError as exc:
            print(f"migratelab practice: {args.save}: {exc.strerror or exc}", file=sys.stderr)
            return 2
        print(f"saved {args.save} ({problem.command})", file=sys.stderr)
    if args.print_:
        sys.stdout.write(render(problem, answer=args.answer))
        return 0
    if args.save is not None:
        return 0
    from migratelab.tui.app import MigrateLabApp
    from migratelab.tui.world import practice_level

    MigrateLabApp(level=practice_level(seed, problem.profile, problem.topic)).run()
    return 0
