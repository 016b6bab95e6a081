"""What decoding cannot check in a level file: meaning and limits.

Meaning: regions named before they are mapped, nodes the machine lacks, unknown
profiles and errnos, a solution that does nothing. Limits: a level is shared, so
nothing in it may cost unbounded memory or time (file size, nodes, memory, ops,
pages, entries). :func:`first_problem` returns the first one as (path, message).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from migratelab.kernel import errno as E
from migratelab.kernel.move_pages import FLAG_BITS
from migratelab.kernel.profiles import PROFILES, UnknownProfile, get_profile
from migratelab.scenario import ops as O
from migratelab.scenario.level_types import (
    ID_RE,
    STATUS_RE,
    SYSCALL_OPS,
    Expect,
    Level,
    PredictField,
    Prediction,
    Request,
    Solution,
)

# -- limits: a level is shared, so nothing in it may cost unbounded memory or time ----
MAX_LEVEL_BYTES = 256 * 1024
MAX_NODES = 16
MAX_NODE_MB = 4096
MAX_TOTAL_MB = 16 * 1024
MAX_CPUS_PER_NODE = 8
MAX_OPS = 1000
MAX_REGION_PAGES = 1 << 18  # 1 GiB
MAX_TOTAL_REGION_PAGES = 1 << 20
MAX_ENTRIES = 1 << 16
MAX_PAGE_INDEX = 1 << 20
MAX_PIN_COUNT = 1 << 16
MAX_HINTS = 20
MAX_EXPECT = 100
MAX_TEXT = 20_000

#: Request kinds a goal or an expectation may name.
# -- meaning and limits -------------------------------------------------------------------

class _Problem(Exception):
    def __init__(self, where: str, message: str) -> None:
        super().__init__(message)
        self.where = where
        self.message = message


@dataclass
class _World:
    """What static checking knows after some ops: regions (pages) and children."""

    regions: dict[str, int] = field(default_factory=dict)
    children: set[str] = field(default_factory=set)
    total_pages: int = 0

    def copy(self) -> _World:
        return _World(dict(self.regions), set(self.children), self.total_pages)


class _Validator:
    """Checks a decoded level for meaning and limits; reports the first problem."""

    def __init__(self, level: Level) -> None:
        self.level = level
        self.nodes = level.machine.nodes
        self.ops = 0

    def first_problem(self) -> tuple[str, str] | None:
        try:
            self.check()
        except _Problem as p:
            return p.where, p.message
        return None

    # -- helpers --------------------------------------------------------------------
    @staticmethod
    def _range(where: str, value: int, lo: int, hi: int) -> None:
        if not lo <= value <= hi:
            kind = f">= {lo}" if hi >= 1 << 40 else f"in {lo}..{hi}"
            raise _Problem(where, f"expected int {kind}, got {value}")

    def _node(self, where: str, ref: O.NodeRef, *, must_exist: bool) -> int:
        if isinstance(ref, bool):
            raise _Problem(where, f"expected a node (int, 'N', 'last' or 'N+k'), got {ref}")
        if isinstance(ref, int):
            node = ref
            self._range(where, node, -(1 << 31), (1 << 31) - 1)
        else:
            text = ref.strip()
            if text == "N":
                node = self.nodes
            elif text == "last":
                node = self.nodes - 1
            elif text.startswith("N+") and text[2:].isdigit() and len(text) < 12:
                node = self.nodes + int(text[2:])
            else:
                raise _Problem(where, f"expected a node (int, 'N', 'last' or 'N+k'), "
                                      f"got {ref!r}")
        if must_exist and not 0 <= node < self.nodes:
            raise _Problem(where, f"node {node} does not exist (the machine has nodes "
                                  f"0..{self.nodes - 1})")
        return node

    def _mem_node(self, where: str, ref: O.NodeRef) -> int:
        node = self._node(where, ref, must_exist=True)
        if node in self.level.machine.memoryless:
            raise _Problem(where, f"node {node} has no memory")
        return node

    def _region(self, where: str, world: _World, rid: str) -> int:
        if rid not in world.regions:
            known = ", ".join(sorted(world.regions)) or "none"
            raise _Problem(where, f"no region named {rid!r} is mapped before this point "
                                  f"(known: {known})")
        return world.regions[rid]

    def _span(self, where: str, pages: int, rng: O.PageRange | None) -> None:
        if rng is None:
            return
        start, count = rng
        self._range(f"{where}[0]", start, 0, pages - 1)
        self._range(f"{where}[1]", count, 1, pages - start)

    def _sel(self, where: str, pages: int, sel: O.PageSel) -> None:
        if sel == "all":
            return
        if len(sel) > MAX_ENTRIES:
            raise _Problem(where, f"more than {MAX_ENTRIES} items")
        for i, item in enumerate(sel):
            if isinstance(item, int):
                self._range(f"{where}[{i}]", item, 0, pages - 1)
            else:
                self._span(f"{where}[{i}]", pages, item)

    def _status(self, where: str, value: str) -> None:
        if not STATUS_RE.match(value) or (value.startswith("-E") and value[1:] not in E.BY_NAME):
            raise _Problem(where, f"expected a status like '1', '-EBUSY' or 'UNSET', "
                                  f"got {value!r}")

    def _errno(self, where: str, value: str) -> None:
        if value not in E.BY_NAME:
            raise _Problem(where, f"unknown errno {value!r} (known: "
                                  f"{', '.join(sorted(E.BY_NAME))})")

    def _profile(self, where: str, name: str) -> None:
        try:
            get_profile(name)
        except UnknownProfile:
            raise _Problem(where, f"unknown kernel profile {name!r} (known: "
                                  f"{', '.join(PROFILES)})") from None

    # -- the level ------------------------------------------------------------------------
    def check(self) -> None:
        lv = self.level
        meta = lv.level
        if not ID_RE.match(meta.id):
            raise _Problem("$.level.id", f"expected lower-case letters, digits, '-' or '_' "
                                         f"(at most 64), got {meta.id!r}")
        self._range("$.level.chapter", meta.chapter, 0, 99)
        self._range("$.level.order", meta.order, 0, 999)
        self._profile("$.level.profile", meta.profile)
        for fname in ("title", "story", "source"):
            value: str = getattr(meta, fname)
            if not value.strip():
                raise _Problem(f"$.level.{fname}", "must not be empty")
            if len(value) > MAX_TEXT:
                raise _Problem(f"$.level.{fname}", f"longer than {MAX_TEXT} characters")
        if len(meta.explanation) > MAX_TEXT:
            raise _Problem("$.level.explanation", f"longer than {MAX_TEXT} characters")
        self.machine()
        world = _World()
        self.op_list("$.setup", lv.setup, world)
        if len(lv.hints) > MAX_HINTS:
            raise _Problem("$.hints", f"at most {MAX_HINTS} hints")
        for i, hint in enumerate(lv.hints):
            if not hint.text.strip() or len(hint.text) > MAX_TEXT:
                raise _Problem(f"$.hints[{i}].text", "must be non-empty text of at most "
                                                     f"{MAX_TEXT} characters")
        self.goal_and_solution(world)
        if len(lv.expect) > MAX_EXPECT:
            raise _Problem("$.expect", f"at most {MAX_EXPECT} expectations")
        for i, exp in enumerate(lv.expect):
            self.expect(f"$.expect[{i}]", exp, world.copy())
        if lv.goal is None and not lv.expect:
            raise _Problem("$", "a level needs a [goal] (with a [solution]) or at least one "
                                "[[expect]]")

    def machine(self) -> None:
        m = self.level.machine
        self._range("$.machine.nodes", m.nodes, 1, MAX_NODES)
        self._range("$.machine.cpus_per_node", m.cpus_per_node, 1, MAX_CPUS_PER_NODE)
        mems = m.mem_mb if isinstance(m.mem_mb, list) else [m.mem_mb] * m.nodes
        if isinstance(m.mem_mb, list) and len(m.mem_mb) != m.nodes:
            raise _Problem("$.machine.mem_mb", f"expected {m.nodes} values (one per node), "
                                               f"got {len(m.mem_mb)}")
        for i, mb in enumerate(mems):
            where = f"$.machine.mem_mb[{i}]" if isinstance(m.mem_mb, list) else "$.machine.mem_mb"
            self._range(where, mb, 4, MAX_NODE_MB)
        if sum(mems) > MAX_TOTAL_MB:
            raise _Problem("$.machine.mem_mb", f"total memory {sum(mems)} MiB is more than "
                                               f"{MAX_TOTAL_MB} MiB")
        self._range("$.machine.hugetlb_per_node", m.hugetlb_per_node, 0, min(mems) // 4)
        for i, node in enumerate(m.memoryless):
            self._range(f"$.machine.memoryless[{i}]", node, 1, m.nodes - 1)

    def goal_and_solution(self, world: _World) -> None:
        lv = self.level
        goal, sol = lv.goal, lv.solution
        if goal is None:
            if sol is not None:
                raise _Problem("$.solution", "a [solution] needs a [goal] to solve")
            return
        if sol is None:
            raise _Problem("$.goal", "a [goal] needs a [solution] (the reference solution "
                                     "that check replays)")
        after = world.copy()
        if len(sol.ops) > MAX_OPS:
            raise _Problem("$.solution.ops", f"at most {MAX_OPS} ops")
        for i, op in enumerate(sol.ops):
            self.op(f"$.solution.ops[{i}]", op, after)
        self.marks(sol)
        calls = sum(O.op_name(op) in SYSCALL_OPS for op in sol.ops)
        if sol.par is not None:
            self._range("$.solution.par", sol.par, 1, MAX_OPS)
            if calls > sol.par:
                raise _Problem("$.solution.par", f"the reference solution makes {calls} "
                                                 f"calls, more than par {sol.par}")
        positive = bool(goal.placement or goal.predict or goal.provoke)
        if not positive:
            raise _Problem("$.goal", "a goal needs placement, predict or provoke (avoid and "
                                     "limits alone are met by doing nothing)")
        if goal.predict is not None:
            self.request("$.goal.predict.request", goal.predict.request, after)
            if not goal.predict.check:
                raise _Problem("$.goal.predict.check", "name at least one field to predict")
            if sol.prediction is None:
                raise _Problem("$.solution", "a predict goal needs solution.prediction")
            self.prediction("$.solution.prediction", sol.prediction, goal.predict.check)
        elif not sol.ops:
            raise _Problem("$.solution.ops", "the solution makes no call, so it cannot "
                                             "reach the goal")
        for i, pl in enumerate(goal.placement):
            where = f"$.goal.placement[{i}]"
            pages = self._region(f"{where}.id", after, pl.id)
            self._sel(f"{where}.pages", pages, pl.pages)
            self._node(f"{where}.node", pl.node, must_exist=True)
        for key, outcomes in (("provoke", goal.provoke), ("avoid", goal.avoid)):
            for i, o in enumerate(outcomes):
                where = f"$.goal.{key}[{i}]"
                given = sum([o.errno is not None, o.status is not None, o.positive_return,
                             o.thp_split])
                if given != 1:
                    raise _Problem(where, "set exactly one of errno, status, "
                                          f"positive_return, thp_split (got {given})")
                if o.errno is not None:
                    self._errno(f"{where}.errno", o.errno)
                if o.status is not None:
                    self._status(f"{where}.status", o.status)
        if goal.max_syscalls is not None:
            self._range("$.goal.max_syscalls", goal.max_syscalls, 1, MAX_OPS)
            if calls > goal.max_syscalls:
                raise _Problem("$.goal.max_syscalls", f"the solution itself makes "
                                                      f"{calls} calls")
        if goal.max_migrate_calls is not None:
            self._range("$.goal.max_migrate_calls", goal.max_migrate_calls, 0, MAX_OPS * 64)

    def marks(self, sol: Solution) -> None:
        last = -1
        for i, mark in enumerate(sol.marks):
            where = f"$.solution.marks[{i}]"
            if not sol.ops:
                raise _Problem(f"{where}.after", "the solution has no ops to pause after")
            self._range(f"{where}.after", mark.after, 0, len(sol.ops) - 1)
            if mark.after <= last:
                raise _Problem(f"{where}.after", f"marks must follow the ops in order: "
                                                 f"{mark.after} comes after {last}")
            last = mark.after
            if not mark.text.strip() or len(mark.text) > MAX_TEXT:
                raise _Problem(f"{where}.text", "must be non-empty text of at most "
                                                f"{MAX_TEXT} characters")

    def prediction(self, where: str, pred: Prediction, check: list[PredictField]) -> None:
        for fname in check:
            if fname != "errno" and getattr(pred, fname) is None:
                raise _Problem(where, f"the goal checks {fname} but the prediction has none")
        if pred.errno is not None:
            self._errno(f"{where}.errno", pred.errno)
        for fname in ("status", "after_nodes"):
            values: list[str] | None = getattr(pred, fname)
            for i, v in enumerate(values or []):
                self._status(f"{where}.{fname}[{i}]", v)

    def expect(self, where: str, exp: Expect, world: _World) -> None:
        self.op_list(f"{where}.setup", exp.setup, world)
        self.request(f"{where}.request", exp.request, world)
        if not exp.results:
            raise _Problem(f"{where}.results", "give at least one result")
        seen: dict[str, str] = {}
        for j, res in enumerate(exp.results):
            rw = f"{where}.results[{j}]"
            if not res.profiles:
                raise _Problem(f"{rw}.profiles", "name at least one profile")
            for k, name in enumerate(res.profiles):
                self._profile(f"{rw}.profiles[{k}]", name)
                canon = get_profile(name).name
                if canon in seen:
                    raise _Problem(f"{rw}.profiles[{k}]", f"profile {canon} already has a "
                                                          f"result at {seen[canon]}")
                seen[canon] = rw
            if res.errno is not None:
                self._errno(f"{rw}.errno", res.errno)
            for fname in ("status", "after_nodes"):
                values: list[str] | None = getattr(res, fname)
                if values is not None and len(values) > MAX_ENTRIES:
                    raise _Problem(f"{rw}.{fname}", f"more than {MAX_ENTRIES} entries")
                for i, v in enumerate(values or []):
                    self._status(f"{rw}.{fname}[{i}]", v)
            for counter, value in (res.vmstat or {}).items():
                self._range(f"{rw}.vmstat.{counter}", value, -(1 << 40), 1 << 40)
            if res.migrate_calls is not None:
                self._range(f"{rw}.migrate_calls", res.migrate_calls, 0, MAX_ENTRIES)

    # -- ops --------------------------------------------------------------------------------
    def op_list(self, where: str, ops: list[O.Op], world: _World) -> None:
        for i, op in enumerate(ops):
            self.op(f"{where}[{i}]", op, world)

    def op(self, where: str, op: O.Op, world: _World) -> None:
        self.ops += 1
        if self.ops > MAX_OPS:
            raise _Problem(where, f"more than {MAX_OPS} ops in the file")
        if isinstance(op, O.Mmap):
            self._range(f"{where}.pages", op.pages, 1, MAX_REGION_PAGES)
            if op.id in world.regions or op.id in ("NULL", "UNMAPPED"):
                raise _Problem(f"{where}.id", f"region {op.id!r} is already mapped"
                               if op.id in world.regions else f"{op.id!r} is a reserved name")
            world.total_pages += op.pages
            if world.total_pages > MAX_TOTAL_REGION_PAGES:
                raise _Problem(f"{where}.pages", f"more than {MAX_TOTAL_REGION_PAGES} pages "
                                                 f"mapped in total")
            world.regions[op.id] = op.pages
        elif isinstance(op, (O.Munmap, O.Mprotect, O.Madvise, O.Mlock, O.Munlock)):
            pages = self._region(f"{where}.id", world, op.id)
            self._span(f"{where}.range", pages, op.range)
        elif isinstance(op, O.Mbind):
            pages = self._region(f"{where}.id", world, op.id)
            self._span(f"{where}.range", pages, op.range)
            self._policy(where, op.mode, op.node, op.nodes)
            self._flags(f"{where}.flags", op.flags)
        elif isinstance(op, O.SetMempolicy):
            self._policy(where, op.mode, op.node, op.nodes)
        elif isinstance(op, (O.Touch, O.Vmsplice, O.PagevecHold, O.Pin, O.LockPage,
                             O.Writeback)):
            pages = self._region(f"{where}.id", world, op.id)
            self._sel(f"{where}.pages", pages, op.pages)
            if isinstance(op, O.PagevecHold):
                self._range(f"{where}.cpu", op.cpu, 0,
                            self.nodes * self.level.machine.cpus_per_node - 1)
            if isinstance(op, O.Pin):
                self._range(f"{where}.count", op.count, 1, MAX_PIN_COUNT)
        elif isinstance(op, O.LruAddDrain):
            self._range(f"{where}.cpu", op.cpu, 0,
                        self.nodes * self.level.machine.cpus_per_node - 1)
        elif isinstance(op, O.Fork):
            if op.child in world.children:
                raise _Problem(f"{where}.child", f"child {op.child!r} already exists")
            world.children.add(op.child)
            self.op_list(f"{where}.ops", op.ops, world)
        elif isinstance(op, O.Child):
            if op.child not in world.children:
                raise _Problem(f"{where}.child", f"no child named {op.child!r}")
            self.op_list(f"{where}.ops", op.ops, world)
        elif isinstance(op, O.ChildExit):
            if op.child not in world.children:
                raise _Problem(f"{where}.child", f"no child named {op.child!r}")
            world.children.discard(op.child)
        elif isinstance(op, (O.MovePages, O.Query)):
            self.request(where, op, world)
        elif isinstance(op, O.FillNode):
            node = self._mem_node(f"{where}.node", op.node)
            self._range(f"{where}.leave_mb", op.leave_mb, 0, self._node_mb(node))
            self._range(f"{where}.hole_pages", op.hole_pages, 1, 511)
            self._range(f"{where}.fragment_mb", op.fragment_mb, 0, MAX_NODE_MB)
        elif isinstance(op, O.HugetlbPool):
            node = self._mem_node(f"{where}.node", op.node)
            self._range(f"{where}.count", op.count, 0, self._node_mb(node) // 2)
        elif isinstance(op, O.Snapshot):
            for i, rid in enumerate(op.ids):
                self._region(f"{where}.ids[{i}]", world, rid)

    def _node_mb(self, node: int) -> int:
        m = self.level.machine
        return m.mem_mb[node] if isinstance(m.mem_mb, list) else m.mem_mb

    def _policy(self, where: str, mode: str, node: O.NodeRef | None,
                nodes: list[O.NodeRef] | None) -> None:
        chosen = 0
        if node is not None:
            self._node(f"{where}.node", node, must_exist=True)
            chosen += 1
        for i, ref in enumerate(nodes or []):
            self._node(f"{where}.nodes[{i}]", ref, must_exist=True)
            chosen += 1
        if mode in ("bind", "preferred", "interleave") and not chosen:
            raise _Problem(f"{where}.node", f"mode {mode!r} needs a node or nodes")

    def _flags(self, where: str, flags: O.Flags) -> None:
        if isinstance(flags, int):
            self._range(where, flags, 0, (1 << 31) - 1)
            return
        for i, name in enumerate(flags):
            if name not in FLAG_BITS:
                raise _Problem(f"{where}[{i}]", f"unknown flag {name!r} (known: "
                                                f"{', '.join(FLAG_BITS)})")

    def request(self, where: str, op: Request, world: _World) -> None:
        n = len(op.entries or [])
        if n > MAX_ENTRIES:
            raise _Problem(f"{where}.entries", f"more than {MAX_ENTRIES} entries")
        if op.range is not None:
            pages = self._region(f"{where}.range.id", world, op.range.id)
            if op.range.pages != "all":
                self._span(f"{where}.range.pages", pages, op.range.pages)
            if isinstance(op, O.MovePages):
                self._node(f"{where}.range.node", op.range.node, must_exist=False)
        for i, entry in enumerate(op.entries or []):
            ew = f"{where}.entries[{i}]"
            if isinstance(entry, (O.EntryObj, O.QueryEntryObj)):
                rid, page, offset = entry.id, entry.page, entry.offset
                node = entry.node if isinstance(entry, O.EntryObj) else None
            else:
                rid, page = entry[0], entry[1]
                offset = 0
                node = entry[2] if len(entry) == 3 else None
            if rid not in ("NULL", "UNMAPPED"):
                self._region(ew, world, rid)
            self._range(ew, page, 0, MAX_PAGE_INDEX)
            self._range(ew, offset, 0, 1 << 30)
            if node is not None:
                self._node(ew, node, must_exist=False)
        if isinstance(op, O.MovePages):
            self._flags(f"{where}.flags", op.flags)
            if op.count is not None:
                self._range(f"{where}.count", op.count, 0, MAX_ENTRIES)
            if op.status is not None and len(op.status) > MAX_ENTRIES:
                raise _Problem(f"{where}.status", f"more than {MAX_ENTRIES} entries")
        pid = op.pid
        if isinstance(pid, str) and pid != "self" and (
                not pid.startswith("child:") or pid[6:] not in world.children):
                raise _Problem(f"{where}.pid", f"expected 'self', 'child:NAME' of a live "
                                           f"child or an int, got {pid!r}")




def first_problem(level: Level) -> tuple[str, str] | None:
    """The first problem of meaning or limits in a decoded level, or None."""
    return _Validator(level).first_problem()
