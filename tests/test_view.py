"""game.view: the read-only picture of the machine the UI draws."""

from __future__ import annotations

from migratelab.game import view
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
    r = demo_runner(pages=20)
    lists = {lst.name: lst for lst in view.lru(r.k)[0].lists}
    assert lists["inactive_anon"].pages == 20 and len(lists["inactive_anon"].heads) == 2
    assert [v.pfns for v in view.pagevecs(r.k)] == [(), ()]
    assert view.pages_on_node(r, "A", 0) == (20, 20)
    assert view.node_count(r.k) == 2 and not view.lru_cache_disabled(r.k)
