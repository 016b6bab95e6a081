"""game.view: the read-only picture of the machine the UI draws."""

from __future__ import annotations

from migratelab.game import view
from migratelab.game.session import Session
from migratelab.game.worlds import demo_runner
from migratelab.kernel import Kernel, MachineSpec
from migratelab.kernel.mm import PAGE_SIZE
from migratelab.scenario import ops as O
from migratelab.scenario.runner import ScenarioRunner


def _world() -> ScenarioRunner:
    k = Kernel(MachineSpec(nodes=2, mem_mb=(64, 64), hugetlb_per_node=2), "v6.12")
    runner = ScenarioRunner(k)
    runner.run([
        O.Mmap(id="T", pages=512), O.Madvise(id="T", advice="hugepage"), O.Touch(id="T"),
        O.Mmap(id="H", pages=512, kind="hugetlb"), O.Touch(id="H"),
        O.Mmap(id="A", pages=8), O.Madvise(id="A", advice="nohugepage"),
        O.Touch(id="A", pages=[0, 1, 2, 3, 4]), O.Touch(id="A", pages=[5], mode="read"),
        O.Pin(id="A", pages=[1]), O.Mlock(id="A", range=(2, 1)),
        O.Madvise(id="A", advice="pageout", range=(4, 1)),
        O.Fork(child="C"),
        O.Mmap(id="F", pages=2, kind="file", fs="ext4", prefill=True), O.Touch(id="F"),
    ])
    return runner


def _kind(runner: ScenarioRunner, rid: str, page: int) -> str:
    return view.page_view(runner, runner.regions[rid].base + page * PAGE_SIZE).kind


def test_page_kinds_follow_the_page_tables() -> None:
    r = _world()
    assert _kind(r, "T", 0) == "thp_head" and _kind(r, "T", 7) == "thp_tail"
    assert _kind(r, "H", 300) == "hugetlb"
    assert _kind(r, "A", 0) == "shared"  # private anon shared with the child after fork
    assert _kind(r, "A", 1) == "pinned" and _kind(r, "A", 2) == "mlocked"
    assert _kind(r, "A", 5) == "zero" and _kind(r, "A", 6) == "not_present"
    assert _kind(r, "F", 0) == "file"
    page = view.page_view(r, r.regions["A"].base + 3 * PAGE_SIZE)
    assert page.node == 0 and "map 2" in page.detail
    assert view.page_view(r, 0).kind == "unmapped"


def test_a_run_of_page_kinds_is_each_page_kind() -> None:
    """A row's kinds, read in one pass over the page table, page by page the same;
    also over the ends of regions and the holes between them."""
    r = _world()
    for rid in ("T", "H", "A", "F"):
        base, pages = r.regions[rid].base, r.regions[rid].pages
        for first, count in ((0, pages), (0, 3), (pages - 2, 5), (1, 7)):
            addr = base + first * PAGE_SIZE
            assert view.page_kinds(r, addr, count) == tuple(
                view.page_kind(r, addr + i * PAGE_SIZE) for i in range(count)), (rid, first)
    assert view.page_kinds(r, 0, 2) == (("unmapped", None),) * 2


def test_blocks_and_nodes_agree_with_the_allocations() -> None:
    r = _world()
    kinds = [b.kind for b in view.blocks(r.k, 0, 0, 32)]
    assert kinds.count("thp") == 1
    assert kinds.count("hugetlb") == 1 and kinds.count("hugetlb_free") == 1
    assert "base" in kinds and "free" in kinds
    node0 = view.nodes(r.k)[0]
    assert node0.has_memory and node0.total_mb == 64 and node0.hugetlb_total == 2
    assert node0.hugetlb_free == 1 and node0.blocks == 32


def test_lru_and_pagevec_views() -> None:
    """Lists are drawn head to tail by address label: the last page added is the head."""
    s = Session(lambda: demo_runner(pages=20))
    machine = s.view()
    lists = {lst.name: lst for lst in machine.lru[0].lists}
    inactive = lists["inactive_anon"]
    assert inactive.pages == 20 and inactive.folios == 20
    assert inactive.labels == ("A[19]", "A[18]", "A[17]", "A[16]", "A[15]", "A[14]")
    assert inactive.more == 14
    assert machine.lru[0].isolated == () and machine.lru[0].isolated_pages == 0
    assert [v.slots for v in machine.pagevecs] == [(), ()]
    assert machine.pages_on_node("A", 0) == (20, 20)
    assert machine.node_count == 2 and not machine.lru_cache_disabled


def test_view_is_one_per_version_and_shows_isolation() -> None:
    s = Session(lambda: demo_runner(pages=4))
    first = s.view()
    assert s.view() is first  # cached while nothing changes
    s.submit(O.MovePages(range=O.RangeSpec(id="A", pages="all", node=1)), "move A -> 1")
    while s.live is not None and not s.live.queued:
        s.step()
    machine = s.view()
    assert machine is not first
    assert machine.lru[0].isolated == ("A[0]",) and machine.lru[0].isolated_pages == 1
    inactive = {lst.name: lst for lst in machine.lru[0].lists}["inactive_anon"]
    assert "A[0]" not in inactive.labels and inactive.folios == 3
    assert machine.label(s.live.addrs[3]) == "A[3]"
