"""Compare simulator records with real-kernel results, field by field.

What counts for agreement (``shared/conformance/FORMAT.md``): ``ret``, ``errno``,
``status_str`` (or ``status_hist``), ``after_nodes_str`` (or
``after_nodes_hist``) and the six vmstat counters of
:data:`~migratelab.kernel.machine.AGREEMENT_COUNTERS`. Query records compare
``ret``, ``errno`` and ``status_str``; ``mbind`` and ``madvise`` records ``ret``
and ``errno`` (and mbind's counters when it moved pages); ``migrate_pages``
records ``ret``, ``errno`` and ``after_nodes_str`` (its real vmstat delta also
counts the interpreter's own pages, so it is not compared).
"""

from __future__ import annotations

from typing import Any

from migratelab.kernel.machine import AGREEMENT_COUNTERS

MOVE_FIELDS = ("ret", "errno", "status_str", "status_hist", "after_nodes_str",
               "after_nodes_hist")
QUERY_FIELDS = ("ret", "errno", "status_str")
FIELDS = {"move_pages": MOVE_FIELDS, "query": QUERY_FIELDS, "mbind": ("ret", "errno"),
          "madvise": ("ret", "errno"), "migrate_pages": ("ret", "errno", "after_nodes_str")}
#: Records whose vmstat_delta counts only what the syscall itself did.
COUNTED = ("move_pages", "mbind")


def first_difference(expected: dict[str, Any], actual: dict[str, Any]) -> str | None:
    """Name and values of the first agreement field that differs, or None."""
    op = expected.get("op")
    fields = FIELDS.get(str(op), ())
    for name in fields:
        if name not in expected:
            continue
        if expected[name] != actual.get(name):
            return f"ops[{expected['i']}] ({op}) {name}: expected {expected[name]!r}, " \
                   f"got {actual.get(name)!r}"
    if op in COUNTED and "vmstat_delta" in expected:
        want = expected.get("vmstat_delta", {})
        got = actual.get("vmstat_delta", {})
        for counter in AGREEMENT_COUNTERS:
            if want.get(counter, 0) != got.get(counter, 0):
                return (f"ops[{expected['i']}] ({op}) vmstat_delta.{counter}: expected "
                        f"{want.get(counter, 0)}, got {got.get(counter, 0)}")
    return None


def compare_run(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """Every differing record of a scenario run (first field of each)."""
    got = {rec["i"]: rec for rec in actual["ops"]}
    out: list[str] = []
    for rec in expected["ops"]:
        diff = first_difference(rec, got.get(rec["i"], {}))
        if diff:
            out.append(diff)
    return out
