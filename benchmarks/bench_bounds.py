"""Benchmark: ``migratelab check`` on levels at the edge of the bounds.

Run: ``python benchmarks/bench_bounds.py``. For each shape of work (a big touched
region moved once, many move_pages calls on a THP, many forks, many touches, about
1,000 cheap setup ops, expectations on every profile), builds the largest level
whose work estimate (``scenario.limits``) stays inside ``MAX_WORK``, checks that it
loads, and prints its estimate and the wall and CPU time of ``check_level``. The promise
in ``docs/level-format.md`` is that each one takes under 2 s.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from migratelab.kernel.profiles import PROFILES
from migratelab.levels import parse_level
from migratelab.levels.check import check_level
from migratelab.levels.work import check_work
from migratelab.scenario.limits import MAX_WORK

HEAD = """schema_version = 1
[level]
id = "bound"
title = "At the bound"
chapter = 1
order = 1
profile = "v6.12"
source = "benchmarks/bench_bounds.py"
story = "x"
[machine]
nodes = 2
mem_mb = {mb}
cpus_per_node = 1
hugetlb_per_node = 0
thp = "{thp}"
[[setup]]
op = "mmap"
id = "A"
pages = {pages}
[[setup]]
op = "touch"
id = "A"
"""
GOAL = """
[goal]
placement = [{ id = "A", pages = "all", node = 1 }]
[solution]
ops = [{ op = "move_pages", range = { id = "A", pages = "all", node = 1 } }]
"""


def _setup(body: str, n: int) -> str:
    return "".join("[[setup]]\n" + body.replace("{i}", str(i)).replace("{node}", str(i % 2))
                   + "\n" for i in range(n))


def big_region(n: int) -> str:
    return HEAD.format(mb=1024, thp="never", pages=n) + GOAL


def thp_pingpong(n: int) -> str:
    body = 'op = "move_pages"\nrange = { id = "A", pages = "all", node = {node} }'
    return HEAD.format(mb=64, thp="always", pages=512) + _setup(body, n) + GOAL


def base_pingpong(n: int) -> str:
    body = 'op = "move_pages"\nrange = { id = "A", pages = "all", node = {node} }'
    return HEAD.format(mb=64, thp="never", pages=512) + _setup(body, n) + GOAL


def forks(n: int) -> str:
    pairs = "".join(f'[[setup]]\nop = "fork"\nchild = "c{i}"\n'
                    f'[[setup]]\nop = "child_exit"\nchild = "c{i}"\n' for i in range(n // 2))
    return HEAD.format(mb=64, thp="never", pages=512) + pairs + GOAL


def touches(n: int) -> str:
    body = 'op = "touch"\nid = "A"'
    return HEAD.format(mb=64, thp="never", pages=512) + _setup(body, n) + GOAL


def cheap_ops(n: int) -> str:
    body = 'op = "touch"\nid = "A"\npages = [{node}]'
    return HEAD.format(mb=64, thp="never", pages=8) + _setup(body, n) + GOAL


def expects(n: int) -> str:
    profiles = ", ".join(f'"{p}"' for p in PROFILES)
    exp = "".join(f"""
[[expect]]
name = "e{i}"
request = {{ op = "move_pages", range = {{ id = "A", pages = "all", node = 1 }} }}
[[expect.results]]
profiles = [{profiles}]
ret = 0
""" for i in range(n))
    return HEAD.format(mb=64, thp="never", pages=512) + GOAL + exp


SHAPES: dict[str, tuple[Callable[[int], str], list[int]]] = {
    "touched region, moved once": (big_region, [1 << k for k in range(10, 19)]),
    # odd counts: the last call moves A back to node 0, so the goal is not met at start
    "move_pages on a THP, repeated": (thp_pingpong, list(range(9, 1000, 8))),
    "move_pages on base pages, repeated": (base_pingpong, list(range(9, 1000, 8))),
    "fork, repeated": (forks, list(range(8, 1000, 8))),
    "touch 512 pages, repeated": (touches, list(range(8, 1000, 8))),
    "1,000 cheap setup ops": (cheap_ops, [996]),
    "expectations on every profile": (expects, list(range(1, 100))),
}


def _largest(make: Callable[[int], str], sizes: list[int]) -> tuple[int, str, int] | None:
    best = None
    for n in sizes:
        text = make(n)
        try:
            work = check_work(parse_level(text.encode(), "bound.toml"))
        except Exception:
            break
        if work > MAX_WORK:
            break
        best = (n, text, work)
    return best


def main() -> None:
    """Print one line per shape: size, work estimate, seconds of check."""
    print(f"MAX_WORK = {MAX_WORK}")
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for name, (make, sizes) in SHAPES.items():
            found = _largest(make, sizes)
            if found is None:
                print(f"{name:38} (no size fits)")
                continue
            n, text, work = found
            path = Path(tmp) / "bound.toml"
            path.write_text(text)
            start, cpu = time.perf_counter(), time.process_time()
            report = check_level(path)
            took, cpu = time.perf_counter() - start, time.process_time() - cpu
            worst = max(worst, cpu)
            state = "ok" if report.ok else f"FAILED: {report.items[-1].message[:60]}"
            print(f"{name:38} n={n:<7} work={work:<7} check {took:5.2f} s wall "
                  f"{cpu:5.2f} s CPU  {state}")
    print(f"worst {worst:.2f} s CPU (wall time grows with the machine's load)")


if __name__ == "__main__":
    main()
