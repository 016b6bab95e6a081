"""Why an entry, a folio or a call ended the way it did: one enum, no prose.

Every per-entry result (:class:`~migratelab.kernel.events.EntryResult`,
:class:`~migratelab.kernel.events.PageIsolated`), every event that decides an
outcome (a failed migration attempt, a split, a status that is never stored, an
invalid node) and the syscall's own exit carry one :class:`Reason`. The words a
learner reads live in one table, :data:`migratelab.kernel.explanations.EXPLANATIONS`,
which also names the kernel function that decides and the profile switch behind
the reason. Rewording an explanation can therefore never change what the game
recognises.
"""

from __future__ import annotations

import enum


class Reason(enum.Enum):
    """One outcome, named for what the kernel saw."""

    # -- the syscall itself (kernel_move_pages) --------------------------------------
    BAD_FLAGS = "bad_flags"
    MOVE_ALL_NEEDS_CAP = "move_all_needs_cap"
    NO_SUCH_TASK = "no_such_task"
    TASK_NOT_PERMITTED = "task_not_permitted"
    TASK_HAS_NO_MM = "task_has_no_mm"
    ARRAY_UNREADABLE = "array_unreadable"
    # -- node validation (do_pages_move) ---------------------------------------------
    NODE_NOT_ONLINE = "node_not_online"
    NODE_NOT_IN_CPUSET = "node_not_in_cpuset"
    # -- the lookup (follow_page / folio_walk) ---------------------------------------
    NO_VMA = "no_vma"
    VMA_NOT_MIGRATABLE = "vma_not_migratable"
    ZERO_PAGE = "zero_page"
    HUGE_ZERO_PAGE = "huge_zero_page"
    UNTOUCHED_ANON = "untouched_anon"
    NOT_PRESENT = "not_present"
    SWAPPED_OUT = "swapped_out"
    PROT_NONE = "prot_none"
    PROT_NONE_PMD = "prot_none_pmd"
    PAGE_PRESENT = "page_present"
    # -- add_page_for_migration ------------------------------------------------------
    ALREADY_ON_TARGET = "already_on_target"
    SHARED_NO_MOVE_ALL = "shared_no_move_all"
    HUGETLB_TAIL = "hugetlb_tail"
    HUGETLB_ISOLATED = "hugetlb_isolated"
    HUGETLB_ALREADY_ISOLATED = "hugetlb_already_isolated"
    HUGETLB_ISOLATE_IGNORED = "hugetlb_isolate_ignored"
    ISOLATED = "isolated"
    ALREADY_ISOLATED = "already_isolated"
    THP_HEAD_ISOLATED = "thp_head_isolated"
    IN_PAGEVEC = "in_pagevec"
    NOT_ON_LRU = "not_on_lru"
    # -- statuses written late or never (store_status) -------------------------------
    MIGRATED = "migrated"
    RUN_FAILED = "run_failed"
    TRAILING_RUN_UNWRITTEN = "trailing_run_unwritten"
    NOT_REACHED = "not_reached"
    CHUNK_STATUS_DROPPED = "chunk_status_dropped"
    MIGRATION_FAILED = "migration_failed"
    # -- one migration attempt (unmap_and_move / migrate_folio_unmap) ----------------
    NO_TARGET_NODE = "no_target_node"
    NO_TARGET_MEMORY = "no_target_memory"
    NO_TARGET_THP = "no_target_thp"
    NO_TARGET_HUGETLB = "no_target_hugetlb"
    TARGET_NODE_NO_MEMORY = "target_node_no_memory"
    PAGE_LOCKED = "page_locked"
    WRITEBACK_ASYNC = "writeback_async"
    WRITEBACK_NOT_FORCED = "writeback_not_forced"
    EXTRA_REFERENCES = "extra_references"
    # -- THP splits (split_huge_page_to_list / try_split_folio) ----------------------
    SPLIT_NO_TARGET_THP = "split_no_target_thp"
    SPLIT_PARTIALLY_MAPPED = "split_partially_mapped"
    SPLIT_FAILED = "split_failed"


#: The lookup reasons: the page could not be found, so nothing was isolated.
LOOKUP_REASONS = frozenset({
    Reason.NO_VMA, Reason.VMA_NOT_MIGRATABLE, Reason.ZERO_PAGE, Reason.HUGE_ZERO_PAGE,
    Reason.UNTOUCHED_ANON, Reason.NOT_PRESENT, Reason.SWAPPED_OUT, Reason.PROT_NONE,
    Reason.PROT_NONE_PMD,
})

#: Reasons no single event carries: a reader of the events infers them (a queued
#: entry whose run stored its node was migrated; on v4.14 a queued entry whose slot
#: holds an errno failed in migration, written by ``unmap_and_move``).
INFERRED_REASONS = frozenset({Reason.MIGRATED, Reason.MIGRATION_FAILED})
