"""Trace lines follow the kernel's tracepoint formats, release by release.

Expected strings are written from the TP_printk formats in
include/trace/events/migrate.h (4-field up to 5.8, 7 fields from 5.9, 8 from
6.7; mm_migrate_pages_start from 5.13) and the syscalls tracepoints
(``arg: 0x%08lx``, exit ``0x%lx``), not produced by the code under test.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from migratelab.game.session import Session
from migratelab.game.tracefmt import kernel_version, trace_text
from migratelab.kernel import events as ev
from migratelab.kernel.reasons import Reason
from migratelab.scenario import ops as O
from migratelab.tui.world import load_play_level

LEVELS_DIR = Path(__file__).resolve().parents[1] / "src" / "migratelab" / "levels"

END = ev.MigrateEnd(succeeded=512, failed=0, thp_succeeded=1, thp_failed=0, thp_split=0,
                    ret=0, mode="MIGRATE_SYNC", reason="syscall_or_cpuset")


@pytest.mark.parametrize(("profile", "want"), [
    ("v4.14", "mm_migrate_pages: nr_succeeded=512 nr_failed=0 mode=MIGRATE_SYNC "
              "reason=syscall_or_cpuset"),
    ("v5.6", "mm_migrate_pages: nr_succeeded=512 nr_failed=0 mode=MIGRATE_SYNC "
             "reason=syscall_or_cpuset"),
    ("v5.12", "mm_migrate_pages: nr_succeeded=512 nr_failed=0 nr_thp_succeeded=1 "
              "nr_thp_failed=0 nr_thp_split=0 mode=MIGRATE_SYNC reason=syscall_or_cpuset"),
    ("v6.1", "mm_migrate_pages: nr_succeeded=512 nr_failed=0 nr_thp_succeeded=1 "
             "nr_thp_failed=0 nr_thp_split=0 mode=MIGRATE_SYNC reason=syscall_or_cpuset"),
    ("v6.12", "mm_migrate_pages: nr_succeeded=512 nr_failed=0 nr_thp_succeeded=1 "
              "nr_thp_failed=0 nr_thp_split=0 nr_split=0 mode=MIGRATE_SYNC "
              "reason=syscall_or_cpuset"),
])
def test_mm_migrate_pages_has_each_release_s_fields(profile: str, want: str) -> None:
    assert trace_text(END, kernel_version(profile)) == want


def test_the_start_tracepoint_exists_from_5_13() -> None:
    start = ev.MigrateStart(node=1, folios=1, mode="MIGRATE_SYNC", reason="mempolicy_mbind")
    assert trace_text(start, (6, 1)) == "mm_migrate_pages_start: mode=MIGRATE_SYNC " \
                                        "reason=mempolicy_mbind"
    assert trace_text(start, (5, 12)) == "migrate_pages: mode=MIGRATE_SYNC reason=mempolicy_mbind"


def test_addresses_and_pfns_are_hex() -> None:
    iso = ev.PageIsolated(index=3, addr=0x7F0000003000, pfn=16387, node=0, nr_pages=1,
                          folio="anon@16387", reason=Reason.ISOLATED)
    text = trace_text(iso)
    assert "addr=0x7f0000003000 pfn=0x4003" in text
    assert "index=3" in text and "node=0" in text  # counts and nodes stay decimal
    moved = ev.FolioMigrated(old_pfn=0, new_pfn=16384, src=0, dst=1, nr_pages=512,
                             folio="thp@0")
    assert "old_pfn=0x0 new_pfn=0x4000 src=0 dst=1 nr_pages=512" in trace_text(moved)
    busy = ev.EntryResult(index=1, addr=0x7F0000064000, status=-16, reason=Reason.ISOLATED)
    assert trace_text(busy).startswith("add_page_for_migration: index=1 addr=0x7f0000064000 "
                                       "status=-EBUSY ")


def test_syscall_lines_use_the_syscalls_tracepoint_format() -> None:
    enter = ev.SyscallEnter(pid=0, count=2, flags=2, nodes_null=False)
    assert trace_text(enter) == ("sys_enter_move_pages: pid: 0x00000000, nr_pages: 0x00000002, "
                                 "pages: pages[], nodes: nodes[], status: status[], "
                                 "flags: 0x00000002")
    query = ev.SyscallEnter(pid=0, count=1, flags=0, nodes_null=True)
    assert "nodes: 0x00000000," in trace_text(query)
    assert trace_text(ev.SyscallExit(ret=0, errno=None)) == "sys_exit_move_pages: 0x0"
    assert trace_text(ev.SyscallExit(ret=3, errno=None)) == "sys_exit_move_pages: 0x3"
    # -ENOENT as the kernel returns it, in two's complement
    assert trace_text(ev.SyscallExit(ret=-1, errno="ENOENT")) == \
        "sys_exit_move_pages: 0xfffffffffffffffe  # -1, errno ENOENT"
    mbind = ev.MbindEnter(start=0x7F0000000000, npages=512, mode="bind", nodes=(1,), flags=2)
    assert trace_text(mbind) == ("sys_enter_mbind: start: 0x7f0000000000, len: 0x00200000, "
                                 "mode: 0x00000002, nmask: {1}, flags: 0x00000002")
    assert trace_text(ev.PolicySyscallExit(syscall="mbind", ret=-1, errno="EIO")) == \
        "sys_exit_mbind: 0xfffffffffffffffb  # -1, errno EIO"


@pytest.mark.parametrize(("level", "want"), [
    ("02_thp_tail_ebusy.toml", r"nr_failed=\d+ nr_thp_succeeded=\d+ nr_thp_failed=\d+ "
     r"nr_thp_split=\d+ nr_split=\d+ mode=MIGRATE_SYNC "),  # v6.12: eight fields
    ("09_no_room_for_a_thp.toml", r"nr_failed=\d+ mode=MIGRATE_SYNC "),  # v4.14: four fields
])
def test_a_session_traces_in_its_profile_s_format(level: str, want: str) -> None:
    session = Session(load_play_level(LEVELS_DIR / level).make_runner)
    session.submit(O.MovePages(entries=[("A", 0, 1)]))
    session.finish()
    lines = [line.text for line in session.trace]
    pattern = re.compile(r"mm_migrate_pages: nr_succeeded=\d+ " + want)
    assert any(pattern.fullmatch(line.split("reason=")[0]) for line in lines), lines
    assert any("addr=0x7f" in line for line in lines), lines
