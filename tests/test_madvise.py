"""madvise(2) without swap: the state behind what oracle scenarios 71-76, 85 and 86
observed (LRU lists, page cache, splits), and the swap device option."""

from __future__ import annotations

import pytest
from mlhelp import MODERN, Run, anon, thp

from migratelab.kernel.folio import PG_LAZYFREE, Folio
from migratelab.kernel.lru import lru_of
from migratelab.kernel.mm import Backing


def _folio(r: Run, rid: str, page: int = 0) -> Folio:
    proc = r.runner.proc
    assert proc.mm is not None
    vma = proc.mm.find_vma(r.addr(rid, page))
    assert vma is not None
    entry = vma.pt[vma.index(r.addr(rid, page))]
    assert isinstance(entry, Folio)
    return entry


def _advise(r: Run, rid: str, advice: str, rng: list[int] | None = None) -> dict[str, object]:
    op: dict[str, object] = {"op": "madvise", "id": rid, "advice": advice}
    if rng is not None:
        op["range"] = rng
    return r.ops(op)


@pytest.mark.parametrize("profile", MODERN)
def test_free_is_lazy_and_a_write_cancels_it(profile: str) -> None:
    r = Run(profile)
    r.ops(*anon("A", 4, node=0))
    assert _advise(r, "A", "free")["ret"] == 0
    folio = _folio(r, "A", 1)
    assert folio.flags & PG_LAZYFREE and lru_of(folio) == "inactive_file"
    assert r.query([["A", 1]]) == ["0"]  # still mapped: only reclaim would drop it
    r.ops({"op": "touch", "id": "A", "pages": [1]})
    assert not folio.flags & PG_LAZYFREE and lru_of(folio) == "inactive_anon"


@pytest.mark.parametrize("profile", MODERN)
def test_pageout_without_swap_keeps_anon_and_splits_a_thp(profile: str) -> None:
    r = Run(profile)
    r.ops(*anon("A", 2, node=0), *thp("T"))
    before = r.k.vmstat["thp_split_page"]
    _advise(r, "A", "pageout")
    _advise(r, "T", "pageout")
    assert r.query([["A", 0], ["T", 0]]) == ["0", "0"]
    assert r.k.vmstat["thp_split_page"] == before + 1
    assert not _folio(r, "T", 7).order  # 512 base pages now
    assert r.k.vmstat["pswpout"] == 0


def test_pageout_with_a_swap_device_swaps_anon_out() -> None:
    r = Run("v6.12", swap=True)
    r.ops(*anon("A", 2, node=0))
    _advise(r, "A", "pageout")
    assert r.query([["A", 0]]) == ["-ENOENT"] and r.k.vmstat["pswpout"] == 2


@pytest.mark.parametrize("profile", MODERN)
def test_pageout_unmaps_page_cache_and_drops_only_clean_file_pages(profile: str) -> None:
    r = Run(profile)
    r.ops({"op": "mmap", "id": "E", "pages": 4, "kind": "file", "fs": "ext4"},
          {"op": "touch", "id": "E", "mode": "read"},          # read in: clean
          {"op": "mmap", "id": "S", "pages": 4, "kind": "anon_shared"},
          {"op": "touch", "id": "S"})
    e_cache, s_cache = _folio(r, "E").mapping, _folio(r, "S").mapping
    assert isinstance(e_cache, Backing) and isinstance(s_cache, Backing)
    _advise(r, "E", "pageout")
    _advise(r, "S", "pageout")
    assert r.query([["E", 0], ["S", 0]]) == ["-ENOENT", "-ENOENT"]
    assert e_cache.cache == {}           # clean: dropped
    assert len(s_cache.cache) == 4       # shmem without swap: kept


@pytest.mark.parametrize("profile", MODERN)
def test_cold_on_part_of_a_thp_splits_it(profile: str) -> None:
    r = Run(profile)
    r.ops(*thp("T", 1024))
    _advise(r, "T", "cold", [0, 100])
    _advise(r, "T", "cold", [512, 512])
    assert not _folio(r, "T", 0).order and _folio(r, "T", 600).order == 9


@pytest.mark.parametrize(("advice", "rng", "errno"), [
    ("dontneed", [256, 256], "EINVAL"),   # not huge-page aligned
    ("free", None, "EINVAL"),
    ("cold", None, "EINVAL"),
    ("pageout", None, "EINVAL"),
    ("dontneed", [0, 700], None),         # the end is rounded down to 512
])
def test_hugetlb_takes_only_aligned_dontneed(advice: str, rng: list[int] | None,
                                             errno: str | None) -> None:
    r = Run("v6.12")
    r.ops({"op": "mmap", "id": "H", "pages": 1024, "kind": "hugetlb"},
          {"op": "touch", "id": "H"})
    assert _advise(r, "H", advice, rng)["errno"] == errno
    if errno is None:
        assert r.query([["H", 0], ["H", 512]]) == ["-ENOENT", "0"]


@pytest.mark.parametrize("advice", ["dontneed", "free", "cold", "pageout"])
def test_mlocked_memory_refuses_reclaim_advice(advice: str) -> None:
    r = Run("v6.1")
    r.ops(*anon("L", 2), {"op": "mlock", "id": "L"})
    assert _advise(r, "L", advice)["errno"] == "EINVAL"
