"""Property tests: random small machines and random op sequences on every profile keep
every invariant of :mod:`migratelab.kernel.invariants`, after every engine event.

Ops that legitimately fail (a :class:`RunError`, e.g. SIGSEGV on a PROT_NONE touch)
are fine; any other exception is a bug.
"""

from __future__ import annotations

import os
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mlhelp import PROFILES

from migratelab.kernel import Kernel, MachineSpec
from migratelab.kernel.invariants import checked, violations
from migratelab.kernel.move_pages import run_syscall
from migratelab.scenario import ops as O
from migratelab.scenario.runner import RunError, ScenarioRunner

REGIONS = ("R0", "R1", "R2", "R3")
KINDS = ("anon", "anon", "anon_shared", "file", "hugetlb")
ADVICE = ("pageout", "dontneed", "hugepage", "nohugepage", "free", "cold", "willneed",
          "mergeable")
MBIND_FLAGS: tuple[Any, ...] = ([], ["MPOL_MF_MOVE"], ["MPOL_MF_MOVE_ALL"], ["MPOL_MF_STRICT"],
                                ["MPOL_MF_MOVE", "MPOL_MF_STRICT"])
FLAGS: tuple[Any, ...] = (["MPOL_MF_MOVE"], ["MPOL_MF_MOVE_ALL"], 0, ["MPOL_MF_STRICT"])


class Driver:
    """Applies drawn ops to one kernel, checking invariants at every step."""

    def __init__(self, k: Kernel) -> None:
        self.k = k
        self.runner = ScenarioRunner(k, detail=True)
        k.debug_checks = True  # mbind / migrate_pages check every invariant per event
        self.index = 0
        self.events = 0

    def check(self, what: str) -> None:
        bad = violations(self.k)
        assert bad == [], f"after {what}: {bad[:5]}"

    def apply(self, raw: dict[str, Any]) -> None:
        op = msgspec.convert(raw, O.Op)  # type: ignore[arg-type]
        self.index += 1
        proc = self.runner.proc
        try:
            if isinstance(op, (O.MovePages, O.Query)):
                pending = self.runner.start_syscall(op, self.index, proc)
                events: list[Any] = []
                result = run_syscall(checked(self.k, pending.events), events)
                self.events += len(events)
                rec = pending.finish(result)
                assert rec["ret"] >= -1
                if rec["ret"] == -1:
                    assert rec["errno"] is not None
            else:
                self.runner.apply(op, self.index, proc)
        except RunError:
            pass
        self.check(repr(raw))


def region_pages(d: Driver, rid: str) -> int:
    reg = d.runner.regions.get(rid)
    return reg.pages if reg is not None else 1


@st.composite
def page_sel(draw: st.DrawFn, n: int) -> list[Any]:
    if draw(st.booleans()):
        start = draw(st.integers(0, n - 1))
        return [[start, draw(st.integers(1, n - start))]]
    return sorted(set(draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=8))))


def draw_op(data: st.DataObject, d: Driver) -> dict[str, Any]:
    mapped = [r for r in REGIONS if r in d.runner.regions]
    nodes = len(d.k.nodes)
    kinds = ["mmap"] if not mapped else [
        "mmap", "touch", "touch", "fork", "munmap", "mprotect", "mlock", "madvise", "pin",
        "unpin", "pagevec_hold", "fill_node", "release_fill", "move_pages", "move_pages",
        "move_pages", "query", "lru_add_drain", "lock_page", "writeback", "mbind", "mbind",
        "migrate_pages"]
    what = data.draw(st.sampled_from(kinds))
    if what == "mmap":
        free = [r for r in REGIONS if r not in d.runner.regions]
        if not free:
            what = "touch"
        else:
            kind = data.draw(st.sampled_from(KINDS))
            pages = 512 if kind == "hugetlb" else data.draw(
                st.sampled_from([1, 4, 16, 512, 600]))
            return {"op": "mmap", "id": free[0], "pages": pages, "kind": kind,
                    "prot": data.draw(st.sampled_from(["rw", "rw", "r", "none"]))}
    rid = data.draw(st.sampled_from(mapped))
    n = region_pages(d, rid)
    if what == "touch":
        return {"op": "touch", "id": rid, "pages": data.draw(page_sel(n)),
                "mode": data.draw(st.sampled_from(["write", "read"]))}
    if what == "fork":
        return {"op": "fork", "child": f"c{d.index}"}
    if what in ("munmap", "mprotect", "mlock", "madvise"):
        start = data.draw(st.integers(0, n - 1))
        op: dict[str, Any] = {"op": what, "id": rid,
                              "range": [start, data.draw(st.integers(1, n - start))]}
        if what == "mprotect":
            op["prot"] = data.draw(st.sampled_from(["rw", "r", "none"]))
        if what == "madvise":
            op["advice"] = data.draw(st.sampled_from(ADVICE))
        return op
    if what == "mbind":
        start = data.draw(st.integers(0, n - 1))
        mode = data.draw(st.sampled_from(["bind", "preferred", "interleave", "default"]))
        chosen = data.draw(st.lists(st.integers(0, nodes - 1), min_size=0, max_size=2))
        return {"op": "mbind", "id": rid, "mode": mode, "nodes": chosen,
                "flags": data.draw(st.sampled_from(MBIND_FLAGS)),
                "range": [start, data.draw(st.integers(1, n - start))]}
    if what == "migrate_pages":
        sets = st.lists(st.integers(0, nodes - 1), min_size=1, max_size=3)
        op = {"op": "migrate_pages", "from": data.draw(sets), "to": data.draw(sets)}
        if d.runner.children and data.draw(st.booleans()):
            op["pid"] = "child:" + data.draw(st.sampled_from(list(d.runner.children)))
        return op
    if what in ("pin", "lock_page", "writeback"):
        return {"op": what, "id": rid, "pages": data.draw(page_sel(n))}
    if what == "pagevec_hold":
        return {"op": what, "id": rid, "pages": data.draw(page_sel(n)),
                "during_call": data.draw(st.booleans())}
    if what == "fill_node":
        return {"op": what, "node": data.draw(st.integers(0, nodes - 1)),
                "leave_mb": data.draw(st.integers(0, 4)),
                "hole_pages": data.draw(st.sampled_from([1, 8, 64]))}
    if what in ("unpin", "release_fill", "lru_add_drain"):
        return {"op": what}
    targets = st.one_of(st.integers(0, nodes - 1), st.sampled_from(["N", -1]))
    entry = st.one_of(
        st.tuples(st.sampled_from(mapped), st.integers(0, 599), targets),
        st.tuples(st.sampled_from(["UNMAPPED", "NULL"]), st.just(0), targets))
    raw = data.draw(st.lists(entry, min_size=0, max_size=12))
    entries = [[r, p % region_pages(d, r) if r in mapped else p, t] for r, p, t in raw]
    if what == "query":
        return {"op": "query", "entries": [[r, p] for r, p, _t in entries]}
    op = {"op": "move_pages", "entries": entries,
          "flags": data.draw(st.sampled_from(FLAGS))}
    children = list(d.runner.children)
    if children and data.draw(st.booleans()):
        op["pid"] = "child:" + data.draw(st.sampled_from(children))
    return op


@pytest.mark.parametrize("profile", PROFILES)
@settings(max_examples=int(os.environ.get("MIGRATELAB_PROPERTY_EXAMPLES", 60)),
          deadline=None, derandomize=not os.environ.get("MIGRATELAB_PROPERTY_EXAMPLES"),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_random_ops_keep_invariants(profile: str, data: st.DataObject) -> None:
    nodes = data.draw(st.integers(2, 4), label="nodes")
    mem = data.draw(st.sampled_from([16, 32, 64]), label="mem_mb")
    pool = data.draw(st.integers(0, 3), label="hugetlb_per_node")
    k = Kernel(MachineSpec(nodes=nodes, mem_mb=(mem,), hugetlb_per_node=pool), profile)
    d = Driver(k)
    d.check("boot")
    for _ in range(data.draw(st.integers(3, 20), label="steps")):
        op = draw_op(data, d)
        data.draw(st.just(op), label="op")
        d.apply(op)
