"""Running levels: build the world, replay a solution, judge a goal, run an expectation.

This lives in the scenario layer so that ``migratelab check`` and the pytest plugin
(both scenario tools) need nothing above them; :mod:`migratelab.game.goals` is the
public face the game uses and re-exports these names.

A *history* is the list of records :class:`ScenarioRunner` returned for the
player's move_pages/query calls, in order (``ret``, ``errno``, ``status_str``,
``vmstat_delta``, ``migrate_calls``...).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from migratelab.kernel.folio import Folio
from migratelab.kernel.machine import AGREEMENT_COUNTERS, Kernel
from migratelab.kernel.mm import PAGE_SIZE
from migratelab.scenario.levels import (
    SYSCALL_OPS,
    Expect,
    ExpectResult,
    Goal,
    Level,
    Outcome,
    Placement,
    Prediction,
    Request,
    outcome_text,
)
from migratelab.scenario.runner import RunError, ScenarioRunner


@dataclass(frozen=True, slots=True)
class PartResult:
    """One check of a goal: its sentence, whether it holds, and why."""

    text: str
    met: bool
    detail: str


@dataclass(frozen=True, slots=True)
class GoalResult:
    """Whether a goal is met, with one line per check in ``detail``."""

    met: bool
    detail: str
    parts: tuple[PartResult, ...] = ()


class LevelRunError(Exception):
    """An op of a level could not be applied; the message names its path."""


def _run_ops(runner: ScenarioRunner, ops: list[Any], where: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for i, op in enumerate(ops):
        try:
            records.append(runner.apply(op, i, runner.proc))
        except RunError as exc:
            raise LevelRunError(f"{where}[{exc.index}].{exc.field}: {exc.message}") from None
    return records


def build_world(level: Level, profile: str | None = None) -> ScenarioRunner:
    """A fresh kernel for ``level`` (on its profile unless told) with setup applied."""
    kernel = Kernel(level.machine_spec(), profile or level.level.profile)
    runner = ScenarioRunner(kernel)
    _run_ops(runner, level.setup, "$.setup")
    return runner


def play(runner: ScenarioRunner, request: Request, index: int = 0) -> dict[str, Any]:
    """Make one move_pages/query call as the player; returns its history record."""
    try:
        return runner.apply(request, index, runner.proc)
    except RunError as exc:
        raise LevelRunError(f"request.{exc.field}: {exc.message}") from None


def replay_solution(level: Level) -> tuple[ScenarioRunner, list[dict[str, Any]]]:
    """Build the world and make the reference solution's calls.

    For a ``predict`` goal the goal's own request runs last, as the game runs it
    after the player has entered a prediction.
    """
    runner = build_world(level)
    history: list[dict[str, Any]] = []
    if level.solution is not None:
        history.extend(_run_ops(runner, list(level.solution.ops), "$.solution.ops"))
    if level.goal is not None and level.goal.predict is not None:
        history.append(play(runner, level.goal.predict.request))
    return runner, history


# -- goals --------------------------------------------------------------------------------

def evaluate(goal: Goal, runner: ScenarioRunner, history: list[dict[str, Any]],
             prediction: Prediction | None = None) -> GoalResult:
    """Judge ``goal`` on the runner's current state and the player's ``history``.

    ``prediction`` is the player's answer to a ``predict`` goal; the goal's request
    must be the last move_pages/query call in ``history``. Records of other ops
    (drains) may be in ``history``; limits count only move_pages/query calls.
    """
    history = [rec for rec in history if rec.get("op") in SYSCALL_OPS]
    texts = goal.parts()
    parts: list[PartResult] = []
    it = iter(texts)
    for pl in goal.placement:
        parts.append(_placement(next(it), pl, runner))
    if goal.predict is not None:
        parts.append(_predict(next(it), goal, history, prediction))
    for o in goal.provoke:
        hits = [n for n, rec in enumerate(history) if _outcome(o, rec)]
        text = next(it)
        parts.append(PartResult(text, bool(hits), f"call {hits[0] + 1} does" if hits
                                else f"none of {len(history)} call(s) did"))
    for o in goal.avoid:
        hits = [n for n, rec in enumerate(history) if _outcome(o, rec)]
        text = next(it)
        parts.append(PartResult(text, not hits, f"call {hits[0] + 1}: {outcome_text(o)}"
                                if hits else "no call did"))
    if goal.max_syscalls is not None:
        n = len(history)
        parts.append(PartResult(next(it), n <= goal.max_syscalls, f"{n} call(s) made"))
    if goal.max_migrate_calls is not None:
        total = sum(int(rec.get("migrate_calls", 0)) for rec in history)
        parts.append(PartResult(next(it), total <= goal.max_migrate_calls,
                                f"migrate_pages() was called {total} time(s)"))
    met = all(p.met for p in parts)
    detail = "\n".join(f"[{'x' if p.met else ' '}] {p.text}: {p.detail}" for p in parts)
    return GoalResult(met, detail, tuple(parts))


def page_folio(runner: ScenarioRunner, rid: str, page: int) -> Folio | None:
    """The folio mapped at page ``page`` of region ``rid`` (None if not present)."""
    proc = runner.proc
    reg = runner.regions.get(rid)
    if reg is None or proc.mm is None:
        return None
    addr = reg.base + page * PAGE_SIZE
    vma = proc.mm.find_vma(addr)
    if vma is None:
        return None
    entry = vma.pt[vma.index(addr)]
    return entry if isinstance(entry, Folio) else None


def _placement(text: str, pl: Placement, runner: ScenarioRunner) -> PartResult:
    if pl.id not in runner.regions:
        return PartResult(text, False, f"region {pl.id} is not mapped")
    try:
        pages = runner.page_list(pl.id, pl.pages, 0)
        node = runner.node(pl.node, 0)
    except RunError as exc:
        return PartResult(text, False, exc.message)
    wrong: list[str] = []
    for page in pages:
        folio = page_folio(runner, pl.id, page)
        if folio is None:
            wrong.append(f"page {page} is not present")
        elif folio.node != node:
            wrong.append(f"page {page} is on node {folio.node}")
        elif pl.huge is not None and folio.is_large != pl.huge:
            wrong.append(f"page {page} is {'a base page' if pl.huge else 'part of a THP'}")
    if not wrong:
        return PartResult(text, True, f"{len(pages)}/{len(pages)} pages")
    return PartResult(text, False, f"{len(pages) - len(wrong)}/{len(pages)} pages; "
                                   f"first miss: {wrong[0]}")


def _predict(text: str, goal: Goal, history: list[dict[str, Any]],
             prediction: Prediction | None) -> PartResult:
    assert goal.predict is not None
    if not history:
        return PartResult(text, False, "the request has not run yet")
    if prediction is None:
        return PartResult(text, False, "no prediction was made")
    diffs = compare_prediction(prediction, history[-1], goal.predict.check)
    if diffs:
        return PartResult(text, False, "; ".join(d.splitlines()[0] for d in diffs))
    return PartResult(text, True, "every predicted field matches")


def _outcome(o: Outcome, rec: dict[str, Any]) -> bool:
    if o.errno is not None:
        return bool(rec.get("errno") == o.errno)
    if o.status is not None:
        return o.status in (rec.get("status_str") or rec.get("status_hist") or [])
    if o.positive_return:
        return int(rec.get("ret", 0)) > 0
    return int(rec.get("vmstat_delta", {}).get("thp_split_page", 0)) > 0


# -- comparing results ------------------------------------------------------------------

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


def _field_diffs(want: dict[str, Any], rec: dict[str, Any]) -> list[str]:
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


def compare_prediction(pred: Prediction, rec: dict[str, Any], check: Sequence[str]
                       ) -> list[str]:
    """Differences between a prediction and a call's record, for the checked fields."""
    want: dict[str, Any] = {}
    for fname in check:
        want[fname] = getattr(pred, fname)
    return _field_diffs(want, rec)


def compare_result(res: ExpectResult, rec: dict[str, Any]) -> list[str]:
    """Differences between an expected result and a call's record (empty: equal)."""
    want: dict[str, Any] = {"ret": res.ret, "errno": res.errno}
    if res.status is not None:
        want["status"] = res.status
    if res.after_nodes is not None:
        want["after_nodes"] = res.after_nodes
    diffs = _field_diffs(want, rec)
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


def result_for(exp: Expect, profile: str) -> ExpectResult:
    """The expected result of ``exp`` on a canonical profile name."""
    from migratelab.kernel.profiles import get_profile

    for res in exp.results:
        if any(get_profile(p).name == profile for p in res.profiles):
            return res
    raise KeyError(profile)


def run_expect(level: Level, index: int, profile: str) -> tuple[dict[str, Any], list[str]]:
    """Run expectation ``index`` on ``profile``; returns (record, differences)."""
    exp = level.expect[index]
    runner = build_world(level, profile)
    _run_ops(runner, exp.setup, f"$.expect[{index}].setup")
    try:
        rec = runner.apply(exp.request, 0, runner.proc)
    except RunError as exc:
        raise LevelRunError(f"$.expect[{index}].request.{exc.field}: {exc.message}") from None
    return rec, compare_result(result_for(exp, profile), rec)


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


__all__ = [
    "GoalResult", "LevelRunError", "PartResult", "build_world", "compare_prediction",
    "compare_result", "evaluate", "page_folio", "play", "record_as_result", "replay_solution",
    "run_expect", "status_diff",
]
