"""What decoding cannot check in a level file: meaning and limits.

Meaning: regions named before they are mapped, nodes the machine lacks, unknown
profiles and errnos, a solution that does nothing, marks after ops that do not
exist. Limits: a level is shared, so nothing in it may cost unbounded memory or
time. The single-value checks live in :mod:`migratelab.levels.rules`, goal parts
check themselves (:mod:`migratelab.levels.goals`); :func:`first_problem` returns
the first problem as (path, message).
"""

from __future__ import annotations

from migratelab.kernel.profiles import get_profile
from migratelab.levels.base import ID_RE, SYSCALL_OPS
from migratelab.levels.format import Expect, Level, Solution
from migratelab.levels.goals import GoalContext
from migratelab.levels.rules import (
    MAX_EXPECT,
    MAX_HINTS,
    MAX_TEXT,
    Problem,
    Rules,
    World,
)
from migratelab.levels.work import work_problem
from migratelab.scenario import ops as O
from migratelab.scenario.limits import (
    MAX_CPUS_PER_NODE,
    MAX_ENTRIES,
    MAX_NODE_MB,
    MAX_NODES,
    MAX_OPS,
    MAX_TOTAL_MB,
)


class _Validator:
    """Checks a decoded level for meaning and limits; raises the first :class:`Problem`."""

    def __init__(self, level: Level) -> None:
        self.level = level
        self.rules = Rules(level.machine)

    def check(self) -> None:
        lv = self.level
        self.meta()
        self.machine()
        world = World()
        self.rules.op_list("$.setup", lv.setup, world)
        if len(lv.hints) > MAX_HINTS:
            raise Problem("$.hints", f"at most {MAX_HINTS} hints")
        for i, hint in enumerate(lv.hints):
            self._text(f"$.hints[{i}].text", hint.text)
        self.goal_and_solution(world)
        if len(lv.expect) > MAX_EXPECT:
            raise Problem("$.expect", f"at most {MAX_EXPECT} expectations")
        for i, exp in enumerate(lv.expect):
            self.expect(f"$.expect[{i}]", exp, world.copy())
        if lv.goal is None and not lv.expect:
            raise Problem("$", "a level needs a [goal] (with a [solution]) or at least one "
                               "[[expect]]")

    @staticmethod
    def _text(where: str, value: str) -> None:
        if not value.strip() or len(value) > MAX_TEXT:
            raise Problem(where, f"must be non-empty text of at most {MAX_TEXT} characters")

    def meta(self) -> None:
        meta = self.level.level
        if not ID_RE.match(meta.id):
            raise Problem("$.level.id", f"expected lower-case letters, digits, '-' or '_' "
                                        f"(at most 64), got {meta.id!r}")
        self.rules.int_in("$.level.chapter", meta.chapter, 0, 99)
        self.rules.int_in("$.level.order", meta.order, 0, 999)
        self.rules.profile("$.level.profile", meta.profile)
        for fname in ("title", "story", "source"):
            value: str = getattr(meta, fname)
            if not value.strip():
                raise Problem(f"$.level.{fname}", "must not be empty")
            if len(value) > MAX_TEXT:
                raise Problem(f"$.level.{fname}", f"longer than {MAX_TEXT} characters")
        if len(meta.explanation) > MAX_TEXT:
            raise Problem("$.level.explanation", f"longer than {MAX_TEXT} characters")

    def machine(self) -> None:
        m = self.level.machine
        int_in = self.rules.int_in
        int_in("$.machine.nodes", m.nodes, 1, MAX_NODES)
        int_in("$.machine.cpus_per_node", m.cpus_per_node, 1, MAX_CPUS_PER_NODE)
        mems = m.mem_mb if isinstance(m.mem_mb, list) else [m.mem_mb] * m.nodes
        if isinstance(m.mem_mb, list) and len(m.mem_mb) != m.nodes:
            raise Problem("$.machine.mem_mb", f"expected {m.nodes} values (one per node), "
                                              f"got {len(m.mem_mb)}")
        for i, mb in enumerate(mems):
            where = f"$.machine.mem_mb[{i}]" if isinstance(m.mem_mb, list) else "$.machine.mem_mb"
            int_in(where, mb, 4, MAX_NODE_MB)
        if sum(mems) > MAX_TOTAL_MB:
            raise Problem("$.machine.mem_mb", f"total memory {sum(mems)} MiB is more than "
                                              f"{MAX_TOTAL_MB} MiB")
        int_in("$.machine.hugetlb_per_node", m.hugetlb_per_node, 0, min(mems) // 4)
        for i, node in enumerate(m.memoryless):
            int_in(f"$.machine.memoryless[{i}]", node, 1, m.nodes - 1)

    def goal_and_solution(self, world: World) -> None:
        goal, sol = self.level.goal, self.level.solution
        if goal is None:
            if sol is not None:
                raise Problem("$.solution", "a [solution] needs a [goal] to solve")
            return
        if sol is None:
            raise Problem("$.goal", "a [goal] needs a [solution] (the reference solution "
                                    "that check replays)")
        after = world.copy()
        if len(sol.ops) > MAX_OPS:
            raise Problem("$.solution.ops", f"at most {MAX_OPS} ops")
        for i, op in enumerate(sol.ops):
            self.rules.op(f"$.solution.ops[{i}]", op, after)
        self.marks(sol)
        calls = sum(O.op_name(op) in SYSCALL_OPS for op in sol.ops)
        if sol.par is not None:
            self.rules.int_in("$.solution.par", sol.par, 1, MAX_OPS)
            if calls > sol.par:
                raise Problem("$.solution.par", f"the reference solution makes {calls} "
                                                f"calls, more than par {sol.par}")
        # a predict goal's own request runs after the ops, so it may need none
        if goal.predict is None and not sol.ops:
            raise Problem("$.solution.ops", "the solution makes no call, so it cannot "
                                            "reach the goal")
        if goal.predict is None and sol.prediction is not None:
            raise Problem("$.solution.prediction", "only a predict goal takes a prediction")
        goal.validate(GoalContext(self.rules, after, sol, calls))

    def marks(self, sol: Solution) -> None:
        last = -1
        for i, mark in enumerate(sol.marks):
            where = f"$.solution.marks[{i}]"
            if not sol.ops:
                raise Problem(f"{where}.after", "the solution has no ops to pause after")
            self.rules.int_in(f"{where}.after", mark.after, 0, len(sol.ops) - 1)
            if mark.after <= last:
                raise Problem(f"{where}.after", f"marks must follow the ops in order: "
                                                f"{mark.after} comes after {last}")
            last = mark.after
            self._text(f"{where}.text", mark.text)

    def expect(self, where: str, exp: Expect, world: World) -> None:
        rules = self.rules
        rules.op_list(f"{where}.setup", exp.setup, world)
        rules.request(f"{where}.request", exp.request, world)
        if not exp.results:
            raise Problem(f"{where}.results", "give at least one result")
        seen: dict[str, str] = {}
        for j, res in enumerate(exp.results):
            rw = f"{where}.results[{j}]"
            if not res.profiles:
                raise Problem(f"{rw}.profiles", "name at least one profile")
            for k, name in enumerate(res.profiles):
                rules.profile(f"{rw}.profiles[{k}]", name)
                canon = get_profile(name).name
                if canon in seen:
                    raise Problem(f"{rw}.profiles[{k}]", f"profile {canon} already has a "
                                                         f"result at {seen[canon]}")
                seen[canon] = rw
            if res.errno is not None:
                rules.errno(f"{rw}.errno", res.errno)
            for fname in ("status", "after_nodes"):
                values: list[str] | None = getattr(res, fname)
                if values is not None and len(values) > MAX_ENTRIES:
                    raise Problem(f"{rw}.{fname}", f"more than {MAX_ENTRIES} entries")
                for i, v in enumerate(values or []):
                    rules.status(f"{rw}.{fname}[{i}]", v)
            for counter, value in (res.vmstat or {}).items():
                rules.int_in(f"{rw}.vmstat.{counter}", value, -(1 << 40), 1 << 40)
            if res.migrate_calls is not None:
                rules.int_in(f"{rw}.migrate_calls", res.migrate_calls, 0, MAX_ENTRIES)


def first_problem(level: Level) -> tuple[str, str] | None:
    """The first problem of meaning or limits in a decoded level, or None."""
    try:
        _Validator(level).check()
    except Problem as p:
        return p.where, p.message
    return work_problem(level)
