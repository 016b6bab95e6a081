"""The words behind every :class:`~migratelab.kernel.reasons.Reason`, as data.

One table, :data:`EXPLANATIONS`, kept beside the profiles: for each reason the
kernel function that decides it, a plain-words phrase (it follows a subject such
as ``A[100]`` or ``the call``) and the profile switch behind it, if one is.
:func:`cite` turns a switch into the commit that gave the active profile its
value. :data:`ERRNO_MEANINGS` says what each errno means in ``status[]`` or as the
call's error, and :data:`SWITCH_EXPLANATIONS` what each profile switch changes.
The game builds every sentence from these tables and never reads engine prose.
"""

from __future__ import annotations

from dataclasses import dataclass

from migratelab.kernel import errno as E
from migratelab.kernel.profiles import Change, Profile, switch_origin
from migratelab.kernel.reasons import Reason


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why one reason happens: who decides, in plain words, and which switch."""

    #: The kernel function that decides (v4.17+ names; see :func:`function_for`).
    function: str
    #: A phrase after a subject: "``A[3]`` <text>".
    text: str
    #: The profile switch that decides between behaviours, if any.
    switch: str | None = None


def _x(function: str, text: str, switch: str | None = None) -> Explanation:
    return Explanation(function, text, switch)


_APFM = "add_page_for_migration"
_UNMAP = "unmap_and_move"

#: Every reason the engine can report, explained.
EXPLANATIONS: dict[Reason, Explanation] = {
    Reason.BAD_FLAGS: _x("kernel_move_pages", "has flags other than MPOL_MF_MOVE and "
                         "MPOL_MF_MOVE_ALL, refused before anything else is looked at"),
    Reason.MOVE_ALL_NEEDS_CAP: _x("kernel_move_pages", "asks for MPOL_MF_MOVE_ALL "
                                  "without CAP_SYS_NICE"),
    Reason.NO_SUCH_TASK: _x("kernel_move_pages", "names a pid that find_task_by_vpid() "
                            "cannot find"),
    Reason.TASK_NOT_PERMITTED: _x("kernel_move_pages", "targets another user's process "
                                  "without CAP_SYS_PTRACE (ptrace_may_access fails)"),
    Reason.TASK_HAS_NO_MM: _x("kernel_move_pages", "targets a task with no address "
                              "space (a kernel thread or a zombie)"),
    Reason.ARRAY_UNREADABLE: _x("do_pages_move", "needs pages[i] or nodes[i] beyond the "
                                "arrays the caller passed: get_user() faults, so the "
                                "call stops there"),
    Reason.NODE_NOT_ONLINE: _x("do_pages_move", "names a node that does not exist or "
                               "has no memory (node_state(N_MEMORY) fails), so the call "
                               "stops at that entry"),
    Reason.NODE_NOT_IN_CPUSET: _x("do_pages_move", "names a node outside the target "
                                  "task's cpuset (node_isset(cpuset_mems_allowed))"),
    Reason.NO_VMA: _x(_APFM, "is in no VMA (find_vma finds nothing that covers it)"),
    Reason.VMA_NOT_MIGRATABLE: _x(_APFM, "is in a VMA that cannot be migrated "
                                  "(VM_IO or VM_PFNMAP, vma_migratable fails)"),
    Reason.ZERO_PAGE: _x("follow_page", "maps the shared zero page (read but never "
                         "written), which is never migrated"),
    Reason.HUGE_ZERO_PAGE: _x("follow_page", "maps the huge zero page (a read of an "
                              "aligned hugepage range), which is never migrated"),
    Reason.UNTOUCHED_ANON: _x("follow_page", "was never touched: its anonymous VMA has "
                              "no page there yet", "untouched_anon_errno"),
    Reason.NOT_PRESENT: _x("follow_page", "has no page mapped: a file page never "
                           "faulted in, or a page dropped since"),
    Reason.SWAPPED_OUT: _x("follow_page", "is swapped out: a swap entry, not a page"),
    Reason.PROT_NONE: _x("follow_page", "is mapped PROT_NONE and the lookup refuses to "
                         "follow it", "prot_none"),
    Reason.PROT_NONE_PMD: _x("follow_page", "is part of a PMD-mapped THP made PROT_NONE: "
                             "follow_pmd_mask gives up and FOLL_DUMP turns that into "
                             "-EFAULT", "prot_none"),
    Reason.PAGE_PRESENT: _x("do_pages_stat", "is mapped: the query reports the node "
                            "of its page"),
    Reason.ALREADY_ON_TARGET: _x(_APFM, "is already on the target node: its node is "
                                 "reported and nothing is migrated", "already_on_target"),
    Reason.SHARED_NO_MOVE_ALL: _x(_APFM, "is mapped by more than one process and "
                                  "MPOL_MF_MOVE_ALL is not set", "shared_test"),
    Reason.HUGETLB_TAIL: _x(_APFM, "is a tail page of a hugetlb page; only a head "
                            "address isolates it", "hugetlb_tail"),
    Reason.HUGETLB_ISOLATED: _x("isolate_hugetlb", "belongs to a hugetlb page, now on "
                                "the run's list"),
    Reason.HUGETLB_ALREADY_ISOLATED: _x("isolate_hugetlb", "belongs to a hugetlb page "
                                        "that is already isolated", "hugetlb_isolate_failure"),
    Reason.HUGETLB_ISOLATE_IGNORED: _x(_APFM, "belongs to a hugetlb page that is already "
                                       "isolated, but the failure is ignored and the "
                                       "entry counts as queued", "hugetlb_isolate_failure"),
    Reason.ISOLATED: _x("isolate_lru_page", "was taken off its LRU list and queued on "
                        "the run's list"),
    Reason.ALREADY_ISOLATED: _x(_APFM, "was already isolated earlier in "
                                "this call (the same page named twice)"),
    Reason.THP_HEAD_ISOLATED: _x(_APFM, "belongs to a THP whose head is "
                                 "already isolated"),
    Reason.IN_PAGEVEC: _x(_APFM, "sits in a per-CPU LRU-add pagevec with "
                          "PG_lru clear, so it cannot be isolated", "entry_drain"),
    Reason.NOT_ON_LRU: _x(_APFM, "is on no LRU list, so it cannot be "
                          "isolated"),
    Reason.MIGRATED: _x("store_status", "was migrated; store_status wrote the run's "
                        "target node"),
    Reason.RUN_FAILED: _x("do_move_pages_to_node", "was in a run whose migrate_pages() "
                          "call failed: a failed run's statuses are never written, even "
                          "for its pages that did move", "positive_return"),
    Reason.TRAILING_RUN_UNWRITTEN: _x("do_pages_move", "belongs to a trailing run of "
                                      "pages already on their target: the final flush "
                                      "had nothing queued and returned before "
                                      "store_status", "already_on_target"),
    Reason.NOT_REACHED: _x("do_pages_move", "was never reached: the call ended earlier "
                           "(a failed run, an invalid entry, or a count smaller than "
                           "the array)"),
    Reason.CHUNK_STATUS_DROPPED: _x("do_move_page_to_node_array", "was in a chunk whose "
                                    "migrate_pages() failed with an error: the chunk's "
                                    "statuses are never copied out", "batching"),
    Reason.MIGRATION_FAILED: _x(_UNMAP, "could not be migrated, and v4.14's "
                                "unmap_and_move wrote the errno into its own slot",
                                "batching"),
    Reason.NO_TARGET_NODE: _x("new_page_node", "found no entry of the chunk for the "
                              "page, so no target was allocated", "batching"),
    Reason.NO_TARGET_MEMORY: _x("alloc_migration_target", "found no free page on the "
                                "target node"),
    Reason.NO_TARGET_THP: _x("alloc_migration_target", "found no free 2 MiB block on the "
                             "target node for a THP", "thp_on_enomem"),
    Reason.NO_TARGET_HUGETLB: _x("alloc_migration_target", "found no free huge page in "
                                 "the target pool and no 2 MiB block to make one",
                                 "hugetlb_empty_pool"),
    Reason.TARGET_NODE_NO_MEMORY: _x("alloc_migration_target", "asked a node that has "
                                     "no memory"),
    Reason.PAGE_LOCKED: _x(_UNMAP, "is locked by someone else: the trylock failed, so it "
                           "waits for a forced pass", "migrate_engine"),
    Reason.WRITEBACK_ASYNC: _x(_UNMAP, "is under writeback and an asynchronous pass does "
                               "not wait for it", "migrate_engine"),
    Reason.WRITEBACK_NOT_FORCED: _x(_UNMAP, "is under writeback and the pass is not yet "
                                    "forcing, so it is retried", "migrate_engine"),
    Reason.EXTRA_REFERENCES: _x("folio_migrate_mapping", "has extra references (a pin): "
                                "the expected reference count is not met, so it is "
                                "retried until the passes run out"),
    Reason.SPLIT_NO_TARGET_THP: _x("split_huge_page_to_list", "is a THP with no THP free "
                                   "on the target, so it is split and its base pages "
                                   "migrate instead", "thp_on_enomem"),
    Reason.SPLIT_PARTIALLY_MAPPED: _x("try_split_folio", "is a partially mapped THP on "
                                      "the deferred split list, split before migration",
                                      "presplit_partially_mapped"),
    Reason.SPLIT_FAILED: _x("split_huge_page_to_list", "is a THP that cannot be split "
                            "(it has extra references)", "thp_split_failure_errno"),
}

#: What each errno means, as a status slot or as the call's own error.
ERRNO_MEANINGS: dict[int, str] = {
    E.EPERM: "not permitted: MPOL_MF_MOVE_ALL without CAP_SYS_NICE, or another user's "
             "process without CAP_SYS_PTRACE",
    E.ENOENT: "nothing is mapped there: a file page never faulted in, a swapped-out page, "
              "on 6.12 also an anonymous page never touched, on 6.1 a PROT_NONE entry",
    E.ESRCH: "no process has that pid",
    E.EIO: "v4.14 only: writing a dirty page back failed during migration",
    E.EAGAIN: "v4.14 only: migrate_pages retried ten times and gave up, usually because "
              "something holds an extra reference (a pin)",
    E.ENOMEM: "no memory for the target page: the call fails when the allocation "
              "callback cannot supply a page and no split helps",
    E.EACCES: "the page is mapped by more than one process and MPOL_MF_MOVE_ALL is not set, "
              "or (before 6.11) a hugetlb tail address, or a node outside the cpuset",
    E.EFAULT: "no VMA at that address, a VMA that cannot be migrated, the zero page or "
              "huge zero page, (4.3 to 6.11) an anonymous page never touched, or an "
              "array the kernel could not read",
    E.EBUSY: "the page could not be isolated: it was already isolated earlier in this call "
             "(a duplicate, or another subpage of the same THP or hugetlb page), or it sits "
             "in a per-CPU LRU-add pagevec with PG_lru clear",
    E.ENODEV: "a target node that does not exist or has no memory",
    E.EINVAL: "flags other than MPOL_MF_MOVE/MOVE_ALL, or a task without an address space",
}

#: What each profile switch changes, and where in the kernel.
SWITCH_EXPLANATIONS: dict[str, Explanation] = {
    "batching": _x("do_pages_move", "walks the request in fixed chunks (v4.14) or in "
                   "runs of consecutive same-node entries (4.17+)", "batching"),
    "chunk_entries": _x("do_pages_move", "fits this many entries in one chunk",
                        "chunk_entries"),
    "already_on_target": _x(_APFM, "decides what an entry already on its target node "
                            "reports and whether the open run is flushed",
                            "already_on_target"),
    "positive_return": _x("do_pages_move", "decides how the count of pages not migrated "
                          "reaches user space", "positive_return"),
    "untouched_anon_errno": _x("follow_page", "decides the status of an untouched "
                               "anonymous page", "untouched_anon_errno"),
    "hugetlb_tail": _x(_APFM, "decides whether a hugetlb tail address isolates the "
                       "whole page", "hugetlb_tail"),
    "hugetlb_isolate_failure": _x(_APFM, "decides whether an already isolated hugetlb "
                                  "page gives -EBUSY", "hugetlb_isolate_failure"),
    "hugetlb_empty_pool": _x("alloc_migration_target", "decides whether an empty target "
                             "pool falls back to a fresh huge page", "hugetlb_empty_pool"),
    "entry_drain": _x("kernel_move_pages", "decides how the per-CPU pagevecs are drained "
                      "at entry (and whether they stay closed)", "entry_drain"),
    "pagevec_size": _x("folio_batch_add", "sets how many pages a per-CPU pagevec holds",
                       "pagevec_size"),
    "putback_via_pagevec": _x("putback_lru_page", "decides whether a migrated page goes "
                              "back through a pagevec", "putback_via_pagevec"),
    "migrate_engine": _x("migrate_pages", "runs ten passes per list (until 6.2) or "
                         "batches of asynchronous then synchronous passes (6.3+)",
                         "migrate_engine"),
    "thp_on_enomem": _x("migrate_pages", "decides what happens to a THP when the target "
                        "has no THP", "thp_on_enomem"),
    "thp_split_failure_errno": _x("migrate_pages", "sets the errno when such a split "
                                  "fails", "thp_split_failure_errno"),
    "thp_failure_weight": _x("migrate_pages", "decides whether a failed THP counts as "
                             "one or as its base pages", "thp_failure_weight"),
    "thp_vmstat": _x("migrate_pages", "decides whether thp_migration_* counters exist",
                     "thp_vmstat"),
    "pgmigrate_unit": _x("migrate_pages", "decides whether pgmigrate_* count folios or "
                         "base pages", "pgmigrate_unit"),
    "zero_if_all_split_moved": _x("migrate_pages", "decides whether a fully migrated "
                                  "split THP still counts as a failure",
                                  "zero_if_all_split_moved"),
    "shared_test": _x(_APFM, "decides how a shared page is recognised", "shared_test"),
    "presplit_partially_mapped": _x("migrate_pages_batch", "decides whether a partially "
                                    "mapped THP is split first",
                                    "presplit_partially_mapped"),
    "prot_none": _x("follow_page", "decides whether a PROT_NONE entry is followed",
                    "prot_none"),
}


def function_for(reason: Reason, profile: Profile) -> str:
    """The deciding function on this profile (v4.14 has no add_page_for_migration)."""
    func = EXPLANATIONS[reason].function
    if profile.batching == "chunked" and func in (_APFM, "do_pages_move"):
        return "do_move_page_to_node_array"
    if func == "follow_page" and profile.untouched_anon_errno == E.ENOENT:
        return "folio_walk_start"  # 6.12 converted the lookup (7dff875c9436)
    return func


def cite(profile: Profile, switch: str | None) -> Change | None:
    """The change that gave ``profile`` its value of ``switch`` (None without one)."""
    if switch is None:
        return None
    return switch_origin(switch, getattr(profile, switch, None))


def citation(profile: Profile, switch: str | None) -> str | None:
    """``v6.1: prot_none = 'enoent', from 474098edac26 "title" (6.1)``, or None."""
    change = cite(profile, switch)
    if change is None or switch is None:
        return None
    return (f"{profile.name}: {switch} = {getattr(profile, switch)!r}, from {change.commit} "
            f"\"{change.title}\" ({change.release})")
