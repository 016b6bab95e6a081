"""migrate_pages(2): kernel_migrate_pages() permissions and do_migrate_pages()'s node
mapping, beyond what the root-run oracle scenarios (67-70, 82, 88) show."""

from __future__ import annotations

import tomllib

import pytest
import tomli_w
from mlhelp import MODERN, Run, anon

from migratelab.game.commands import Stage, parse
from migratelab.kernel.events import MigrateStart, MigrateToNode
from migratelab.kernel.migrate_syscall import node_remap
from migratelab.levels import LevelError, parse_level, shipped_dir
from migratelab.scenario import ops as O


def _mp(r: Run, old: list[int], new: list[int], **kw: object) -> dict[str, object]:
    return r.ops({"op": "migrate_pages", "from": old, "to": new, **kw})


def test_node_remap_keeps_the_rank() -> None:
    assert node_remap(1, [0, 1], [2, 3]) == 3
    assert node_remap(2, [0, 1, 2], [5]) == 5
    assert node_remap(3, [0, 1], [2]) == 3  # not a source: unchanged


@pytest.mark.parametrize(("old", "new", "moved"), [
    # the two examples of the comment in do_migrate_pages()
    ([2, 3, 4], [3, 4, 5], {2: 3, 3: 4, 4: 5}),
    ([0, 1, 2, 3, 4, 5, 6, 7], [3, 4, 5], {0: 3, 1: 4, 2: 5, 6: 3, 7: 4}),
])
def test_the_kernels_own_examples(old: list[int], new: list[int], moved: dict[int, int]
                                  ) -> None:
    r = Run("v6.12", nodes=8, mem_mb=(16,))
    for n in range(8):
        r.ops(*anon(f"R{n}", 2, node=n))
    r.clear_events()
    assert _mp(r, old, new)["ret"] == 0
    pairs = {e.source: e.dest for e in r.events if isinstance(e, MigrateToNode)}
    assert pairs == moved
    # [2,3,4] -> [3,4,5] moves 4 before 3 and 3 before 2: no page is moved twice
    if old == [2, 3, 4]:
        assert [e.source for e in r.events if isinstance(e, MigrateToNode)] == [4, 3, 2]
        assert [r.query([[f"R{n}", 0]])[0] for n in (2, 3, 4)] == ["3", "4", "5"]


@pytest.mark.parametrize("profile", MODERN)
def test_another_users_process_needs_ptrace_rights(profile: str) -> None:
    r = Run(profile)
    r.ops(*anon("A", 2, node=0), {"op": "fork", "child": "C"},
          {"op": "setuid", "uid": 1000, "caps": []})
    rec = _mp(r, [0], [1], pid="child:C")  # the child is still root's
    assert (rec["ret"], rec["errno"]) == (-1, "EPERM")


@pytest.mark.parametrize("profile", MODERN)
def test_without_cap_sys_nice_shared_pages_stay(profile: str) -> None:
    """The syscall passes MPOL_MF_MOVE_ALL only to a CAP_SYS_NICE caller."""
    r = Run(profile)
    r.ops(*anon("A", 4, node=0), {"op": "fork", "child": "C"},
          {"op": "child", "child": "C", "ops": [{"op": "touch", "id": "A", "pages": [3]}]},
          {"op": "setuid", "pid": "child:C", "uid": 1000, "caps": []},
          {"op": "setuid", "uid": 1000, "caps": []})
    rec = _mp(r, [0], [1])
    assert rec["ret"] == 0
    assert rec["after_nodes_str"] == {"A": ["0", "0", "0", "1"]}


@pytest.mark.parametrize("profile", MODERN)
def test_targets_outside_the_cpuset_need_cap_sys_nice(profile: str) -> None:
    r = Run(profile)
    r.ops(*anon("A", 2, node=0), {"op": "cpuset", "nodes": [0]},
          {"op": "setuid", "uid": 1000, "caps": []})
    assert _mp(r, [0], [1])["errno"] == "EPERM"


@pytest.mark.parametrize("profile", MODERN)
def test_the_migration_says_syscall_or_cpuset(profile: str) -> None:
    r = Run(profile)
    r.ops(*anon("A", 4, node=0))
    r.clear_events()
    _mp(r, [0], [1])
    assert [e.reason for e in r.events if isinstance(e, MigrateStart)] == ["syscall_or_cpuset"]


@pytest.mark.parametrize("profile", MODERN)
def test_pinned_pages_are_counted_in_the_return(profile: str) -> None:
    r = Run(profile)
    r.ops(*anon("A", 8, node=0), {"op": "pin", "id": "A", "pages": [0, 5]})
    rec = _mp(r, [0], [1])
    assert rec["ret"] == 2
    assert rec["after_nodes_str"]["A"] == ["0", "1", "1", "1", "1", "0", "1", "1"]


def test_migratepages_command() -> None:
    assert parse("migratepages 0 1") == Stage((O.MigratePages(from_=[0], to=[1]),))
    assert parse("migratepages 0,1 2,3 C") == Stage(
        (O.MigratePages(pid="child:C", from_=[0, 1], to=[2, 3]),))


def test_levels_can_use_migrate_pages_and_mbind_flags() -> None:
    raw = tomllib.loads((shipped_dir() / "tests" / "04_alternating_targets.toml").read_text())
    raw["setup"] += [{"op": "migrate_pages", "from": [2], "to": [0]},
                     {"op": "mbind", "id": "A", "node": 1, "flags": ["MPOL_MF_MOVE"]}]
    assert len(parse_level(tomli_w.dumps(raw).encode(), "x.toml").setup) == len(raw["setup"])
    raw["setup"].append({"op": "migrate_pages", "from": [2], "to": [0], "pid": "child:nope"})
    with pytest.raises(LevelError, match=r"setup\[\d+\]\.pid"):
        parse_level(tomli_w.dumps(raw).encode(), "x.toml")
