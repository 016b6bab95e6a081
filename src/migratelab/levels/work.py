"""How much work ``migratelab check`` does on a level, bounded before it starts.

``check`` builds the world (runs ``[[setup]]``) twice for the solution item (once
to see the goal is not met at the start, once to replay the solution), and once
per profile of every ``[[expect]]`` result, each followed by that expectation's
own setup and request. The estimate multiplies accordingly, with the per-op
costs of :func:`migratelab.scenario.limits.work_of`.
"""

from __future__ import annotations

from migratelab.levels.format import Level
from migratelab.scenario import limits
from migratelab.scenario import ops as O


def _regions(ops: list[O.Op]) -> dict[str, int]:
    out: dict[str, int] = {}
    for op in ops:
        if isinstance(op, O.Mmap):
            out[op.id] = op.pages
    return out


def check_work(level: Level) -> int:
    """Page operations one ``migratelab check`` of ``level`` costs (an estimate)."""
    setup = limits.work_of(level.setup, where="$.setup")
    regions = _regions(level.setup)
    total = 2 * setup
    if level.solution is not None:
        total += limits.work_of(level.solution.ops, regions, "$.solution.ops")
    if level.goal is not None and level.goal.predict is not None:
        # a one-op list: its path is the request's own, so drop the "[0]"
        total += _one(level.goal.predict.request, regions, "$.goal.predict.request")
    for i, exp in enumerate(level.expect):
        runs = sum(len(res.profiles) for res in exp.results)
        own_regions = {**regions, **_regions(exp.setup)}
        own = limits.work_of(exp.setup, regions, f"$.expect[{i}].setup") + \
            _one(exp.request, own_regions, f"$.expect[{i}].request")
        total += runs * (setup + own)
    return total


def _one(op: O.Op, regions: dict[str, int], where: str) -> int:
    try:
        return limits.work_of([op], regions, "")
    except limits.Bound as b:
        raise limits.Bound(where + b.where.removeprefix("[0]"), b.message) from None


def work_problem(level: Level) -> tuple[str, str] | None:
    """("$", message) when checking the level would cost more than the bound."""
    try:
        work = check_work(level)
    except limits.Bound as b:
        return b.where, b.message
    if work > limits.MAX_WORK:
        return "$", limits.work_message(work)
    return None
