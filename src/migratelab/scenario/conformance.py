"""Compare simulator records with real-kernel results, field by field.

What counts for agreement (``shared/conformance/FORMAT.md``): ``ret``, ``errno``,
``status_str`` (or ``status_hist``), ``after_nodes_str`` (or
``after_nodes_hist``) and the six vmstat counters of
:data:`~migratelab.kernel.machine.AGREEMENT_COUNTERS`. Query records compare
``ret``, ``errno`` and ``status_str`` (or ``status_hist``). The records of ops a
forked child ran (``child_ops``) are compared the same way.
"""

from __future__ import annotations

from typing import Any

from migratelab.kernel.machine import AGREEMENT_COUNTERS

MOVE_FIELDS = ("ret", "errno", "status_str", "status_hist", "after_nodes_str",
               "after_nodes_hist")
QUERY_FIELDS = ("ret", "errno", "status_str", "status_hist")


def first_difference(expected: dict[str, Any], actual: dict[str, Any]) -> str | None:
    """Name and values of the first agreement field that differs, or None."""
    op = expected.get("op")
    if op not in ("move_pages", "query"):
        return None
    fields = MOVE_FIELDS if op == "move_pages" else QUERY_FIELDS
    for name in fields:
        if name not in expected:
            continue
        if expected[name] != actual.get(name):
            return f"ops[{expected['i']}] ({op}) {name}: expected {expected[name]!r}, " \
                   f"got {actual.get(name)!r}"
    if op == "move_pages":
        want = expected.get("vmstat_delta", {})
        got = actual.get("vmstat_delta", {})
        for counter in AGREEMENT_COUNTERS:
            if want.get(counter, 0) != got.get(counter, 0):
                return (f"ops[{expected['i']}] (move_pages) vmstat_delta.{counter}: expected "
                        f"{want.get(counter, 0)}, got {got.get(counter, 0)}")
    return None


def compare_run(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """Every differing record of a scenario run (first field of each)."""
    return _compare_ops(expected["ops"], actual.get("ops", []), "")


def _compare_ops(expected: list[dict[str, Any]], actual: list[dict[str, Any]], where: str
                 ) -> list[str]:
    got = {rec["i"]: rec for rec in actual}
    out: list[str] = []
    for rec in expected:
        mine = got.get(rec["i"], {})
        diff = first_difference(rec, mine)
        if diff:
            out.append(where + diff)
        if "child_ops" in rec:
            out.extend(_compare_ops(rec["child_ops"], mine.get("child_ops", []),
                                    f"{where}ops[{rec['i']}].child_ops: "))
    return out
