"""The level file's Structs (msgspec) and the sentences that describe them.

Every Struct forbids unknown fields. ``[[setup]]`` and ``[solution].ops`` use the
same ops union (:data:`migratelab.scenario.ops.Op`) as ``migratelab run``.
"""

from __future__ import annotations

import re
from typing import Literal

import msgspec

from migratelab.kernel.machine import MachineSpec
from migratelab.kernel.profiles import get_profile
from migratelab.scenario import ops as O

SCHEMA_VERSION = 1

Request = O.MovePages | O.Query
#: What a player can do in the game: make a call, or drain the per-CPU LRU-add caches.
PlayerOp = O.MovePages | O.Query | O.LruAddDrain | O.LruAddDrainAll
#: Op tags that count as syscalls for limits and par.
SYSCALL_OPS = frozenset({"move_pages", "query"})

ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
STATUS_RE = re.compile(r"^(UNSET|-E[A-Z0-9]+|[0-9]+)$")


class _S(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Every level Struct: unknown fields are errors, fields are keywords."""


class LevelMeta(_S):
    """``[level]``: who the level is and where it comes from."""

    #: Stable id: lower case, digits, ``-`` and ``_`` (used for progress and tests).
    id: str
    title: str
    #: Chapter number (1, 2, ...); levels sort by (chapter, order).
    chapter: int
    order: int
    #: Markdown shown before the level starts.
    story: str
    #: The mail, commit or LTP test the level comes from.
    source: str
    #: Kernel profile the level is played on, e.g. ``"v6.12"``.
    profile: str = "v6.12"
    #: Markdown shown after the win: what happened in the kernel, naming its functions.
    explanation: str = ""
    #: True when the setup can also run on a real kernel (``migratelab verify``).
    real_kernel: bool = False


class MachineSection(_S):
    """``[machine]``: what :class:`~migratelab.kernel.MachineSpec` is built from."""

    nodes: int = 2
    #: MiB per node: one number for every node, or one per node.
    mem_mb: int | list[int] = 64
    cpus_per_node: int = 1
    #: 2 MiB hugetlb pages reserved on each node at boot.
    hugetlb_per_node: int = 0
    thp: Literal["always", "madvise", "never"] = "madvise"
    #: Nodes that exist but have no memory.
    memoryless: list[int] = []


class Placement(_S):
    """Pages of a region that must sit on a node when the level ends."""

    id: str
    node: O.NodeRef
    pages: O.PageSel = "all"
    #: True: the pages must still belong to a huge folio (a THP that was not split);
    #: False: they must be base pages. Unset: either.
    huge: bool | None = None


class Outcome(_S):
    """Something a call can do. Set exactly one field."""

    #: The syscall fails with this errno, e.g. ``"ENODEV"``.
    errno: str | None = None
    #: Some ``status[]`` slot holds this value, e.g. ``"-EBUSY"`` or ``"UNSET"``.
    status: str | None = None
    #: The syscall returns a number greater than zero.
    positive_return: bool = False
    #: A THP is split during the call (vmstat ``thp_split_page`` goes up).
    thp_split: bool = False


PredictField = Literal["ret", "errno", "status", "after_nodes"]


class Predict(_S):
    """A request whose result the player must predict before it runs."""

    request: Request
    check: list[PredictField] = msgspec.field(
        default_factory=lambda: ["ret", "errno", "status"])


class Goal(_S):
    """``[goal]``: every part that is given must hold (they combine with AND)."""

    #: Prose shown above the exact checks (optional).
    text: str = ""
    placement: list[Placement] = []
    predict: Predict | None = None
    provoke: list[Outcome] = []
    avoid: list[Outcome] = []
    #: At most this many move_pages/query calls.
    max_syscalls: int | None = None
    #: At most this many ``migrate_pages`` calls, summed over every syscall.
    max_migrate_calls: int | None = None

    def describe(self) -> str:
        """Exactly what :func:`migratelab.game.goals.evaluate` checks, one per line."""
        lines = [self.text.strip()] if self.text.strip() else []
        lines.extend(f"- {part}" for part in self.parts())
        return "\n".join(lines)

    def parts(self) -> list[str]:
        """One sentence per check."""
        out = [f"{_sel_text(p.id, p.pages)} {'is' if p.pages != 'all' else 'are'} on "
               f"node {p.node}" + ("" if p.huge is None else
                                   " as one THP (not split)" if p.huge else " as base pages")
               for p in self.placement]
        if self.predict is not None:
            fields = ", ".join("status[]" if f == "status" else f for f in self.predict.check)
            out.append(f"predict {fields} of {request_text(self.predict.request)}")
        out.extend(f"make at least one call where {outcome_text(o)}" for o in self.provoke)
        out.extend(f"no call may end where {outcome_text(o)}" for o in self.avoid)
        if self.max_syscalls is not None:
            out.append(f"use at most {self.max_syscalls} move_pages call(s)")
        if self.max_migrate_calls is not None:
            out.append(f"the kernel may call migrate_pages() at most "
                       f"{self.max_migrate_calls} time(s) in total")
        return out


class Hint(_S):
    """One rung of the hint ladder."""

    text: str


class Prediction(_S):
    """A predicted result (the solution of a ``predict`` goal)."""

    ret: int | None = None
    errno: str | None = None
    status: list[str] | None = None
    after_nodes: list[str] | None = None


class Mark(_S):
    """``[[solution.marks]]``: where a presenter's replay pauses, and what to say there."""

    #: Index into ``[solution].ops``: the replay pauses after that op.
    after: int
    #: What the presenter says at the pause.
    text: str


class Solution(_S):
    """``[solution]``: the reference solution, replayed by ``migratelab check``."""

    #: The player's actions: move_pages/query calls and lru_add_drain(_all).
    ops: list[PlayerOp] = []
    #: For a ``predict`` goal: the right answer.
    prediction: Prediction | None = None
    #: Syscalls a good solution needs (the score target); the reference must not exceed it.
    par: int | None = None
    #: Pauses for a presenter's replay, in order of ``after``.
    marks: list[Mark] = []


class ExpectResult(_S):
    """The exact result of an expectation's request on some profiles."""

    profiles: list[str]
    ret: int
    #: Compared always: no errno is written as an absent field.
    errno: str | None = None
    status: list[str] | None = None
    after_nodes: list[str] | None = None
    #: vmstat deltas; the six agreement counters are compared (absent = 0) plus any named.
    vmstat: dict[str, int] | None = None
    migrate_calls: int | None = None


class Expect(_S):
    """``[[expect]]``: a request and, per profile, its exact result."""

    request: Request
    results: list[ExpectResult]
    name: str = ""
    #: Extra ops after the level's setup.
    setup: list[O.Op] = []


class Level(_S):
    """A whole level file."""

    schema_version: int
    level: LevelMeta
    machine: MachineSection = msgspec.field(default_factory=MachineSection)
    setup: list[O.Op] = []
    goal: Goal | None = None
    hints: list[Hint] = []
    solution: Solution | None = None
    expect: list[Expect] = []

    def machine_spec(self) -> MachineSpec:
        """The simulated machine this level runs on."""
        m = self.machine
        mem = tuple(m.mem_mb) if isinstance(m.mem_mb, list) else (m.mem_mb,)
        return MachineSpec(nodes=m.nodes, mem_mb=mem, cpus_per_node=m.cpus_per_node,
                           hugetlb_per_node=m.hugetlb_per_node, thp=m.thp,
                           memoryless=tuple(m.memoryless))

    def expect_profiles(self, index: int) -> list[str]:
        """Canonical profile names of one expectation, in file order."""
        return [get_profile(p).name for r in self.expect[index].results for p in r.profiles]


# -- text helpers ---------------------------------------------------------------------

def _sel_text(rid: str, sel: O.PageSel | O.PageRange) -> str:
    if sel == "all":
        return f"every page of {rid}"
    if isinstance(sel, tuple):
        start, count = sel
        return f"{rid}[{start}:{start + count}]"
    parts = [f"{p}" if isinstance(p, int) else f"{p[0]}:{p[0] + p[1]}" for p in sel]
    return f"{rid}[{', '.join(parts)}]"


def request_text(op: Request) -> str:
    """A request the way a learner would write it: ``move_pages(A[0]->1, A[100]->1)``."""
    items: list[str] = []
    if op.range is not None:
        node = "" if isinstance(op, O.Query) else f"->{op.range.node}"
        items.append(f"{_sel_text(op.range.id, op.range.pages)}{node}")
    for entry in op.entries or []:
        if isinstance(entry, O.EntryObj):
            off = f"+{entry.offset}" if entry.offset else ""
            items.append(f"{entry.id}[{entry.page}]{off}->{entry.node}")
        elif isinstance(entry, O.QueryEntryObj):
            off = f"+{entry.offset}" if entry.offset else ""
            items.append(f"{entry.id}[{entry.page}]{off}")
        elif len(entry) == 3:
            items.append(f"{entry[0]}[{entry[1]}]->{entry[2]}")
        else:
            items.append(f"{entry[0]}[{entry[1]}]")
    if isinstance(op, O.Query):
        return f"move_pages(nodes=NULL: {', '.join(items)})"
    flags = op.flags if isinstance(op.flags, int) else "|".join(op.flags) or "0"
    return f"move_pages({', '.join(items)}; {flags})"


def outcome_text(o: Outcome) -> str:
    """One outcome as a sentence fragment."""
    if o.errno is not None:
        return f"move_pages fails with errno {o.errno}"
    if o.status is not None:
        return f"some status[] slot is {o.status}"
    if o.positive_return:
        return "move_pages returns a positive number (pages it could not move)"
    return "a THP is split (vmstat thp_split_page goes up)"


