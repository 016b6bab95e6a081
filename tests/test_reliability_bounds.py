"""Every number that sizes work is bounded before any work (issue 14 §3, §4, §6)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from migratelab.levels import parse_level, shipped_levels
from migratelab.scenario import limits
from migratelab.scenario.loading import InputError, load_scenario

CLI = [sys.executable, "-m", "migratelab"]
BASE: list[dict[str, Any]] = [{"op": "mmap", "id": "A", "pages": 8}, {"op": "touch", "id": "A"}]

#: name -> (ops, the field path the error must name)
OUT_OF_BOUNDS: dict[str, tuple[list[dict[str, Any]], str]] = {
    "count": ([*BASE, {"op": "move_pages", "entries": [["A", 0, 1]], "count": 2147483648}],
              "$.ops[2].count"),
    "pages": ([{"op": "mmap", "id": "A", "pages": 1 << 40}], "$.ops[0].pages"),
    "total-pages": ([{"op": "mmap", "id": f"R{i}", "pages": 1 << 18} for i in range(5)],
                    "$.ops[4].pages"),
    "span": ([*BASE, {"op": "touch", "id": "A", "pages": [[0, 1 << 40]]}],
             "$.ops[2].pages[0][1]"),
    "page-index": ([*BASE, {"op": "move_pages", "entries": [["A", 1 << 60, 1]]}],
                   "$.ops[2].entries[0][1]"),
    "offset": ([*BASE, {"op": "query", "entries": [{"id": "A", "offset": 1 << 62}]}],
               "$.ops[2].entries[0].offset"),
    "node": ([*BASE, {"op": "move_pages", "entries": [["A", 0, 1 << 62]]}],
             "$.ops[2].entries[0][2]"),
    "entries": ([*BASE, {"op": "move_pages", "entries": [["A", 0, 1]] * 70_000}],
                "$.ops[2].entries"),
    "status": ([*BASE, {"op": "move_pages", "entries": [["A", 0, 1]],
                        "status": [0] * 70_000}], "$.ops[2].status"),
    "pin": ([*BASE, {"op": "pin", "id": "A", "count": 1 << 62}], "$.ops[2].count"),
    "cpu": ([*BASE, {"op": "pagevec_hold", "id": "A", "cpu": 1 << 40}], "$.ops[2].cpu"),
    "hugetlb": ([{"op": "hugetlb_pool", "node": 0, "count": 1 << 40}], "$.ops[0].count"),
    "fill": ([{"op": "fill_node", "node": 0, "leave_mb": 1 << 40}], "$.ops[0].leave_mb"),
    "uid": ([*BASE, {"op": "setuid", "uid": 1 << 70}], "$.ops[2].uid"),
    "flags": ([*BASE, {"op": "move_pages", "entries": [["A", 0, 1]], "flags": 1 << 70}],
              "$.ops[2].flags"),
    "node-list": ([*BASE, {"op": "set_mempolicy", "mode": "bind",
                           "nodes": list(range(2000))}], "$.ops[2].nodes"),
    "ops": ([*BASE, *[{"op": "lru_add_drain_all"}] * 1000], "$.ops[1000]"),
    "work": ([{"op": "mmap", "id": "A", "pages": 1 << 17}, {"op": "touch", "id": "A"}],
             "$.ops"),
}


@pytest.mark.parametrize("name", sorted(OUT_OF_BOUNDS))
def test_scenario_bounds(tmp_path: Path, name: str) -> None:
    ops, where = OUT_OF_BOUNDS[name]
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps({"name": name, "ops": ops}))
    with pytest.raises(InputError) as info:
        load_scenario(path)
    message = str(info.value)
    assert f": {where}: " in message and str(path) in message
    assert len(message) < 400 and "\n" not in message


def test_deep_nesting_is_one_line(tmp_path: Path) -> None:
    inner = '{"op": "fork", "child": "c", "ops": [' * 20_000 + "]}" * 20_000
    path = tmp_path / "deep.json"
    path.write_text('{"name": "deep", "ops": [' + inner + "]}")
    with pytest.raises(InputError, match="nested too deeply"):
        load_scenario(path)
    forks: dict[str, Any] = {"op": "fork", "child": "c0", "ops": []}
    for i in range(1, 12):
        forks = {"op": "fork", "child": f"c{i}", "ops": [forks]}
    path.write_text(json.dumps({"name": "forks", "ops": [forks]}))
    with pytest.raises(InputError, match="forks nested more than"):
        load_scenario(path)


def test_run_refuses_a_huge_count_at_once(tmp_path: Path) -> None:
    path = tmp_path / "count.json"
    path.write_text(json.dumps({"name": "count", "ops": OUT_OF_BOUNDS["count"][0]}))
    proc = subprocess.run([*CLI, "run", "--json", str(path)], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [
        f"migratelab run: {path}:1: $.ops[2].count: expected an int in 0..65536, "
        f"got 2147483648"]


def test_every_line_under_json_is_json(tmp_path: Path) -> None:
    ok = tmp_path / "ok.json"
    ok.write_text(json.dumps({"name": "ok", "ops": [
        *BASE, {"op": "move_pages", "entries": [["A", 0, 1]]}]}))
    skip = tmp_path / "skip.json"
    skip.write_text(json.dumps({"name": "skip", "min_nodes": 4, "ops": BASE}))
    for extra in ([], ["--trace"], ["--compare", "6.1,6.12"]):
        proc = subprocess.run([*CLI, "run", "--json", *extra, str(skip), str(ok)],
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        records = [json.loads(line) for line in proc.stdout.splitlines()]
        assert records[0] == {"name": "skip", "skipped": "needs 4 nodes, --nodes 2"}
        assert len(records) >= 2


def _level(setup: str, solution_pages: str = '"all"') -> bytes:
    return f"""schema_version = 1
[level]
id = "w"
title = "w"
chapter = 1
order = 1
profile = "v6.12"
source = "test"
story = "w"
[machine]
nodes = 2
mem_mb = 1024
{setup}
[goal]
placement = [{{ id = "A", pages = "all", node = 1 }}]
[solution]
ops = [{{ op = "move_pages", range = {{ id = "A", pages = {solution_pages}, node = 1 }} }}]
""".encode()


def test_level_work_bound() -> None:
    region = '[[setup]]\nop = "mmap"\nid = "A"\npages = {n}\n[[setup]]\nop = "touch"\nid = "A"\n'
    parse_level(_level(region.format(n=16384)), "ok.toml")  # 16 384 * 3 fits
    with pytest.raises(InputError, match=r"big.toml: \$: running this costs about "
                                         r"\d+ page operations, more than the bound"):
        parse_level(_level(region.format(n=1 << 15)), "big.toml")
    many = "".join('[[setup]]\nop = "touch"\nid = "A"\n' for _ in range(200))
    with pytest.raises(InputError, match="more than the bound"):
        parse_level(_level(region.format(n=512) + many), "many.toml")


def test_shipped_levels_are_inside_the_bounds() -> None:
    from migratelab.levels import load_level
    from migratelab.levels.work import check_work

    for path in shipped_levels():
        assert check_work(load_level(path)) <= limits.MAX_WORK, path
