"""``migratelab verify``: run level and scenario files on the running kernel.

Each file's setup and requests run through raw syscalls; each call's answer is
compared with the file's ``[[expect]]`` result for the profile closest to the
running kernel (a scenario's calls: with what the simulator answers on it).
Exit status: 0 every file agrees, 1 a difference, 2 a file could not run
(unreadable, refused, or a setup op the kernel refused).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from migratelab.kernel.profiles import UnknownProfile, get_profile
from migratelab.levels import load_level, shipped_levels
from migratelab.levels.check import find_levels
from migratelab.scenario.loading import InputError
from migratelab.verify.check import FileResult, closest_profile, verify_file
from migratelab.verify.host import probe
from migratelab.verify.report import as_json, header, record_toml, summary, text_lines
from migratelab.verify.syscalls import Syscalls

HELP = "run level files on the running kernel and compare with their [[expect]] results"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``migratelab verify``."""
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="level files (.toml), scenario files (.json) or folders "
                        "(default: the shipped levels marked real_kernel = true)")
    p.add_argument("--record", action="store_true",
                   help="print what the kernel answered as [[expect]] TOML instead")
    p.add_argument("--profile", help="judge with this profile instead of the one closest "
                                     "to the running kernel")
    p.add_argument("--json", action="store_true", help="print one JSON report")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="list every item, passed ones too")


def real_kernel_levels() -> list[Path]:
    """Shipped levels marked ``real_kernel = true``."""
    out = []
    for path in shipped_levels():
        try:
            if getattr(load_level(path).level, "real_kernel", False):
                out.append(path)
        except InputError:
            continue
    return out


def files_of(paths: list[str]) -> list[Path]:
    """Files as given; folders give their level files and scenario ``.json`` files."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out.extend(find_levels([p]))
            out.extend(sorted(p.rglob("*.json")))
        else:
            out.append(p)
    return out


def _fail(message: str) -> int:
    print(f"migratelab verify: {message}", file=sys.stderr)
    return 2


def main(args: argparse.Namespace) -> int:
    """Verify the files; 0 all agree, 1 a difference, 2 could not run."""
    paths = files_of(list(args.paths)) if args.paths else real_kernel_levels()
    if not paths:
        return _fail("no level or scenario files found in "
                     + ", ".join(args.paths or ["the shipped real-kernel levels"]))
    try:
        profile = get_profile(args.profile).name if args.profile else None
    except UnknownProfile as exc:
        return _fail(str(exc))
    try:
        sysc = Syscalls()
    except OSError as exc:
        return _fail(str(exc))
    host = probe(sysc)
    shown = profile or closest_profile(host.release)
    if not args.json and not args.record:
        print(header(host, shown, sysc.is_privileged()))
    results: list[FileResult] = []
    try:
        for path in paths:
            result = verify_file(path, sysc, host, profile)
            results.append(result)
            if not args.json and not args.record:
                for line in text_lines(result, args.verbose):
                    print(line, flush=True)
    except KeyboardInterrupt:
        print("migratelab verify: interrupted; every setting it changed was restored",
              file=sys.stderr)
        return 130
    if args.json:
        print(json.dumps(as_json(host, shown, results), indent=1))
    elif args.record:
        for r in results:
            if r.could_not_run:
                for line in text_lines(r, False):
                    print(line, file=sys.stderr)
            elif r.records:
                print(record_toml(r, host.release))
    else:
        print(summary(results))
    if any(r.could_not_run for r in results):
        return 2
    # recording captures answers: that they differ from the file is not a failure
    return 0 if args.record or all(r.report.ok for r in results) else 1
