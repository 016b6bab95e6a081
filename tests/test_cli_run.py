"""``migratelab run``: output shapes, profile names, tracing, comparison and errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from migratelab.cli import main

SCENARIOS = Path(__file__).parent / "conformance" / "scenarios"
BASIC = str(SCENARIOS / "01_move_basic.json")
ALTERNATING = str(SCENARIOS / "22_alternating_targets.json")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["run", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, ops: list[Any] | str, name: str = "bad.json") -> str:
    path = tmp_path / name
    text = ops if isinstance(ops, str) else json.dumps({"name": "t", "ops": ops}, indent=1)
    path.write_text(text)
    return str(path)


MMAP = {"op": "mmap", "id": "A", "pages": 4}
TOUCH = {"op": "touch", "id": "A"}


def test_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, BASIC, "--json", "--kernel", "6.1")
    assert code == 0 and err == ""
    res = json.loads(out)
    assert {"name", "kernel", "nodes", "ops"} <= set(res)
    assert res["name"] == "01_move_basic" and res["kernel"] == "v6.1" and res["nodes"] == 2
    move = [r for r in res["ops"] if r["op"] == "move_pages"]
    assert move and move[0]["status_str"] == ["1", "1", "1", "1"]
    assert move[0]["ret"] == 0 and move[0]["after_nodes_str"] == ["1", "1", "1", "1"]


def test_profile_name_with_or_without_v(capsys: pytest.CaptureFixture[str]) -> None:
    _, bare, _ = run(capsys, ALTERNATING, "--json", "--kernel", "6.1")
    _, with_v, _ = run(capsys, ALTERNATING, "--json", "--kernel", "v6.1")
    assert json.loads(bare) == json.loads(with_v)
    _, other, _ = run(capsys, ALTERNATING, "--json", "--kernel", "v4.14")
    assert json.loads(other)["kernel"] == "v4.14"


def test_table_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, ALTERNATING, "--kernel", "v4.14")
    assert code == 0
    assert "22_alternating_targets" in out and "kernel v4.14" in out
    assert "migrate_pages calls=1" in out


def test_trace_prints_events(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, BASIC, "--trace")
    assert code == 0
    lines = out.splitlines()
    kinds = [ln.split()[0] for ln in lines if ln and not ln.startswith((" ", "=="))]
    assert "sys_enter_move_pages" in kinds and "mm_migrate_pages_start" in kinds
    assert "sys_exit_move_pages" in kinds
    assert kinds.index("sys_enter_move_pages") < kinds.index("mm_migrate_pages_start")


def test_trace_json_prints_json_lines(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, BASIC, "--trace", "--json", "--kernel", "v4.17")
    assert code == 0
    objs = [json.loads(line) for line in out.splitlines()]
    events = [o for o in objs if "event" in o]
    assert events and events[0]["event"] == "sys_enter_move_pages"
    assert any(o["event"] == "mm_migrate_pages_start" for o in events)
    assert objs[-1]["name"] == "01_move_basic" and objs[-1]["kernel"] == "v4.17"


def test_compare_marks_differences(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, ALTERNATING, "--compare", "v4.14,v4.17")
    assert code == 0
    assert "v4.14" in out and "v4.17" in out
    calls = [ln for ln in out.splitlines() if ln.strip().startswith("migrate_pages calls")]
    assert calls and calls[0].rstrip().endswith("*"), "1 vs 4 migrate_pages calls"
    ret = [ln for ln in out.splitlines() if ln.strip().startswith("ret")]
    assert ret and not ret[0].rstrip().endswith("*")


def test_compare_duplicate_target_statuses(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, [MMAP, TOUCH, {"op": "move_pages",
                                          "entries": [["A", 0, 1], ["A", 0, 0]]}], "dup.json")
    code, out, _ = run(capsys, path, "--compare", "v4.14,v5.6,6.12")
    assert code == 0
    line = next(ln for ln in out.splitlines() if ln.strip().startswith("status[1]"))
    assert "0" in line and "-EBUSY" in line and line.rstrip().endswith("*")
    line = next(ln for ln in out.splitlines() if ln.strip().startswith("status[0]"))
    assert not line.rstrip().endswith("*")


def one_error_line(code: int, out: str, err: str) -> str:
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_bad_field_type(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, [MMAP, {"op": "touch", "id": "A", "pages": "bogus"}])
    line = one_error_line(*run(capsys, path))
    assert path in line and "ops[1]" in line and "pages" in line


def test_unknown_op(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, [MMAP, TOUCH, {"op": "frobnicate", "id": "A"}])
    line = one_error_line(*run(capsys, path))
    assert path in line and "ops[2]" in line and "op" in line


def test_unknown_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, [{"op": "mmap", "id": "A", "pages": 4, "colour": "red"}])
    line = one_error_line(*run(capsys, path))
    assert path in line and "ops[0]" in line and "colour" in line


def test_not_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "{ not json")
    line = one_error_line(*run(capsys, path))
    assert path in line


def test_op_that_cannot_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, [MMAP, {"op": "touch", "id": "B"}])
    line = one_error_line(*run(capsys, path))
    assert path in line and "ops[1]" in line and "id" in line


def test_bad_node_reference(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, [MMAP, TOUCH,
                            {"op": "move_pages", "entries": [["A", 0, "sideways"]]}])
    line = one_error_line(*run(capsys, path))
    assert path in line and "ops[2]" in line and "entries" in line


def test_unknown_profile(capsys: pytest.CaptureFixture[str]) -> None:
    line = one_error_line(*run(capsys, BASIC, "--kernel", "v3.10"))
    assert "v3.10" in line
    line = one_error_line(*run(capsys, BASIC, "--compare", "v4.14,v9.9"))
    assert "v9.9" in line


def test_real_machine_only_ops_are_skipped(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, [MMAP, TOUCH, {"op": "sleep", "seconds": 1},
                            {"op": "drop_caches"},
                            {"op": "move_pages", "entries": [["A", 0, 1]]}], "real.json")
    code, out, _ = run(capsys, path, "--json")
    assert code == 0
    recs = json.loads(out)["ops"]
    assert "skipped" in recs[2] and "skipped" in recs[3]
    assert recs[4]["status_str"] == ["1"]
    code, out, _ = run(capsys, path)
    assert code == 0
    assert "sleep  (skipped)" in out and "drop_caches  (skipped)" in out


def test_cpuset_and_setuid_stage_eacces_and_eperm(tmp_path: Path) -> None:
    """Simulator-only ops make rows 32 and 34 stageable: a node outside the
    cpuset fails with EACCES after earlier entries are done; MOVE_ALL without
    CAP_SYS_NICE fails with EPERM."""
    scen = tmp_path / "cs.json"
    scen.write_text(json.dumps({"name": "cs", "ops": [
        {"op": "mmap", "id": "A", "pages": 8, "kind": "anon"},
        {"op": "touch", "id": "A", "pages": "all"},
        {"op": "cpuset", "nodes": [0]},
        {"op": "move_pages", "entries": [["A", 0, 0], ["A", 1, 1]]},
        {"op": "cpuset", "nodes": [0, 1]},
        {"op": "setuid", "uid": 65534},
        {"op": "move_pages", "entries": [["A", 1, 1]], "flags": ["MPOL_MF_MOVE_ALL"]},
        {"op": "move_pages", "entries": [["A", 1, 1]]},
    ]}))
    out = subprocess.run([sys.executable, "-m", "migratelab", "run", str(scen), "--json"],
                         capture_output=True, text=True, check=True)
    ops = json.loads(out.stdout)["ops"]
    assert (ops[3]["ret"], ops[3]["errno"], ops[3]["status_str"]) == (-1, "EACCES", ["0", "UNSET"])
    assert (ops[6]["ret"], ops[6]["errno"]) == (-1, "EPERM")
    assert (ops[7]["ret"], ops[7]["status_str"]) == (0, ["1"])


def test_a_huge_region_is_refused_not_allocated(tmp_path: Path) -> None:
    scen = tmp_path / "huge.json"
    scen.write_text(json.dumps({"name": "huge", "ops": [
        {"op": "mmap", "id": "A", "pages": 1_000_000_000}]}))
    out = subprocess.run([sys.executable, "-m", "migratelab", "run", str(scen)],
                         capture_output=True, text=True)
    assert out.returncode == 2
    # refused by the bounds (scenario.limits) before any work, with the line
    assert out.stderr.strip().endswith("huge.json:1: $.ops[0].pages: expected an int in "
                                       "1..262144, got 1000000000")
    assert "Traceback" not in out.stderr
