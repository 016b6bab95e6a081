"""Kernel behaviour profiles: one frozen record of switches per kernel release.

The engine never branches on a version string. It reads a switch of the active
:class:`Profile`, and every switch value is tied, in :data:`SWITCH_HISTORY`, to the
commit that introduced it. ``docs/profiles.md`` is generated from these tables
(``migratelab profiles --markdown``) and a test fails if the file drifts.

Where the reference (``move_pages-semantics.md``) marks a fact as read from
memory, or where real 6.1/6.12 runs contradicted it, the :class:`Change` says so in
its ``evidence`` text.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Literal

from migratelab.kernel import errno as E


@dataclass(frozen=True, slots=True)
class Change:
    """The commit that gave a switch one of its values."""

    value: object
    commit: str
    title: str
    release: str
    evidence: str = ""


@dataclass(frozen=True, slots=True)
class Profile:
    """Every behaviour of ``move_pages(2)`` that differs between releases.

    Field docs say what each value does; :data:`SWITCH_HISTORY` says where it came
    from.
    """

    name: str
    release: str
    #: ``chunked``: v4.14 ``do_move_page_to_node_array`` over fixed chunks, one
    #: ``migrate_pages`` call per chunk. ``dynamic``: runs of same-node entries.
    batching: Literal["chunked", "dynamic"]
    #: Entries per chunk in the chunked model (PAGE_SIZE / 24 - 1).
    chunk_entries: int
    #: What an entry whose page already sits on the target gets.
    #: ``chunk_node``: its node, as part of the chunk (v4.14);
    #: ``queued``: treated like a queued page, written only by a later flush of a
    #: non-empty run (v4.17, the trailing-run bug);
    #: ``store_continue``: node stored at once, run continues (v5.5/5.6);
    #: ``store_flush``: node stored at once, the open run is flushed (v5.7+).
    already_on_target: Literal["chunk_node", "queued", "store_continue", "store_flush"]
    #: How a positive ``migrate_pages`` return reaches user space.
    #: ``ignored`` (v4.14), ``run_only`` (v4.17), ``v5_6``, ``v5_7`` (off by one),
    #: ``exact`` (v6.0+). See reference section 4.3.
    positive_return: Literal["ignored", "run_only", "v5_6", "v5_7", "exact"]
    #: Status of an untouched page in an anonymous VMA (and in query mode).
    untouched_anon_errno: int
    #: A hugetlb tail address: ``eacces`` (head-only isolation) or ``whole_folio``.
    hugetlb_tail: Literal["eacces", "whole_folio"]
    #: A hugetlb page that is already isolated: ``ignored`` (entry counted as
    #: queued) or ``ebusy``.
    hugetlb_isolate_failure: Literal["ignored", "ebusy"]
    #: Target pool empty: ``enomem`` or ``buddy_fallback`` (fresh huge page).
    hugetlb_empty_pool: Literal["enomem", "buddy_fallback"]
    #: What runs at syscall entry: ``migrate_prep`` (one lru_add_drain_all) or
    #: ``lru_cache_disable`` (drain, then LRU adds bypass the pagevecs).
    entry_drain: Literal["migrate_prep", "lru_cache_disable"]
    #: Capacity of a per-CPU LRU-add pagevec / folio batch.
    pagevec_size: int
    #: A page put back after migration goes through the migrating CPU's pagevec.
    putback_via_pagevec: bool
    #: ``loop``: up to 10 passes, force from pass 3. ``batched``: 512-page chunks,
    #: 3 async passes for the whole chunk, then 7 sync passes folio by folio.
    migrate_engine: Literal["loop", "batched"]
    #: A THP whose target cannot supply a THP: ``abort`` (-ENOMEM ends the call),
    #: ``split_inline`` (split into the list being walked), ``split_side_list``
    #: (second full round over the pieces), ``split_async_once`` (one async pass).
    thp_on_enomem: Literal["abort", "split_inline", "split_side_list", "split_async_once"]
    #: Errno when that split itself fails (the THP has extra references).
    thp_split_failure_errno: int
    #: How a failed THP counts in the ``migrate_pages`` return value.
    thp_failure_weight: Literal["folio", "base_pages"]
    #: ``thp_migration_*`` vmstat counters exist.
    thp_vmstat: bool
    #: ``pgmigrate_*`` count ``entry`` (one per folio) or ``base_pages``.
    pgmigrate_unit: Literal["entry", "base_pages"]
    #: ``migrate_pages`` returns 0 when every split piece ended up migrated.
    zero_if_all_split_moved: bool
    #: Shared-page test for -EACCES without MOVE_ALL.
    shared_test: Literal["page_mapcount", "folio_likely_mapped_shared"]
    #: A partially unmapped THP is split before migration.
    presplit_partially_mapped: bool
    #: A present PTE made PROT_NONE by mprotect: ``enoent`` or ``follow``.
    prot_none: Literal["enoent", "follow"]
    #: What ``queue_pages_range()`` (mbind, migrate_pages(2)) reports.
    #: ``unmovable_flag``: 0, 1 ("something unmovable, with STRICT") or -EIO; a
    #: PTE-mapped THP is isolated once per PTE, so its later PTEs look unmovable.
    #: ``nr_failed``: the number of folios it could not queue, each large folio
    #: once; migrate_pages(2) adds them to its return value.
    queue_pages_result: Literal["unmovable_flag", "nr_failed"] = "nr_failed"
    #: fork() and a MAP_SHARED hugetlb mapping: ``copy`` its page tables, or
    #: ``fault`` (the child starts empty and faults the pages in).
    fork_shared_hugetlb: Literal["copy", "fault"] = "fault"
    #: A THP migrated while mapped by PTEs: ``whole`` (it stays a plain THP) or
    #: ``deferred_split`` (the new copy lands on the deferred split list as
    #: partially mapped, so its next migration splits it first).
    migrated_pte_mapped_thp: Literal["whole", "deferred_split"] = "deferred_split"

    def describe(self) -> str:
        """One line per switch, for ``migratelab profiles``."""
        lines = [f"{self.name} ({self.release})"]
        for f in fields(self):
            if f.name in ("name", "release"):
                continue
            lines.append(f"  {f.name} = {getattr(self, f.name)!r}")
        return "\n".join(lines)


REWORK = Change(
    "dynamic",
    "a49bd4d71637",
    "mm, numa: rework do_pages_move",
    "4.17",
    "reference 2.2, 4.2 [V:S419]",
)

#: For each switch, the values it has taken and the commit behind each value.
SWITCH_HISTORY: dict[str, tuple[Change, ...]] = {
    "batching": (
        Change("chunked", "3140a2273009", "mm: rework do_pages_move() to work on page_sized chunks",
               "2.6.29", "reference 4.1 [V:S415]"),
        REWORK,
    ),
    "chunk_entries": (
        Change(169, "3140a2273009", "mm: rework do_pages_move() to work on page_sized chunks",
               "2.6.29", "PAGE_SIZE / sizeof(struct page_to_node) - 1 [V:S415]"),
    ),
    "already_on_target": (
        Change("chunk_node", "3140a2273009",
               "mm: rework do_pages_move() to work on page_sized chunks", "2.6.29",
               "node check stores the page's node [V:S415]"),
        Change("queued", "a49bd4d71637", "mm, numa: rework do_pages_move", "4.17",
               "trailing already-placed run never written (Felix Abecassis) [Vm:E0153]"),
        Change("store_continue", "e0153fc2c760",
               "mm: move_pages: return valid node id in status if the page is already on "
               "the target node", "5.5", "[Vm:E0153]"),
        Change("store_flush", "(Wei Yang, id not verified)",
               "mm/migrate.c: unify \"not queued for migration\" handling in do_pages_move()",
               "5.7", "[Vm:WEIYANG]; real 6.1/6.12 agree [R:02_already_on_target]"),
    ),
    "positive_return": (
        Change("ignored", "3140a2273009",
               "mm: rework do_pages_move() to work on page_sized chunks", "2.6.29",
               "positive migrate_pages return dropped [V:S415]"),
        Change("run_only", "a49bd4d71637", "mm, numa: rework do_pages_move", "4.17",
               "failures of the failing run only [Vm:HOCKO20]"),
        Change("v5_6", "5984fabb6e82",
               "mm: move_pages: report the number of non-attempted pages", "5.6", "[Vm:5984]"),
        Change("v5_7", "(Wei Yang, id not verified)",
               "mm/migrate.c: unify \"not queued for migration\" handling in do_pages_move()",
               "5.7", "shared helper adds n-i-1, one too few [V:S510]"),
        Change("exact", "(Huang Ying)",
               "migrate: fix syscall move_pages() return value for failure", "6.0",
               "[Vm:HUANGRV]; real 6.1/6.12 [R:41_pinned_page]"),
    ),
    "untouched_anon_errno": (
        Change(E.EFAULT, "d899844e9c98",
               "mm: fix status code which move_pages() returns for zero page", "4.3",
               "FOLL_DUMP makes an empty anon PTE -EFAULT [V:LTP move_pages04]"),
        Change(E.ENOENT, "7dff875c9436",
               "mm/migrate: convert add_page_for_migration() from follow_page() to folio_walk",
               "6.12", "[Vm:P612]; real 6.12 [R:03_unpopulated]"),
    ),
    "hugetlb_tail": (
        Change("eacces", "e66f17ff7177", "mm/hugetlb: take page table lock in follow_huge_pmd()",
               "4.0", "only a head page is isolated [V:S415..S66]; real 6.1 [R:20_hugetlb_tail]"),
        Change("whole_folio", "(Kefeng Wang)",
               "mm: migrate: remove PageHead() check for HugeTLB in add_page_for_migration()",
               "by 6.11", "[Vm:KEFENG, V:S611]; real 6.12 [R:20_hugetlb_tail]"),
    ),
    "hugetlb_isolate_failure": (
        Change("ignored", "e8db67eb0ded", "mm: migrate: move_pages() supports thp migration",
               "4.14", "isolate_huge_page result not checked [V:S415..S519]"),
        Change("ebusy", "7ce82f4c3f3e",
               "mm/migration: return errno when isolate_huge_page failed", "6.0",
               "[Vm:MIAOHE]; real 6.12 [R:21_hugetlb_head_and_tail]"),
    ),
    "hugetlb_empty_pool": (
        Change("enomem", "(pre-4.16)", "hugetlb migration allocates only from the pool",
               "<=4.15", "[M] reference F26: older columns unverified"),
        Change("buddy_fallback", "ab5ac90aecf5",
               "mm, hugetlb: do not rely on overcommit limit during migration",
               "4.16/4.17", "absent in 4.15.18, present in 4.19 (kernel-notes Q4); "
               "real 6.1/6.12 [R:39_hugetlb_target_pool_empty]"),
    ),
    "entry_drain": (
        Change("migrate_prep", "(2.6.16)", "migrate_prep(): lru_add_drain_all() at entry",
               "<=5.12", "[V:S415,S419,S510]"),
        Change("lru_cache_disable", "d479960e44f2",
               "mm: disable LRU pagevec during the migration temporarily", "5.13",
               "with 361a2a229fa3 \"mm: replace migrate_[prep|finish] with "
               "lru_cache_[disable|enable]\" [Vm:MINCHAN]. Belongs to v6.1 and v6.12 here; "
               "the v5.12 profile predates it."),
    ),
    "pagevec_size": (
        Change(14, "(4.14)", "struct pagevec holds 14 pages plus a cold flag", "4.14",
               "[V:PV414]"),
        Change(15, "(id not verified)", "mm: get 7% more pages in a pagevec", "4.16/4.17",
               "kernel-notes Q3: 14 slots plus a cold flag in 4.15, 15 slots by 4.19; the "
               "reference's 'from 4.15' is corrected"),
        Change(31, "9cecde80aae0", "mm: increase folio batch size", "6.9", "[Vm:BATCH31]"),
    ),
    "putback_via_pagevec": (
        Change(True, "(4.x)", "putback_lru_page() adds through lru_cache_add()", "<=5.12",
               "[V:S415,S419; M for the body]"),
        Change(False, "d479960e44f2",
               "mm: disable LRU pagevec during the migration temporarily", "5.13",
               "while lru_cache_disable() holds, LRU adds bypass the batch"),
    ),
    "migrate_engine": (
        Change("loop", "(2.6.16)", "migrate_pages(): up to 10 passes, force after pass 2",
               "<=6.2", "[V:S415..S60]"),
        Change("batched", "5dfab109d519", "migrate_pages: batch _unmap and _move", "6.3",
               "with 42012e0436d4 \"migrate_pages: restrict number of pages to migrate in "
               "batch\" [V:S66]"),
    ),
    "thp_on_enomem": (
        Change("abort", "e8db67eb0ded", "mm: migrate: move_pages() supports thp migration",
               "4.14", "new_page_node returns NULL, the syscall fails with ENOMEM [V:S415]"),
        Change("split_inline", "(Michal Hocko)", "mm: unclutter THP migration", "4.17",
               "split into the list being walked [V:S419]"),
        Change("split_side_list", "(Huang Ying)",
               "migrate_pages(): fix THP failure counting / split to a side list", "6.0",
               "second round over thp_split_pages [V:S60]"),
        Change("split_async_once", "5dfab109d519", "migrate_pages: batch _unmap and _move",
               "6.3", "pieces get one MIGRATE_ASYNC pass [V:S66,S611]"),
    ),
    "thp_split_failure_errno": (
        Change(E.EBUSY, "(Michal Hocko)", "mm: unclutter THP migration", "4.17",
               "the split's own errno becomes the return value [V:S419,S510]"),
        Change(E.ENOMEM, "(Yang Shi)", "try_split_thp keeps -ENOMEM", "~5.12 [M]",
               "[V:S515,S60,S611]"),
    ),
    "thp_failure_weight": (
        Change("folio", "e8db67eb0ded", "mm: migrate: move_pages() supports thp migration",
               "4.14", "one list entry"),
        Change("base_pages", "(Zi Yan)", "mm/vmstat: add events for THP migration without split",
               "5.9", "failed THP counts 512 [V:S510]"),
        Change("folio", "b5bade978e9b", "mm: migrate: fix the return value of migrate_pages()",
               "5.17", "real 6.1 counts a pinned THP as 1 [R:42_pinned_thp]"),
    ),
    "thp_vmstat": (
        Change(False, "(none)", "no thp_migration_* counters", "<=5.8", ""),
        Change(True, "(Zi Yan)", "mm/vmstat: add events for THP migration without split",
               "5.9", "[V:S510]"),
    ),
    "pgmigrate_unit": (
        Change("entry", "(none)", "pgmigrate_* count list entries", "<=5.8", "[V:S415,S419]"),
        Change("base_pages", "(Zi Yan)", "mm/vmstat: add events for THP migration without split",
               "5.9", "THPs count their base pages [V:S510]"),
    ),
    "zero_if_all_split_moved": (
        Change(False, "(none)", "a split THP counts as not migrated", "<=6.0", ""),
        Change(True, "(Baolin Wang)",
               "mm: migrate: fix return value if all subpages of THPs are migrated successfully",
               "6.1", "[Vm:BAOLIN]; real 6.1 [R:18_thp_split_no_2m_block]"),
    ),
    "shared_test": (
        Change("page_mapcount", "(2.6.18)", "page_mapcount(page) > 1 on the looked-up page",
               "<=6.10", "[V:S415..S60]; whole-THP map count counts [R:32_thp_fork_shared]"),
        Change("folio_likely_mapped_shared", "(David Hildenbrand)",
               "use folio_likely_mapped_shared() in add_page_for_migration()", "by 6.11",
               "[V:S611]"),
    ),
    "presplit_partially_mapped": (
        Change(False, "(none)", "a partially unmapped THP migrates whole", "<=6.10",
               "real 6.1 [R:33_thp_pte_mapped]"),
        Change(True, "(Zi Yan)", "mm/migrate: split source folio if it is on deferred split list",
               "by 6.11", "[V:S611]; real 6.12 [R:33_thp_pte_mapped]"),
    ),
    "prot_none": (
        Change("follow", "(FOLL_NUMA era)",
               "follow_page() without FOLL_NUMA follows a PROT_NONE PTE", "<=6.0",
               "docs/research/kernel-notes.md Q5 (read in 4.15, 4.19, 5.10 trees)"),
        Change("enoent", "474098edac26",
               "mm/gup: replace FOLL_NUMA by gup_can_follow_protnone()", "6.1",
               "without FOLL_FORCE the lookup refuses PROT_NONE; real 6.1 [R:34_prot_none]; "
               "upstream fix d74943a2f3cd (6.5) did not reach 6.1-stable"),
        Change("follow", "7dff875c9436",
               "mm/migrate: convert add_page_for_migration() from follow_page() to folio_walk",
               "6.12", "folio_walk never tests PROT_NONE; real 6.12 [R:34_prot_none]"),
    ),
    "queue_pages_result": (
        Change("unmovable_flag", "(Yang Shi)",
               "mm: mempolicy: make mbind() return -EIO when MPOL_MF_STRICT is specified",
               "5.2", "real 6.1 [R:64_mbind_partial_thp]: EIO for a PTE-mapped THP"),
        Change("nr_failed", "(Hugh Dickins)",
               "mempolicy: fix migrate_pages(2) syscall return nr_failed", "6.7",
               "also 'mempolicy: mmap_lock is not needed while migrating folios'; "
               "real 6.12 [R:64_mbind_partial_thp]"),
    ),
    "fork_shared_hugetlb": (
        Change("copy", "(2.6)", "copy_page_range() copies every hugetlb VMA", "<=5.19", ""),
        Change("fault", "bcd51a3c679d", "hugetlb: lazy page table copies in fork()", "6.0",
               "real 6.1 and 6.12 [R:80_hugetlb_shared_fork]"),
    ),
    "migrated_pte_mapped_thp": (
        Change("whole", "(none)", "a migrated THP is a plain THP again", "<=6.11",
               "real 6.1 [R:81_thp_mprotect_half]"),
        Change("deferred_split", "(Usama Arif)",
               "mm: introduce a pageflag for partially mapped folios", "6.12",
               "observed, commit not pinned down: real 6.12 splits a THP on the migration "
               "after one made while it was PTE-mapped [R:81_thp_mprotect_half, "
               "R:63_mbind_move_thp]"),
    ),
}


#: v4.14 states every switch; each later profile states only what changed since the
#: previous one (the commits are in :data:`SWITCH_HISTORY`).
V4_14 = Profile(
    name="v4.14", release="4.14 (pre-rework, Dec 2017)", batching="chunked", chunk_entries=169,
    already_on_target="chunk_node", positive_return="ignored", untouched_anon_errno=E.EFAULT,
    hugetlb_tail="eacces", hugetlb_isolate_failure="ignored", hugetlb_empty_pool="enomem",
    entry_drain="migrate_prep", pagevec_size=14, putback_via_pagevec=True, migrate_engine="loop",
    thp_on_enomem="abort", thp_split_failure_errno=E.EBUSY, thp_failure_weight="folio",
    thp_vmstat=False, pgmigrate_unit="entry", zero_if_all_split_moved=False,
    shared_test="page_mapcount", presplit_partially_mapped=False, prot_none="follow",
    queue_pages_result="unmovable_flag", fork_shared_hugetlb="copy",
    migrated_pte_mapped_thp="whole")
V4_17 = replace(
    V4_14, name="v4.17", release="4.17 (Hocko's rework)", batching="dynamic",
    already_on_target="queued", positive_return="run_only", hugetlb_empty_pool="buddy_fallback",
    pagevec_size=15, thp_on_enomem="split_inline")
V5_6 = replace(
    V4_17, name="v5.6", release="5.6 (Yang Shi's status fixes)",
    already_on_target="store_continue", positive_return="v5_6")
V5_12 = replace(
    V5_6, name="v5.12", release="5.12 (before lru_cache_disable)", already_on_target="store_flush",
    positive_return="v5_7", thp_failure_weight="base_pages", thp_vmstat=True,
    pgmigrate_unit="base_pages")
V6_1 = replace(
    V5_12, name="v6.1", release="6.1 (Debian bookworm)", positive_return="exact",
    hugetlb_isolate_failure="ebusy", entry_drain="lru_cache_disable", putback_via_pagevec=False,
    thp_on_enomem="split_side_list", thp_split_failure_errno=E.ENOMEM,
    thp_failure_weight="folio", zero_if_all_split_moved=True, prot_none="enoent",
    fork_shared_hugetlb="fault")
V6_12 = replace(
    V6_1, name="v6.12", release="6.12 (Debian trixie)", untouched_anon_errno=E.ENOENT,
    hugetlb_tail="whole_folio", pagevec_size=31, migrate_engine="batched",
    thp_on_enomem="split_async_once", shared_test="folio_likely_mapped_shared",
    presplit_partially_mapped=True, prot_none="follow", queue_pages_result="nr_failed",
    migrated_pte_mapped_thp="deferred_split")

#: Every profile by name, oldest first.
PROFILES: dict[str, Profile] = {p.name: p for p in (V4_14, V4_17, V5_6, V5_12, V6_1, V6_12)}


class UnknownProfile(ValueError):
    """Raised for a profile name that is not in :data:`PROFILES`."""


def get_profile(name: str) -> Profile:
    """Look a profile up by name; ``6.1`` and ``v6.1`` name the same profile."""
    key = name if name.startswith("v") else "v" + name
    try:
        return PROFILES[key]
    except KeyError:
        known = ", ".join(PROFILES)
        raise UnknownProfile(f"unknown kernel profile {name!r} (known: {known})") from None


def switch_origin(switch: str, value: object) -> Change | None:
    """The newest change that gave ``switch`` the value ``value``."""
    for change in reversed(SWITCH_HISTORY.get(switch, ())):
        if change.value == value:
            return change
    return None
