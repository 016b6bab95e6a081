"""Checking a level file: the items ``migratelab check`` and the pytest plugin run.

Items, in order:

- ``schema``: the file loads (decoding, meaning and limits; see :mod:`migratelab.levels.loading`);
- ``solution`` (levels with a goal): the goal is not met by the start state, the
  reference solution's replay meets it, and the kernel's invariants hold after it;
- ``expect[i]-PROFILE``: expectation ``i`` run on that profile gives exactly the
  recorded result.

Nothing here raises for a bad level: every problem becomes a failed item whose
message is readable on its own (one summary line, then an optional diff).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migratelab.kernel import invariants
from migratelab.kernel.profiles import get_profile
from migratelab.levels.format import Level
from migratelab.levels.goals import evaluate
from migratelab.levels.loading import is_level_file, load_level
from migratelab.levels.replay import LevelRunError, build_world, replay_solution, run_expect
from migratelab.scenario.loading import InputError


@dataclass(slots=True)
class ItemResult:
    """One check of one level."""

    name: str
    ok: bool
    #: One line saying what failed (or what passed).
    message: str = ""
    #: Extra lines (a status[] diff), already indented by nothing.
    diff: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON shape for ``--json``."""
        return {"name": self.name, "ok": self.ok, "message": self.message, "diff": self.diff}


@dataclass(slots=True)
class LevelReport:
    """Every item of one level file."""

    path: str
    level_id: str | None = None
    items: list[ItemResult] = field(default_factory=list)
    #: Set when the file could not be loaded (the one-line InputError message).
    load_error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the file loaded and every item passed."""
        return self.load_error is None and all(i.ok for i in self.items)

    def as_dict(self) -> dict[str, Any]:
        """JSON shape for ``--json``."""
        return {"path": self.path, "id": self.level_id, "ok": self.ok,
                "error": self.load_error, "items": [i.as_dict() for i in self.items]}


def item_names(level: Level) -> list[str]:
    """Names of the items after ``schema``: ``solution``, ``expect[0]-v6.1``..."""
    names = ["solution"] if level.goal is not None else []
    for i in range(len(level.expect)):
        names.extend(f"expect[{i}]-{p}" for p in level.expect_profiles(i))
    return names


def _guard(name: str, level: Level, fn: Any) -> ItemResult:
    """Run one item; a level that breaks the runner or the engine fails, never raises."""
    try:
        result: ItemResult = fn(level)
        return result
    except LevelRunError as exc:
        return ItemResult(name, False, f"cannot run: {exc}")
    except Exception as exc:  # an engine bug must be a failed item, not a traceback
        text = str(exc).splitlines()[0] if str(exc) else ""
        return ItemResult(name, False, f"engine error: {type(exc).__name__}: {text}"[:500])


def check_solution(level: Level) -> ItemResult:
    """Start state does not meet the goal; the replayed reference solution does."""
    goal = level.goal
    if goal is None:
        return ItemResult("solution", True, "no goal")
    start = evaluate(goal, build_world(level), [])
    if start.met:
        return ItemResult("solution", False, "the goal is already met before any move",
                          start.detail)
    runner, history = replay_solution(level)
    prediction = level.solution.prediction if level.solution is not None else None
    end = evaluate(goal, runner, history, prediction)
    if not end.met:
        return ItemResult("solution", False, "the reference solution does not meet the goal",
                          end.detail)
    broken = invariants.violations(runner.k)
    if broken:
        return ItemResult("solution", False, f"kernel invariant broken after the solution: "
                                             f"{broken[0]}")
    calls = sum(1 for rec in history if rec.get("op") in ("move_pages", "query"))
    return ItemResult("solution", True, f"not met at start; met after {calls} call(s)")


def check_expect(level: Level, index: int, profile: str) -> ItemResult:
    """Expectation ``index`` on ``profile`` gives exactly its recorded result."""
    name = f"expect[{index}]-{get_profile(profile).name}"

    def run(lv: Level) -> ItemResult:
        rec, diffs = run_expect(lv, index, get_profile(profile).name)
        return expect_item(name, lv.expect[index].name, rec, diffs)

    return _guard(name, level, run)


def expect_item(name: str, label: str, rec: dict[str, Any], diffs: list[str]) -> ItemResult:
    """The item for one call's record and its differences from the expected result
    (``migratelab verify`` reports real kernels' answers with it too)."""
    if diffs:
        heads = [d.splitlines()[0].split(":")[0] for d in diffs]
        return ItemResult(name, False, f"{label or 'result'} differs in "
                                       f"{', '.join(heads)}", "\n".join(diffs))
    return ItemResult(name, True, f"ret {rec['ret']}" + (f" {rec['errno']}"
                                                         if rec.get("errno") else ""))


def run_item(level: Level, name: str) -> ItemResult:
    """Run one named item (not ``schema``, which is loading itself)."""
    if name == "solution":
        return _guard(name, level, check_solution)
    if name.startswith("expect[") and "]-" in name:
        index_text, profile = name[len("expect["):].split("]-", 1)
        return check_expect(level, int(index_text), profile)
    raise KeyError(name)


def check_level(path: str | Path) -> LevelReport:
    """Load one file and run every item."""
    report = LevelReport(str(path))
    try:
        level = load_level(path)
    except InputError as exc:
        report.load_error = str(exc)
        report.items.append(ItemResult("schema", False, str(exc)))
        return report
    report.level_id = level.level.id
    report.items.append(ItemResult("schema", True, "valid"))
    for name in item_names(level):
        report.items.append(run_item(level, name))
    return report


def find_levels(paths: list[str | Path]) -> list[Path]:
    """Files given are taken as they are; folders give the level files inside them."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out.extend(f for f in sorted(p.rglob("*.toml")) if is_level_file(f))
        else:
            out.append(p)
    return out
