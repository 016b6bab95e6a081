"""Bounds on every number that sizes work, checked before any work is done.

Scenario and level files are shared, so nothing in one may cost unbounded memory
or time. Decoding checks types; this module checks sizes: how many ops, pages,
entries, pins, CPUs and MiB a file asks for, and a *work estimate*, the number of
page operations running it costs (faulting, touching, pinning, copying on fork,
moving or querying a page each count one). The bounds are documented in
``docs/level-format.md`` ("Bounds"); a file inside them runs ``migratelab
check`` in well under 2 s (see ``benchmarks/bench_bounds.py``).

:func:`scenario_problem` returns the first bound a scenario breaks as
``(json path, message)``; :func:`work_of` is shared with level validation.
"""

from __future__ import annotations

from collections.abc import Iterable

from migratelab.scenario import ops as O

MAX_OPS = 1000
MAX_FORK_DEPTH = 8
MAX_NODES = 16
MAX_NODE_MB = 4096
MAX_TOTAL_MB = 16 * 1024
MAX_CPUS_PER_NODE = 8
MAX_CPU = 4095
MAX_REGION_PAGES = 1 << 18  # 1 GiB
MAX_TOTAL_REGION_PAGES = 1 << 20
MAX_ENTRIES = 1 << 16
MAX_PAGE_INDEX = 1 << 20
MAX_OFFSET = 1 << 30
MAX_PIN_COUNT = 1 << 16
MAX_HUGETLB_PAGES = 1 << 16
MAX_NODE_LIST = 1024
#: Page operations one run of a file may cost (see the module docstring).
MAX_WORK = 1 << 16
INT32 = (-(1 << 31), (1 << 31) - 1)
UINT32 = (0, (1 << 32) - 1)


class Bound(Exception):
    """A number outside its bound: where (a JSON path) and what."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(message)
        self.where = where
        self.message = message


def _int(where: str, value: int, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not lo <= value <= hi:
        raise Bound(where, f"expected an int in {lo}..{hi}, got {_num(value)}")


def _num(value: int) -> str:
    text = str(value) if abs(value) < 10 ** 30 else f"a {len(str(abs(value)))}-digit number"
    return text


def _node(where: str, ref: O.NodeRef | None) -> None:
    if isinstance(ref, int) and not isinstance(ref, bool):
        _int(where, ref, *INT32)


def _span(where: str, rng: O.PageRange | None) -> int:
    """Pages a [start, count] range covers (0 for None: the whole region)."""
    if rng is None:
        return 0
    _int(f"{where}[0]", rng[0], 0, MAX_PAGE_INDEX)
    _int(f"{where}[1]", rng[1], 0, MAX_REGION_PAGES)
    return rng[1]


def _sel(where: str, sel: O.PageSel) -> int | None:
    """Pages a selection names (None: "all")."""
    if sel == "all":
        return None
    if len(sel) > MAX_ENTRIES:
        raise Bound(where, f"more than {MAX_ENTRIES} items")
    total = 0
    for i, item in enumerate(sel):
        if isinstance(item, int):
            _int(f"{where}[{i}]", item, 0, MAX_PAGE_INDEX)
            total += 1
        else:
            total += _span(f"{where}[{i}]", item)
    return total


class _Walk:
    """Checks every op's numbers and adds up the work estimate."""

    def __init__(self) -> None:
        self.ops = 0
        self.work = 0
        self.regions: dict[str, int] = {}
        self.mapped = 0

    def region(self, rid: str) -> int:
        return self.regions.get(rid, 0)

    def pages(self, rid: str, count: int | None) -> int:
        return self.region(rid) if count is None else count

    def op_list(self, where: str, ops: Iterable[O.Op], depth: int = 0) -> None:
        if depth > MAX_FORK_DEPTH:
            raise Bound(where, f"forks nested more than {MAX_FORK_DEPTH} deep")
        for i, op in enumerate(ops):
            self.op(f"{where}[{i}]", op, depth)

    def op(self, where: str, op: O.Op, depth: int) -> None:
        self.ops += 1
        if self.ops > MAX_OPS:
            raise Bound(where, f"more than {MAX_OPS} ops in the file")
        self.work += 1
        if isinstance(op, O.Mmap):
            _int(f"{where}.pages", op.pages, 1, MAX_REGION_PAGES)
            self.mapped += op.pages
            if self.mapped > MAX_TOTAL_REGION_PAGES:
                raise Bound(f"{where}.pages", f"more than {MAX_TOTAL_REGION_PAGES} pages "
                                              f"mapped in total")
            self.regions[op.id] = op.pages
            if op.prefill:
                self.work += op.pages
        elif isinstance(op, (O.Munmap, O.Mprotect, O.Madvise, O.Mlock, O.Munlock, O.Mbind)):
            self.work += self.pages(op.id, _span(f"{where}.range", op.range) or None)
            if isinstance(op, O.Mbind):
                self.policy(where, op.node, op.nodes)
                if isinstance(op.flags, int):
                    _int(f"{where}.flags", op.flags, *UINT32)
        elif isinstance(op, O.SetMempolicy):
            self.policy(where, op.node, op.nodes)
        elif isinstance(op, (O.Touch, O.Vmsplice, O.PagevecHold, O.Pin, O.LockPage,
                             O.Writeback)):
            self.work += self.pages(op.id, _sel(f"{where}.pages", op.pages))
            if isinstance(op, O.PagevecHold):
                _int(f"{where}.cpu", op.cpu, 0, MAX_CPU)
            if isinstance(op, O.Pin):
                _int(f"{where}.count", op.count, 1, MAX_PIN_COUNT)
        elif isinstance(op, O.LruAddDrain):
            _int(f"{where}.cpu", op.cpu, 0, MAX_CPU)
        elif isinstance(op, (O.Fork, O.Child)):
            if isinstance(op, O.Fork):
                self.work += self.mapped  # the child's page tables are a copy
            self.op_list(f"{where}.ops", op.ops, depth + 1)
        elif isinstance(op, (O.MovePages, O.Query)):
            self.request(where, op)
        elif isinstance(op, O.FillNode):
            _node(f"{where}.node", op.node)
            _int(f"{where}.leave_mb", op.leave_mb, 0, MAX_NODE_MB)
            _int(f"{where}.fragment_mb", op.fragment_mb, 0, MAX_NODE_MB)
            _int(f"{where}.hole_pages", op.hole_pages, 1, 511)
            self.work += MAX_NODE_MB // 8  # at most a node's worth of 2 MiB blocks
        elif isinstance(op, O.HugetlbPool):
            _node(f"{where}.node", op.node)
            _int(f"{where}.count", op.count, 0, MAX_HUGETLB_PAGES)
            self.work += op.count
        elif isinstance(op, O.Cpuset):
            self.policy(where, None, op.nodes)
        elif isinstance(op, O.Setuid):
            _int(f"{where}.uid", op.uid, *UINT32)
        for pid_field in ("pid",):
            pid = getattr(op, pid_field, None)
            if isinstance(pid, int) and not isinstance(pid, bool):
                _int(f"{where}.{pid_field}", pid, *INT32)

    def policy(self, where: str, node: O.NodeRef | None,
               nodes: list[O.NodeRef] | None) -> None:
        _node(f"{where}.node", node)
        if nodes is not None and len(nodes) > MAX_NODE_LIST:
            raise Bound(f"{where}.nodes", f"more than {MAX_NODE_LIST} nodes")
        for i, ref in enumerate(nodes or []):
            _node(f"{where}.nodes[{i}]", ref)

    def request(self, where: str, op: O.MovePages | O.Query) -> None:
        entries = op.entries or []
        if len(entries) > MAX_ENTRIES:
            raise Bound(f"{where}.entries", f"more than {MAX_ENTRIES} entries")
        for i, entry in enumerate(entries):
            ew = f"{where}.entries[{i}]"
            if isinstance(entry, (O.EntryObj, O.QueryEntryObj)):
                _int(f"{ew}.page", entry.page, 0, MAX_PAGE_INDEX)
                _int(f"{ew}.offset", entry.offset, 0, MAX_OFFSET)
                if isinstance(entry, O.EntryObj):
                    _node(f"{ew}.node", entry.node)
            else:
                _int(f"{ew}[1]", entry[1], 0, MAX_PAGE_INDEX)
                if len(entry) == 3:
                    _node(f"{ew}[2]", entry[2])
        n = len(entries)
        if op.range is not None:
            pages = op.range.pages
            n += self.region(op.range.id) if pages == "all" else \
                _span(f"{where}.range.pages", pages)
            if isinstance(op, O.MovePages):
                _node(f"{where}.range.node", op.range.node)
        if isinstance(op, O.MovePages):
            if op.count is not None:
                _int(f"{where}.count", op.count, 0, MAX_ENTRIES)
                n = max(n, op.count)
            if op.status is not None and len(op.status) > MAX_ENTRIES:
                raise Bound(f"{where}.status", f"more than {MAX_ENTRIES} entries")
            if isinstance(op.flags, int):
                _int(f"{where}.flags", op.flags, *UINT32)
        if n > MAX_ENTRIES:
            raise Bound(f"{where}.entries", f"more than {MAX_ENTRIES} entries")
        self.work += n


def work_of(ops: Iterable[O.Op], regions: dict[str, int] | None = None,
            where: str = "$") -> int:
    """The work estimate of running ``ops`` (the list at path ``where``, after maps of
    ``regions``, name->pages); raises :class:`Bound` for a number outside its bound."""
    walk = _Walk()
    walk.regions.update(regions or {})
    walk.mapped = sum(walk.regions.values())
    walk.op_list(where, ops)
    return walk.work


def scenario_problem(scenario: O.Scenario) -> tuple[str, str] | None:
    """The first bound ``scenario`` breaks, as (path, message), or None."""
    walk = _Walk()
    try:
        walk.op_list("$.ops", scenario.ops)
    except Bound as b:
        return b.where, b.message
    if walk.work > MAX_WORK:
        return "$.ops", work_message(walk.work)
    if scenario.min_nodes is not None and not 0 <= scenario.min_nodes <= MAX_NODE_LIST:
        return "$.min_nodes", f"expected an int in 0..{MAX_NODE_LIST}, got " \
                              f"{_num(scenario.min_nodes)}"
    return None


def work_message(work: int) -> str:
    """The error for a file whose work estimate is over :data:`MAX_WORK`."""
    return (f"running this costs about {work} page operations, more than the bound of "
            f"{MAX_WORK}: use fewer or smaller regions, touches, calls or forks")
