"""Why does ``status[i]`` hold what it holds? Answers built from trace events.

``explain`` reads only the events of one call (what the engine reported) and the
active profile, and names the kernel function that decided and, where a profile
switch is involved, the commit that introduced the behaviour. No UI imports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from migratelab.kernel import errno as E
from migratelab.kernel import events as ev
from migratelab.kernel.profiles import Profile, switch_origin

#: What each status errno means in move_pages, in a sentence.
MEANINGS: dict[str, str] = {
    "EFAULT": "no VMA at that address, a VMA that cannot be migrated, the zero page or "
              "huge zero page, or (4.3 to 6.11) an anonymous page never touched",
    "ENOENT": "nothing is mapped there: a file page never faulted in, a swapped-out page, "
              "on 6.12 also an anonymous page never touched, on 6.1 a PROT_NONE entry",
    "EACCES": "the page is mapped by more than one process and MPOL_MF_MOVE_ALL is not set, "
              "or (before 6.11) a hugetlb tail address",
    "EBUSY": "the page could not be isolated: it was already isolated earlier in this run "
             "(a duplicate, or another subpage of the same THP or hugetlb page), or it sits "
             "in a per-CPU LRU-add pagevec with PG_lru clear",
    "EAGAIN": "v4.14 only: migrate_pages retried ten times and gave up, usually because "
              "something holds an extra reference (a pin)",
    "EIO": "v4.14 only: writing a dirty page back failed during migration",
    "EINVAL": "v4.14 only: a dirty page could not be written back",
    "ENOMEM": "(never a status in practice)",
}

#: Phrases of the engine's ``why`` texts -> the profile switch behind them.
_SWITCH_OF_WHY: tuple[tuple[str, str], ...] = (
    ("never touched", "untouched_anon_errno"),
    ("PROT_NONE", "prot_none"),
    ("hugetlb tail", "hugetlb_tail"),
    ("hugetlb folio already isolated", "hugetlb_isolate_failure"),
    ("result is ignored", "hugetlb_isolate_failure"),
    ("already on the target node", "already_on_target"),
    ("more than one process", "shared_test"),
    ("pagevec", "entry_drain"),
)


@dataclass(frozen=True, slots=True)
class Explanation:
    """A title line and the reasons, most specific first."""

    title: str
    lines: tuple[str, ...]

    def text(self) -> str:
        """Everything as one block of text."""
        return "\n".join((self.title, *self.lines))


def _cite(profile: Profile, switch: str) -> str | None:
    value = getattr(profile, switch, None)
    change = switch_origin(switch, value)
    if change is None:
        return None
    return (f"{profile.name}: {switch} = {value!r}, from {change.commit} "
            f"\"{change.title}\" ({change.release})")


def explain(index: int, status: Sequence[int], events: Sequence[ev.Event],
            profile: Profile) -> Explanation:
    """Explain ``status[index]`` of the call whose events are ``events``."""
    if not 0 <= index < len(status):
        raise IndexError(f"status has {len(status)} entries; there is no status[{index}]")
    value = status[index]
    shown = E.status_str(value)
    entry = [e for e in events if isinstance(e, ev.EntryResult) and e.index == index]
    isolated = [e for e in events if isinstance(e, ev.PageIsolated) and e.index == index]
    invalid = [e for e in events if isinstance(e, ev.NodeInvalid)]
    flushes = [e for e in events if isinstance(e, ev.BatchFlush) and e.start <= index < e.end]
    stores = [e for e in events if isinstance(e, ev.StatusStore)
              and e.start <= index < e.end]
    chunked = profile.batching == "chunked"
    lines: list[str] = []
    if value == E.UNSET:
        title = f"status[{index}] = UNSET: the kernel never wrote this slot"
        stop = next((e for e in invalid if e.index <= index), None)
        if stop is not None:
            lines.append(f"entry {stop.index} names node {stop.node}, which fails validation "
                         f"({stop.errno}); the call stops there, so entries from "
                         f"{stop.index} on are never looked at (do_pages_move).")
        elif flushes and not stores:
            f = flushes[-1]
            lines.append(f"it was queued in the run [{f.start}:{f.end}) to node {f.node}; "
                         "that run's migrate_pages call failed, and a failed run's statuses "
                         "are never written, even for its pages that did move.")
            lines.append("the return value counts what was not migrated; the failing page "
                         "is not named anywhere.")
            cite = _cite(profile, "positive_return")
            if cite:
                lines.append(cite)
        elif any(isinstance(e, ev.Note) and "never written" in e.text for e in events):
            lines.append("it belongs to a trailing run of pages already on their target "
                         "node; the final flush had nothing queued and returned before "
                         "store_status (the bug Felix Abecassis reported).")
            cite = _cite(profile, "already_on_target")
            if cite:
                lines.append(cite)
        else:
            lines.append("the call ended before reaching this entry: an earlier run failed "
                         "(entries after a failed run are never attempted), or count was "
                         "smaller than the array.")
        return Explanation(title, tuple(lines))
    if value >= 0:
        title = f"status[{index}] = {value}: the page is on node {value}"
        if entry and not isolated:
            lines.append(f"add_page_for_migration: {entry[0].why}; its node is stored "
                         "at once, nothing is migrated.")
            cite = _cite(profile, "already_on_target")
            if cite:
                lines.append(cite)
        elif isolated:
            iso = isolated[0]
            lines.append(f"add_page_for_migration isolated {iso.folio} ({iso.nr_pages} "
                         f"page{'s' if iso.nr_pages > 1 else ''}) from node {iso.node}.")
            if flushes:
                f = flushes[-1]
                where = "its chunk" if chunked else f"its run [{f.start}:{f.end})"
                lines.append(f"{where} was flushed ({f.why}); migrate_pages moved it and "
                             "store_status wrote the target node for the whole run.")
            if chunked:
                lines.append("v4.14: the allocation callback new_page_node picked the "
                             "target from this entry and unmap_and_move wrote the result.")
        else:
            lines.append("store_status wrote the run's target node after a successful "
                         "migrate_pages call.")
        return Explanation(title, tuple(lines))
    name = E.errno_name(-value)
    title = f"status[{index}] = {shown}"
    lines.append(MEANINGS.get(name, "an error reported for this entry"))
    if entry:
        why = entry[0].why
        func = "do_move_page_to_node_array" if chunked else "add_page_for_migration"
        lines.append(f"here: {why} ({func}).")
        for phrase, switch in _SWITCH_OF_WHY:
            if phrase in why:
                cite = _cite(profile, switch)
                if cite:
                    lines.append(cite)
                break
    elif chunked:
        lines.append("v4.14: the migration itself failed and unmap_and_move wrote the errno "
                     "into this slot (later kernels never report migration failures "
                     "per page).")
    if not chunked:
        lines.append("a status that is not a node ends the open run: the entries before it "
                     "are migrated now, and the next entry opens a new run.")
    return Explanation(title, tuple(lines))
