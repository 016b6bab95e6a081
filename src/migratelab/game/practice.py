"""Endless seeded predict problems, in the manner of OSTEP's homework simulators.

A problem is drawn from ``(seed, profile, topic)`` alone: the same three values give
the same problem, byte for byte, on every run and machine (``random.Random`` seeded
with a string hashes it with SHA-512, which does not depend on ``PYTHONHASHSEED``).
Every problem is written in the ops language as a level file with a ``predict``
goal, so it can be saved, checked and played like any other level.

The generator only combines cases whose answer follows from rules the engine
models and the conformance set pins down: base pages on a node, already-placed
pages, THP heads and tails, a THP split when the target has no free 2 MiB block,
hugetlb heads and tails, pages shared after fork with and without
``MPOL_MF_MOVE_ALL``, pages in a per-CPU pagevec, untouched memory, the zero page,
an unmapped address, a node past the last, and a pinned page. The answer itself
comes from the simulated kernel of the chosen profile.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from migratelab.kernel.profiles import PROFILES

#: Topic names, in the order the CLI lists them.
TOPICS: tuple[str, ...] = ("batching", "thp", "hugetlb", "sharing", "pagevec", "errors",
                           "mixed")
#: Profiles a problem can be drawn for.
PROFILE_NAMES: tuple[str, ...] = tuple(PROFILES)
PROBLEM_VERSION = 1
THP_PAGES = 512


@dataclass
class Draft:
    """A problem under construction: machine, setup ops, prose, and the request."""

    rng: random.Random
    nodes: int = 2
    hugetlb_per_node: int = 0
    setup: list[dict[str, Any]] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)
    entries: list[list[Any]] = field(default_factory=list)
    flags: list[str] = field(default_factory=lambda: ["MPOL_MF_MOVE"])
    hints: list[str] = field(default_factory=list)
    used: set[str] = field(default_factory=set)

    def region_id(self, first: str) -> str:
        """A region id not used yet, starting from ``first`` (A, B, ... or T, H, S)."""
        rid = first
        while rid in self.used:
            rid = chr(ord(rid) + 1)
        self.used.add(rid)
        return rid

    def other_node(self, node: int) -> int:
        """A node other than ``node``."""
        return self.rng.choice([n for n in range(self.nodes) if n != node])

    def hint(self, text: str) -> None:
        """Add a hint once."""
        if text not in self.hints:
            self.hints.append(text)


def _anon(d: Draft, pages: int, placement: list[int]) -> str:
    """Base pages of anonymous memory, page ``i`` written on node ``placement[i]``."""
    rid = d.region_id("A")
    d.setup += [{"op": "mmap", "id": rid, "pages": pages},
                {"op": "madvise", "id": rid, "advice": "nohugepage"}]
    start = 0
    while start < pages:
        end = start
        while end < pages and placement[end] == placement[start]:
            end += 1
        d.setup += [{"op": "mbind", "id": rid, "node": placement[start],
                     "range": [start, end - start]},
                    {"op": "touch", "id": rid, "pages": [[start, end - start]]}]
        start = end
    if len(set(placement)) == 1:
        where = f"on node {placement[0]}"
    else:
        where = "; ".join(f"{rid}[{i}] on node {n}" for i, n in enumerate(placement))
    d.facts.append(f"{rid}: {pages} base pages of anonymous memory, written {where}.")
    return rid


def _thp(d: Draft, node: int) -> str:
    rid = d.region_id("T")
    d.setup += [{"op": "mmap", "id": rid, "pages": THP_PAGES},
                {"op": "madvise", "id": rid, "advice": "hugepage"},
                {"op": "mbind", "id": rid, "node": node},
                {"op": "touch", "id": rid}]
    d.facts.append(f"{rid}: one transparent huge page (512 subpages, one 2 MiB folio) "
                   f"on node {node}.")
    d.hint("A THP migrates as one folio: every subpage of it goes where its first "
           "queued subpage goes.")
    return rid


def _hugetlb(d: Draft, node: int, target_pool: bool) -> str:
    rid = d.region_id("H")
    d.hugetlb_per_node = max(d.hugetlb_per_node, 1)
    d.setup += [{"op": "mmap", "id": rid, "pages": THP_PAGES, "kind": "hugetlb"},
                {"op": "mbind", "id": rid, "node": node},
                {"op": "touch", "id": rid}]
    d.facts.append(f"{rid}: one 2 MiB hugetlb page on node {node}.")
    if not target_pool:
        other = d.other_node(node)
        d.setup.append({"op": "hugetlb_pool", "node": other, "count": 0})
        d.facts.append(f"The hugetlb pool of node {other} is empty.")
    d.hint("hugetlb pages are not on the LRU: they are isolated with isolate_hugetlb, and "
           "how a tail address is treated changed in 6.11.")
    return rid


def _shared(d: Draft, pages: int, node: int, child_writes: list[int]) -> str:
    rid = d.region_id("S")
    d.setup += [{"op": "mmap", "id": rid, "pages": pages},
                {"op": "madvise", "id": rid, "advice": "nohugepage"},
                {"op": "mbind", "id": rid, "node": node},
                {"op": "touch", "id": rid}]
    child_ops: list[dict[str, Any]] = []
    if child_writes:
        child_ops.append({"op": "touch", "id": rid, "pages": child_writes})
    d.setup.append({"op": "fork", "child": "C1", "ops": child_ops})
    wrote = (f" The child then wrote {', '.join(f'{rid}[{i}]' for i in child_writes)}."
             if child_writes else " The child only keeps the pages mapped.")
    d.facts.append(f"{rid}: {pages} base pages written on node {node}, then the process "
                   f"forked child C1, which maps them too.{wrote}")
    d.hint("A page mapped by two processes is moved only with MPOL_MF_MOVE_ALL; a write "
           "in one process gives it a private copy (copy-on-write).")
    return rid


def _pagevec(d: Draft, rid: str, pages: list[int]) -> None:
    # during_call: the page reaches the pagevec after do_pages_move's own drain, which
    # is the window the 2017 thread describes (a drain at call start would empty it)
    d.setup.append({"op": "pagevec_hold", "id": rid, "pages": pages, "during_call": True})
    d.facts.append(f"While the call runs, {', '.join(f'{rid}[{i}]' for i in pages)} "
                   "land in CPU 0's LRU-add pagevec, after the call's own drain "
                   "(simulator-only staging of a race that is a timing window on a real "
                   "machine).")
    d.hint("isolate_lru_page fails for a page that is not on an LRU list yet. Which "
           "kernels keep the per-CPU pagevecs disabled for the whole call?")


def _pin(d: Draft, rid: str, page: int) -> None:
    d.setup.append({"op": "pin", "id": rid, "pages": [page]})
    d.facts.append(f"{rid}[{page}] has an extra reference held (a pin, as from "
                   "get_user_pages or vmsplice).")
    d.hint("Migration failures are not reported in status[]: the return value counts "
           "pages that could not be moved.")


def _entries(d: Draft, rid: str, pages: list[int], targets: list[int]) -> None:
    d.entries += [[rid, p, t] for p, t in zip(pages, targets, strict=True)]


def _targets(d: Draft, n: int, runs: bool) -> list[int]:
    """``n`` target nodes; with ``runs`` in runs of equal nodes, else alternating often."""
    out: list[int] = []
    node = d.rng.randrange(d.nodes)
    for _ in range(n):
        if not out or d.rng.random() < (0.3 if runs else 0.7):
            node = d.rng.randrange(d.nodes)
        out.append(node)
    return out


# -- topics ------------------------------------------------------------------------------
def _batching(d: Draft) -> None:
    d.nodes = d.rng.choice((2, 2, 3, 4))
    pages = d.rng.randint(4, 8)
    placement = [d.rng.choice((0, 0, 0, 1)) for _ in range(pages)]
    rid = _anon(d, pages, placement)
    n = d.rng.randint(3, 7)
    picks = [d.rng.randrange(pages) for _ in range(n)]
    _entries(d, rid, picks, _targets(d, n, runs=d.rng.random() < 0.5))
    d.hint("Consecutive entries for the same node form one run; each run is one "
           "migrate_pages() call.")
    d.hint("An entry whose page already sits on its target node queues nothing.")


def _thp_topic(d: Draft) -> None:
    rid = _thp(d, 0)
    subpages = sorted(d.rng.sample(range(THP_PAGES), d.rng.randint(1, 3)))
    if d.rng.random() < 0.3:
        subpages[0] = 0
    targets = [1] * len(subpages)
    if len(subpages) > 1 and d.rng.random() < 0.3:
        targets[-1] = 0
    _entries(d, rid, subpages, targets)
    if d.rng.random() < 0.35:
        # the parameters of level 09, which leave no 2 MiB block on a 64 MiB node
        d.setup.append({"op": "fill_node", "node": 1, "leave_mb": 4, "hole_pages": 64})
        d.facts.append("Node 1 has plenty of free 4 KiB pages but no free 2 MiB block.")
        d.hint("With no free 2 MiB block on the target, migrate_pages() can split the THP "
               "and move its subpages one by one (from 4.17).")
    d.hint("Once the THP's folio is isolated, another subpage of it cannot be isolated "
           "again.")


def _hugetlb_topic(d: Draft) -> None:
    rid = _hugetlb(d, 0, target_pool=d.rng.random() < 0.7)
    subpages = sorted(d.rng.sample(range(THP_PAGES), d.rng.randint(1, 2)))
    if d.rng.random() < 0.5:
        subpages[0] = 0
    _entries(d, rid, subpages, [1] * len(subpages))


def _sharing(d: Draft) -> None:
    pages = d.rng.randint(3, 6)
    writes = sorted(d.rng.sample(range(pages), d.rng.randint(0, 2)))
    rid = _shared(d, pages, 0, writes)
    n = d.rng.randint(2, pages)
    _entries(d, rid, sorted(d.rng.sample(range(pages), n)), [1] * n)
    if d.rng.random() < 0.4:
        d.flags = ["MPOL_MF_MOVE_ALL"]
        d.facts.append("The caller has CAP_SYS_NICE and passes MPOL_MF_MOVE_ALL.")


def _pagevec_topic(d: Draft) -> None:
    pages = d.rng.randint(3, 6)
    rid = _anon(d, pages, [0] * pages)
    held = sorted(d.rng.sample(range(pages), d.rng.randint(1, 2)))
    _pagevec(d, rid, held)
    others = [p for p in range(pages) if p not in held]
    picks = sorted({*held, *d.rng.sample(others, d.rng.randint(1, len(others)))})
    if d.rng.random() < 0.3:
        picks.append(held[0])  # a held page asked for twice
    _entries(d, rid, picks, [1] * len(picks))


def _errors(d: Draft) -> None:
    pages = d.rng.randint(2, 4)
    rid = _anon(d, pages, [0] * pages)
    kinds = d.rng.sample(["untouched", "zero", "unmapped", "pin", "enodev"],
                         d.rng.randint(1, 2))
    entries: list[list[Any]] = [[rid, p, 1] for p in range(pages)]
    if "untouched" in kinds:
        u = d.region_id("U")
        d.setup.append({"op": "mmap", "id": u, "pages": 2})
        d.facts.append(f"{u}: 2 pages of anonymous memory, mapped but never touched.")
        entries.insert(d.rng.randrange(len(entries) + 1), [u, d.rng.randrange(2), 1])
        d.hint("A page that was never touched has no page behind it; what move_pages says "
               "about it changed in 6.12.")
    if "zero" in kinds:
        z = d.region_id("Z")
        d.setup += [{"op": "mmap", "id": z, "pages": 2},
                    {"op": "madvise", "id": z, "advice": "nohugepage"},
                    {"op": "touch", "id": z, "mode": "read"}]
        d.facts.append(f"{z}: 2 pages of anonymous memory that were only read, so they "
                       "map the shared zero page.")
        entries.insert(d.rng.randrange(len(entries) + 1), [z, d.rng.randrange(2), 1])
        d.hint("The zero page belongs to nobody and is never migrated.")
    if "unmapped" in kinds:
        entries.insert(d.rng.randrange(len(entries) + 1), ["UNMAPPED", 0, 1])
        d.facts.append("UNMAPPED is an address that no VMA covers.")
        d.hint("An address in no VMA cannot be looked up at all.")
    if "pin" in kinds:
        _pin(d, rid, d.rng.randrange(pages))
    if "enodev" in kinds:
        entries[d.rng.randrange(len(entries))][2] = "N"
        d.facts.append("N is the first node number past the last node.")
        d.hint("Node numbers are checked entry by entry, as do_pages_move reaches them.")
    d.entries += entries


def _mixed(d: Draft) -> None:
    for topic in d.rng.sample((_batching, _thp_topic, _sharing, _pagevec_topic, _errors), 2):
        topic(d)
        d.nodes = max(d.nodes, 2)


TOPIC_BUILDERS: dict[str, Callable[[Draft], None]] = {
    "batching": _batching, "thp": _thp_topic, "hugetlb": _hugetlb_topic,
    "sharing": _sharing, "pagevec": _pagevec_topic, "errors": _errors, "mixed": _mixed,
}


def draft(seed: int, topic: str) -> Draft:
    """The machine, setup and request for ``(seed, topic)``, the same on every profile."""
    if topic not in TOPIC_BUILDERS:
        raise ValueError(f"unknown topic {topic!r}; choose one of {', '.join(TOPICS)}")
    # the profile is not part of the seed: one seed gives one setup on every kernel,
    # so a problem can be compared across profiles
    rng = random.Random(f"migratelab-practice/{PROBLEM_VERSION}/{seed}/{topic}")
    d = Draft(rng=rng)
    TOPIC_BUILDERS[topic](d)
    # freshly faulted pages wait in the per-CPU pagevecs; drain them before the staged
    # ops (holds, forks) so the problem starts with every page on its LRU list
    first_stage = next((i for i, op in enumerate(d.setup)
                        if op["op"] in ("pagevec_hold", "fork", "pin", "fill_node")),
                       len(d.setup))
    d.setup.insert(first_stage, {"op": "lru_add_drain_all"})
    d.hint("Walk the request entry by entry as do_pages_move does: look the page up, "
           "then queue it or write a status.")
    d.hint("After the call, `explain N` says why status[N] holds its value.")
    return d
