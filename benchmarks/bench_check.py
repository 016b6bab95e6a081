"""Benchmark: ``migratelab check`` on every shipped level and test case.

Run: ``python benchmarks/bench_check.py [PATH ...]`` (default: the shipped levels
and ``levels/tests/``). Runs the real command in a fresh interpreter, as a user
would, best of three, and prints its wall and CPU time (the target is under 2 s
wall on an idle machine; CPU time is what a loaded machine cannot inflate), then
the five slowest levels measured in this process.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

from migratelab.levels import shipped_levels, shipped_tests
from migratelab.levels.check import check_level, find_levels


def _children_cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def whole_command(paths: list[str]) -> tuple[float, float]:
    """Best (wall, cpu) seconds of ``python -m migratelab check PATHS`` over three runs."""
    best: tuple[float, float] | None = None
    for _ in range(3):
        cpu0, t0 = _children_cpu(), time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "migratelab", "check", *paths],
                              capture_output=True, text=True, check=False)
        wall, cpu = time.perf_counter() - t0, _children_cpu() - cpu0
        if done.returncode != 0:
            sys.exit(f"migratelab check failed:\n{done.stdout}{done.stderr}")
        best = (wall, cpu) if best is None or wall < best[0] else best
    assert best is not None
    return best


def main() -> None:
    """Print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*")
    args = ap.parse_args()
    files = (find_levels(args.paths) if args.paths
             else [*shipped_levels(), *shipped_tests()])
    wall, cpu = whole_command([str(p) for p in files])
    print(f"migratelab check: {len(files)} level files, best of 3: "
          f"{wall:.2f} s wall, {cpu:.2f} s CPU")
    timed: list[tuple[float, Path, int]] = []
    for path in files:
        t0 = time.process_time()
        report = check_level(path)
        timed.append((time.process_time() - t0, path, len(report.items)))
    total = sum(t for t, _, _ in timed)
    print(f"in process: {total:.2f} s CPU for the checks themselves (no start-up)")
    for t, path, items in sorted(timed, reverse=True)[:5]:
        print(f"  {t * 1000:7.1f} ms  {path.name} ({items} items)")


if __name__ == "__main__":
    main()
