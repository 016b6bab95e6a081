"""Comparing a call's record with what a level says it should be.

A *record* is what :class:`~migratelab.scenario.runner.ScenarioRunner` returns for
one move_pages/query call (``ret``, ``errno``, ``status_str``, ``after_nodes_str``,
``vmstat_delta``, ``migrate_calls``...). Every function returns a list of
differences, one readable string each (a ``status[]`` difference is a side-by-side
table); an empty list means equal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from migratelab.kernel.machine import AGREEMENT_COUNTERS

if TYPE_CHECKING:
    from migratelab.levels.format import ExpectResult


def status_diff(label: str, expected: list[str], actual: list[str], limit: int = 40
                ) -> str:
    """Side by side, differing indices marked with ``*``; long arrays show only diffs."""
    n = max(len(expected), len(actual))
    rows = [f"{label}: expected vs actual ({'*'} marks a difference)"]
    width = max([8, *(len(v) + 2 for v in expected)])
    shown = 0
    for i in range(n):
        e = expected[i] if i < len(expected) else "(none)"
        a = actual[i] if i < len(actual) else "(none)"
        differs = e != a
        if n <= limit or differs:
            if shown >= limit:
                rows.append("  ...")
                break
            rows.append(f"  [{i}]".ljust(8) + e.ljust(width) + a + ("   *" if differs else ""))
            shown += 1
    if len(expected) != len(actual):
        rows.append(f"  length: expected {len(expected)}, actual {len(actual)}")
    return "\n".join(rows)


def field_diffs(want: dict[str, Any], rec: dict[str, Any]) -> list[str]:
    """Differences in the fields ``want`` names: ``ret``, ``errno``, ``status``,
    ``after_nodes`` (a ``None`` array is not compared)."""
    diffs: list[str] = []
    if "ret" in want and want["ret"] != rec.get("ret"):
        diffs.append(f"ret: expected {want['ret']}, actual {rec.get('ret')}")
    if "errno" in want and want["errno"] != rec.get("errno"):
        diffs.append(f"errno: expected {want['errno']}, actual {rec.get('errno')}")
    for fname, key in (("status", "status_str"), ("after_nodes", "after_nodes_str")):
        if want.get(fname) is None:
            continue
        actual = rec.get(key)
        if actual is None:
            diffs.append(f"{fname}: the call recorded none")
        elif list(want[fname]) != list(actual):
            diffs.append(status_diff(f"{fname}[]", list(want[fname]), list(actual)))
    return diffs


def compare_result(res: ExpectResult, rec: dict[str, Any]) -> list[str]:
    """Differences between an expected result and a call's record (empty: equal)."""
    want: dict[str, Any] = {"ret": res.ret, "errno": res.errno}
    if res.status is not None:
        want["status"] = res.status
    if res.after_nodes is not None:
        want["after_nodes"] = res.after_nodes
    diffs = field_diffs(want, rec)
    if res.vmstat is not None:
        delta: dict[str, int] = rec.get("vmstat_delta", {})
        names = sorted(set(AGREEMENT_COUNTERS) | set(res.vmstat))
        bad = [f"{c} expected {res.vmstat.get(c, 0)}, actual {delta.get(c, 0)}"
               for c in names if res.vmstat.get(c, 0) != delta.get(c, 0)]
        if bad:
            diffs.append("vmstat: " + "; ".join(bad))
    if res.migrate_calls is not None and res.migrate_calls != rec.get("migrate_calls"):
        diffs.append(f"migrate_pages calls: expected {res.migrate_calls}, "
                     f"actual {rec.get('migrate_calls')}")
    return diffs


def record_as_result(rec: dict[str, Any], profiles: list[str]) -> dict[str, Any]:
    """A call's record in ``[[expect.results]]`` shape (to write expectations from a run)."""
    out: dict[str, Any] = {"profiles": profiles, "ret": rec["ret"]}
    if rec.get("errno"):
        out["errno"] = rec["errno"]
    if "status_str" in rec:
        out["status"] = rec["status_str"]
    if "after_nodes_str" in rec:
        out["after_nodes"] = rec["after_nodes_str"]
    out["vmstat"] = {k: v for k, v in rec.get("vmstat_delta", {}).items() if v}
    out["migrate_calls"] = rec.get("migrate_calls", 0)
    return out
