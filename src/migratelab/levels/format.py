"""The level file as msgspec Structs: ``[level]``, ``[machine]``, ``[[hints]]``,
``[solution]``, ``[[expect]]`` and the whole :class:`Level`.

``[goal]`` and its kinds live in :mod:`migratelab.levels.goals`. Every Struct
forbids unknown fields; ``[[setup]]`` and ``[solution].ops`` use the ops union of
:mod:`migratelab.scenario.ops`. Decoding checks types; meaning and limits are
checked by :mod:`migratelab.levels.validate`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

import msgspec

from migratelab.kernel.machine import MachineSpec
from migratelab.kernel.profiles import get_profile
from migratelab.levels.base import LevelStruct, PlayerOp, Request
from migratelab.levels.goals import Goal, Prediction
from migratelab.scenario import ops as O


class LevelMeta(LevelStruct):
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


class MachineSection(LevelStruct):
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


class Hint(LevelStruct):
    """One rung of the hint ladder."""

    text: str


class Mark(LevelStruct):
    """``[[solution.marks]]``: where a presenter's replay pauses, and what to say there."""

    #: Index into ``[solution].ops``: the replay pauses after that op.
    after: int
    #: What the presenter says at the pause.
    text: str


class Solution(LevelStruct):
    """``[solution]``: the reference solution, replayed by ``migratelab check``."""

    #: The player's actions: move_pages/query calls and lru_add_drain(_all).
    ops: list[PlayerOp] = []
    #: For a ``predict`` goal: the right answer.
    prediction: Prediction | None = None
    #: Syscalls a good solution needs (the score target); the reference must not exceed it.
    par: int | None = None
    #: Pauses for a presenter's replay, in order of ``after``.
    marks: list[Mark] = []


class ExpectResult(LevelStruct):
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


class Expect(LevelStruct):
    """``[[expect]]``: a request and, per profile, its exact result."""

    request: Request
    results: list[ExpectResult]
    name: str = ""
    #: Extra ops after the level's setup.
    setup: list[O.Op] = []


class Level(LevelStruct):
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


def iter_requests(level: Level) -> Iterator[tuple[str, Request]]:
    """Every request a level names, with its path (for tools and tests)."""
    if level.goal is not None and level.goal.predict is not None:
        yield "$.goal.predict.request", level.goal.predict.request
    if level.solution is not None:
        for i, op in enumerate(level.solution.ops):
            if isinstance(op, (O.MovePages, O.Query)):
                yield f"$.solution.ops[{i}]", op
    for i, exp in enumerate(level.expect):
        yield f"$.expect[{i}].request", exp.request


def toml_builtins(value: Any) -> Any:
    """A Struct (an op, a request, a result) as TOML-ready builtins: ``None`` and
    default-valued fields left out, a tagged union's tag first, tuples as lists.

    What a level file written by the game (``save``) or by ``verify --record`` holds,
    so that it reads as a person would write it.
    """
    if isinstance(value, msgspec.Struct):
        out: dict[str, Any] = {}
        for f in msgspec.structs.fields(value):
            v = getattr(value, f.name)
            default = f.default if f.default is not msgspec.NODEFAULT else (
                f.default_factory() if f.default_factory is not msgspec.NODEFAULT
                else msgspec.NODEFAULT)
            if v is None or v == default:
                continue
            out[f.name] = toml_builtins(v)
        config = type(value).__struct_config__
        if config.tag_field is not None:
            out = {config.tag_field: config.tag, **out}
        return out
    if isinstance(value, (list, tuple)):
        return [toml_builtins(v) for v in value]
    return value
