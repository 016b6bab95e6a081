"""``migratelab check``: validate level files and replay what they promise.

With no path, the shipped levels and the shipped test cases (``levels/tests/``).
For each level: the file loads; the goal is not met at the start; the reference
solution meets it; every ``[[expect]]`` gives exactly its recorded result on each
of its profiles. One line per level, a diff under a failure, and a closing
``N passed, M failed`` line. Exit status: 0 all pass, 1 a check failed, 2 a file
could not be read or decoded.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from migratelab.levels.check import LevelReport, check_level, find_levels
from migratelab.levels.loading import shipped_levels, shipped_tests

HELP = "check level files: schema, reference solution and [[expect]] results"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``migratelab check``."""
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="level files or folders (default: the shipped levels and test "
                        "cases); a file named here is checked as a level whatever its name")
    p.add_argument("--json", action="store_true",
                   help="print one JSON report instead of text")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="list every item, passed ones too")


def report_lines(report: LevelReport, verbose: bool) -> list[str]:
    """One level's lines: a PASS/FAIL/ERROR head, then failed items (all with verbose)."""
    if report.load_error is not None:
        return [f"ERROR {report.load_error}"]
    failed = [i for i in report.items if not i.ok]
    head = "PASS" if not failed else "FAIL"
    summary = f"{len(report.items)} checks" if not failed else \
        f"{len(failed)} of {len(report.items)} checks failed"
    lines = [f"{head} {report.path} ({report.level_id}): {summary}"]
    for item in report.items:
        if item.ok and not verbose:
            continue
        mark = "ok  " if item.ok else "FAIL"
        lines.append(f"  {mark} {item.name}: {item.message}")
        lines.extend(f"       {row}" for row in item.diff.splitlines() if not item.ok)
    return lines


def _shown(path: Path) -> Path:
    """The path relative to the working directory when it is below it (shorter lines)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop
        return path


def main(args: argparse.Namespace) -> int:
    """Check the levels; 0 all pass, 1 any check fails, 2 unreadable input."""
    paths = find_levels(list(args.paths)) if args.paths else shipped_levels() + shipped_tests()
    if not paths:
        print("migratelab check: no level files found in "
              + ", ".join(map(str, args.paths or ["the shipped levels"])), file=sys.stderr)
        return 2
    reports = [check_level(_shown(p)) for p in paths]
    passed = sum(r.ok for r in reports)
    failed = len(reports) - passed
    unreadable = any(r.load_error is not None for r in reports)
    if args.json:
        print(json.dumps({"levels": [r.as_dict() for r in reports], "passed": passed,
                          "failed": failed}, indent=1))
    else:
        for r in reports:
            for line in report_lines(r, args.verbose):
                print(line)
        print(f"{passed} passed, {failed} failed")
    if unreadable:
        return 2
    return 1 if failed else 0
