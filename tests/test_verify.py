"""``migratelab verify`` without a real NUMA machine: profile choice, refusals, the
report and ``--record``, and restoring every setting when a run is interrupted.

The kernel is :class:`verify_fake.FakeSyscalls`; what a real kernel answers is
tested in ``test_verify_oracle.py``.
"""

from __future__ import annotations

import argparse
import json
import signal
import tomllib
from collections.abc import Sequence
from pathlib import Path

import msgspec
import pytest
from verify_fake import FakeSyscalls, files_of, host_of

from migratelab.levels import ExpectResult, Request, load_level, shipped_dir
from migratelab.verify import cli
from migratelab.verify.check import FileResult, closest_profile, verify_file
from migratelab.verify.report import record_toml
from migratelab.verify.restore import Interrupted, Restorer
from migratelab.verify.syscalls import MovePagesResult

LEVELS = shipped_dir()
THP = "/sys/kernel/mm/transparent_hugepage/enabled"
POOL0 = "/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages"
POOL1 = "/sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages"


@pytest.mark.parametrize(("release", "profile"), [
    ("6.12.117+deb12-amd64", "v6.12"), ("6.18.44-fc", "v6.12"), ("7.0.0", "v6.12"),
    ("6.11.9", "v6.1"), ("6.1.0-56-amd64", "v6.1"), ("6.0.19", "v5.12"),
    ("5.15.0-91-generic", "v5.12"), ("5.12.0", "v5.12"), ("5.11.22", "v5.6"),
    ("5.6.0", "v5.6"), ("5.4.0", "v4.17"), ("4.19.0-26-amd64", "v4.17"),
    ("4.17.0", "v4.17"), ("4.16.18", "v4.14"), ("4.14.336", "v4.14"),
])
def test_the_closest_profile_is_the_newest_not_newer_than_the_kernel(
        release: str, profile: str) -> None:
    assert closest_profile(release) == profile


@pytest.mark.parametrize("release", ["4.9.0", "3.10.0-1160.el7", "not-a-version"])
def test_no_profile_fits_a_kernel_older_than_every_profile(release: str) -> None:
    assert closest_profile(release) is None


def _verify(path: Path, fake: FakeSyscalls, release: str = "6.1.0-56-amd64") -> FileResult:
    return verify_file(path, fake, host_of(fake.files, release))


# -- refusals -----------------------------------------------------------------------------

def test_a_single_node_machine_is_refused_naming_how_many_nodes_it_has() -> None:
    fake = FakeSyscalls(files_of(1))
    result = _verify(LEVELS / "01_first_move.toml", fake)
    assert result.could_not_run
    assert result.report.load_error is not None
    assert "needs 2 NUMA nodes with memory; this machine has 1" in result.report.load_error
    assert not [c for c in fake.calls if c[0] in ("mmap", "move_pages")]


def test_a_simulator_only_op_is_refused_by_name_and_path() -> None:
    fake = FakeSyscalls(files_of(2))
    result = _verify(LEVELS / "06_lost_in_the_pagevec.toml", fake)
    assert result.could_not_run
    assert "$.setup[4] is 'pagevec_hold', a simulator-only op" in str(result.report.load_error)
    assert fake.calls == []


def test_a_simulator_only_op_inside_a_fork_is_found(tmp_path: Path) -> None:
    scen = tmp_path / "s.json"
    scen.write_text('{"name": "s", "ops": [{"op": "mmap", "id": "A", "pages": 1},'
                    ' {"op": "fork", "child": "C", "ops": [{"op": "lock_page", "id": "A"}]}]}')
    result = _verify(scen, FakeSyscalls(files_of(2)))
    assert "$.ops[1].ops[0] is 'lock_page'" in str(result.report.load_error)


def _move_all_level(tmp_path: Path) -> Path:
    text = (LEVELS / "01_first_move.toml").read_text()
    text = text.replace('node = 1 } }', 'node = 1 }, flags = ["MPOL_MF_MOVE_ALL"] }')
    path = tmp_path / "move_all.toml"
    path.write_text(text)
    return path


def test_move_all_without_privileges_is_refused(tmp_path: Path) -> None:
    fake = FakeSyscalls(files_of(2), privileged=False)
    result = _verify(_move_all_level(tmp_path), fake)
    assert result.could_not_run
    assert "$.expect[0].request (MPOL_MF_MOVE_ALL) needs root" in str(result.report.load_error)
    assert fake.calls == []


HUGETLB_LEVEL = """schema_version = 1
[level]
id = "hugetlb-case"
title = "a hugetlb page"
chapter = 1
order = 1
story = "x"
source = "test"

[machine]
nodes = 2
hugetlb_per_node = 2

[[setup]]
op = "mmap"
id = "H"
pages = 512
kind = "hugetlb"

[[setup]]
op = "touch"
id = "H"

[[expect]]
request = { op = "query", entries = [["H", 0]] }

[[expect.results]]
profiles = ["v6.1", "v6.12"]
ret = 0
status = ["0"]
"""


def _hugetlb_level(tmp_path: Path) -> Path:
    path = tmp_path / "hugetlb.toml"
    path.write_text(HUGETLB_LEVEL)
    return path


def test_hugetlb_pools_that_must_change_need_privileges(tmp_path: Path) -> None:
    fake = FakeSyscalls(files_of(2, pools=16), privileged=False)
    result = _verify(_hugetlb_level(tmp_path), fake)
    assert "sizing the hugetlb pools (node 0: 2, node 1: 2) needs root" in \
        str(result.report.load_error)


def test_pools_already_right_need_no_privileges(tmp_path: Path) -> None:
    fake = FakeSyscalls(files_of(2, pools=2), privileged=False)
    result = _verify(_hugetlb_level(tmp_path), fake)
    assert result.report.load_error is None, result.report.load_error
    assert not [c for c in fake.calls if c[0] == "write"]


def test_a_kernel_older_than_every_profile_is_refused() -> None:
    result = _verify(LEVELS / "01_first_move.toml", FakeSyscalls(files_of(2)), "4.9.0")
    assert "kernel 4.9.0 is older than every profile (the oldest is v4.14)" in \
        str(result.report.load_error)


def test_a_touch_that_would_fault_is_refused_not_run(tmp_path: Path) -> None:
    scen = tmp_path / "ro.json"
    scen.write_text('{"name": "ro", "ops": [{"op": "mmap", "id": "A", "pages": 2, '
                    '"prot": "r"}, {"op": "touch", "id": "A"}, {"op": "query", '
                    '"entries": [["A", 0]]}]}')
    fake = FakeSyscalls(files_of(1))
    result = _verify(scen, fake)
    assert result.could_not_run
    assert "touch (write) of A[0] would fault: the page is r" in result.report.items[0].message
    assert not [c for c in fake.calls if c[0] == "touch"]
    assert fake.mapped == {}


def test_the_cli_exits_2_with_one_line_for_a_refusal(monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    fake = FakeSyscalls(files_of(1))
    monkeypatch.setattr(cli, "Syscalls", lambda: fake)
    monkeypatch.setattr(cli, "probe", lambda s: host_of(fake.files))
    args = argparse.Namespace(paths=[str(LEVELS / "01_first_move.toml")], record=False,
                              profile=None, json=False, verbose=False)
    assert cli.main(args) == 2
    out = capsys.readouterr().out.splitlines()
    assert [line for line in out if line.startswith("REFUSED")] == [
        f"REFUSED {LEVELS / '01_first_move.toml'}: needs 2 NUMA nodes with memory; "
        f"this machine has 1"]


# -- judging and recording ------------------------------------------------------------------

def _nodes_answer(addrs: Sequence[int], nodes: Sequence[int] | None) -> MovePagesResult:
    """Every page ends where it was asked to go; a query says node 0."""
    return MovePagesResult(0, None, list(nodes) if nodes is not None else [0] * len(addrs))


def test_a_wrong_answer_is_a_difference_with_checks_diff() -> None:
    fake = FakeSyscalls(files_of(2), answer=_nodes_answer)
    result = _verify(LEVELS / "01_first_move.toml", fake)
    assert not result.could_not_run
    first = result.report.items[0]
    assert first.name == "expect[0]-v6.1" and not first.ok
    assert "after_nodes" in first.message and "vmstat" in first.message
    assert "pgmigrate_success expected 8, actual 0" in first.diff
    # the query of A[0], A[7], B[0] said 0, 0, 0: B[0] should have been -EFAULT on 6.1
    assert not result.report.items[1].ok
    assert "[2]" in result.report.items[1].diff and "-EFAULT" in result.report.items[1].diff


def test_record_prints_expect_tables_that_load_as_results() -> None:
    fake = FakeSyscalls(files_of(2), answer=_nodes_answer)
    result = _verify(LEVELS / "01_first_move.toml", fake)
    data = tomllib.loads(record_toml(result, "6.1.0-56-amd64"))
    assert [e["name"] for e in data["expect"]] == ["eight pages to node 1",
                                                   "query: A on node 0, untouched B"]
    first = msgspec.convert(data["expect"][0]["results"][0], ExpectResult)
    assert first.profiles == ["v6.1"] and first.status == ["1"] * 8
    assert first.after_nodes == ["0"] * 8 and first.migrate_calls is None
    level = load_level(LEVELS / "01_first_move.toml")
    for recorded, exp in zip(data["expect"], level.expect, strict=True):
        assert msgspec.convert(recorded["request"], Request) == exp.request


# -- restoring --------------------------------------------------------------------------------

def _policy_level(tmp_path: Path) -> Path:
    text = HUGETLB_LEVEL.replace("\n[[expect]]", '\n[[setup]]\nop = "set_mempolicy"\n'
                                                 'mode = "bind"\nnode = 1\n\n[[expect]]', 1)
    path = tmp_path / "policy.toml"
    path.write_text(text)
    return path


def _assert_restored(fake: FakeSyscalls) -> None:
    assert fake.files[THP] == "always"
    assert fake.files[POOL0] == fake.files[POOL1] == "16"
    assert fake.policy == (0, [])
    assert fake.mapped == {}


def test_ctrl_c_during_a_call_restores_pools_thp_and_policy(tmp_path: Path) -> None:
    def interrupt(addrs: Sequence[int], nodes: Sequence[int] | None) -> MovePagesResult:
        raise KeyboardInterrupt

    fake = FakeSyscalls(files_of(2, thp="always", pools=16), answer=interrupt)
    with pytest.raises(KeyboardInterrupt):
        _verify(_policy_level(tmp_path), fake)
    writes = [c[1] for c in fake.calls if c[0] == "write"]
    assert (THP, "madvise") in writes and (POOL0, "2") in writes  # they were changed
    assert ("set_mempolicy", (2, [1])) in fake.calls
    _assert_restored(fake)


def test_sigterm_during_a_call_restores_too_and_the_handler_is_put_back(
        tmp_path: Path) -> None:
    def terminate(addrs: Sequence[int], nodes: Sequence[int] | None) -> MovePagesResult:
        signal.raise_signal(signal.SIGTERM)
        raise AssertionError("SIGTERM did not interrupt the run")

    before = signal.getsignal(signal.SIGTERM)
    fake = FakeSyscalls(files_of(2, thp="always", pools=16), answer=terminate)
    with pytest.raises(Interrupted):
        _verify(_policy_level(tmp_path), fake)
    _assert_restored(fake)
    assert signal.getsignal(signal.SIGTERM) == before


def test_the_cli_says_it_restored_when_interrupted(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str],
                                                   tmp_path: Path) -> None:
    def interrupt(addrs: Sequence[int], nodes: Sequence[int] | None) -> MovePagesResult:
        raise KeyboardInterrupt

    fake = FakeSyscalls(files_of(2, thp="always"), answer=interrupt)
    monkeypatch.setattr(cli, "Syscalls", lambda: fake)
    monkeypatch.setattr(cli, "probe", lambda s: host_of(fake.files))
    args = argparse.Namespace(paths=[str(_policy_level(tmp_path))], record=False,
                              profile=None, json=False, verbose=False)
    assert cli.main(args) == 130
    assert "interrupted; every setting it changed was restored" in capsys.readouterr().err
    _assert_restored(fake)


def test_restorer_puts_values_back_newest_first_and_notes_a_failed_one() -> None:
    fake = FakeSyscalls({"/a": "1\n", "/b": "x"})
    with Restorer(fake, fake) as r:
        r.write("/a", "2")
        r.write("/a", "3")  # the first old value is the one kept
        r.write("/b", "y")
        del fake.files["/b"]  # the file vanishes: its restore fails, /a is still restored
    assert fake.files["/a"] == "1"
    assert len(r.problems) == 1 and "/b" in r.problems[0]


def test_fill_node_needs_root_and_leaves_every_setting_as_it_found_it() -> None:
    level = LEVELS / "09_no_room_for_a_thp.toml"
    refused = _verify(level, FakeSyscalls(files_of(2), privileged=False))
    assert "$.setup[8] ('fill_node') needs root" in str(refused.report.load_error)
    fake = FakeSyscalls(files_of(2), answer=_nodes_answer)
    before = dict(fake.files)
    result = _verify(level, fake)
    assert not result.could_not_run, result.report.items
    writes = {c[1][0] for c in fake.calls if c[0] == "write"}
    assert {"/proc/sys/vm/min_free_kbytes", "/proc/sys/vm/compact_unevictable_allowed",
            POOL1} <= writes  # the node was squeezed ...
    assert {k: v.strip() for k, v in fake.files.items() if k != "/proc/sys/vm/drop_caches"} \
        == {k: v.strip() for k, v in before.items() if k != "/proc/sys/vm/drop_caches"}
    assert fake.mapped == {}  # ... and given back


def test_the_cli_records_toml_and_exits_0_though_the_answers_differ(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakeSyscalls(files_of(2), answer=_nodes_answer)
    monkeypatch.setattr(cli, "Syscalls", lambda: fake)
    monkeypatch.setattr(cli, "probe", lambda s: host_of(fake.files, "6.12.117+deb12-amd64"))
    args = argparse.Namespace(paths=[str(LEVELS / "01_first_move.toml")], record=True,
                              profile=None, json=False, verbose=False)
    assert cli.main(args) == 0
    data = tomllib.loads(capsys.readouterr().out)
    assert {p for e in data["expect"] for r in e["results"] for p in r["profiles"]} == {"v6.12"}
    args.record, args.json = False, True
    assert cli.main(args) == 1  # judged, the fake's answers differ
    report = json.loads(capsys.readouterr().out)
    assert report["profile"] == "v6.12"
    assert report["summary"] == "0 agree, 1 differ, 0 could not run"


def test_a_pool_the_kernel_cannot_fill_is_could_not_run_and_is_restored(
        tmp_path: Path) -> None:
    class Fragmented(FakeSyscalls):
        def write_file(self, path: str, value: str) -> None:
            super().write_file(path, "1" if path == POOL0 and value == "2" else value)

    fake = Fragmented(files_of(2, pools=16))
    result = _verify(_hugetlb_level(tmp_path), fake)
    assert result.could_not_run
    assert result.report.items[0].message == ("cannot run: preparing the machine: node 0's "
                                              "hugetlb pool is 1 pages, not 2")
    assert fake.files[POOL0].strip() == fake.files[POOL1].strip() == "16"


def test_numa_balancing_is_off_during_a_run_as_root_and_back_on_after() -> None:
    files = files_of(2)
    files["/proc/sys/kernel/numa_balancing"] = "1\n"
    seen: list[str] = []

    def watch(addrs: Sequence[int], nodes: Sequence[int] | None) -> MovePagesResult:
        seen.append(fake.files["/proc/sys/kernel/numa_balancing"])
        return _nodes_answer(addrs, nodes)

    fake = FakeSyscalls(files, answer=watch)
    _verify(LEVELS / "01_first_move.toml", fake)
    assert seen and set(seen) == {"0"}
    assert fake.files["/proc/sys/kernel/numa_balancing"] == "1"
