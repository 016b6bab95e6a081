"""``migratelab progress export|import|reset``: the player's saved progress.

``export`` prints the progress file's JSON (or writes it to FILE); ``import FILE``
merges a file into the store, keeping the best result per level and never
lowering one (a bad file changes nothing); ``reset`` sets the store aside as a
backup after asking (``--yes`` for scripts). Exit status: 0 done, 1 declined,
2 a file could not be used.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from migratelab.game.progress import (
    ProgressError,
    default_path,
    encode_progress,
    load_progress,
    move_aside,
    read_progress_file,
    save_progress,
    write_atomic,
)

HELP = "export, import or reset your saved progress"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``migratelab progress``."""
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    exp = sub.add_parser("export", help="print your progress as JSON (or write it to FILE)")
    exp.add_argument("file", nargs="?", metavar="FILE")
    imp = sub.add_parser("import", help="merge a progress file, keeping the best result "
                                        "per level")
    imp.add_argument("file", metavar="FILE")
    reset = sub.add_parser("reset", help="start over (the old file is kept as a backup)")
    reset.add_argument("--yes", action="store_true", help="do not ask for confirmation")


def _err(message: str) -> int:
    print(f"migratelab progress: {message}", file=sys.stderr)
    return 2


def main(args: argparse.Namespace) -> int:
    """Run one action; see the module docstring for the exit status."""
    prog = load_progress()
    if prog.warning:
        print(f"migratelab progress: warning: {prog.warning}", file=sys.stderr)
    if args.action == "export":
        data = encode_progress(prog.solved)
        if args.file is None:
            sys.stdout.write(data.decode("utf-8"))
            return 0
        error = write_atomic(Path(args.file), data)
        if error:
            return _err(error)
        print(f"exported {len(prog.solved)} levels to {args.file}", file=sys.stderr)
        return 0
    if args.action == "import":
        try:
            incoming = read_progress_file(Path(args.file))
        except ProgressError as exc:
            return _err(f"{exc}; nothing was changed")
        if not prog.writable:
            return _err("nothing was changed")
        taken = prog.merge(incoming)
        error = save_progress(prog)
        if error and not prog.writable:
            return _err(error)
        if error:
            print(f"migratelab progress: {error}", file=sys.stderr)
        kept = len(incoming) - len(taken)
        print(f"imported {len(taken)} of {len(incoming)} levels from {args.file}"
              + (f" ({kept} kept yours: as good or better)" if kept else ""))
        return 0
    return _reset(args.yes, len(prog.solved))


def _reset(yes: bool, solved: int) -> int:
    path = default_path()
    if not path.exists() and not path.is_symlink():
        print("no saved progress: nothing to reset")
        return 0
    if not yes:
        print(f"Reset progress ({solved} levels solved)? The file is kept as a backup. "
              f"[y/N] ", end="", flush=True)
        answer = sys.stdin.readline(16).strip().lower()
        if answer not in ("y", "yes"):
            print("not reset")
            return 1
    try:
        backup = move_aside(path, "before-reset")
    except OSError as exc:
        return _err(f"cannot reset {path}: {exc.strerror or exc}")
    print(f"progress reset; the old file is {backup}")
    return 0
