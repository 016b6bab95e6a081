"""Running levels: build the world, replay a solution, make a call, run an expectation.

A *history* is the list of records :class:`ScenarioRunner` returned for the
player's calls, in order (``ret``, ``errno``, ``status_str``, ``vmstat_delta``,
``migrate_calls``...). ``migratelab check``, the pytest plugin and the game all
run levels through these functions.
"""

from __future__ import annotations

from typing import Any

from migratelab.kernel.machine import Kernel
from migratelab.kernel.profiles import get_profile
from migratelab.levels.base import Request
from migratelab.levels.compare import compare_result
from migratelab.levels.format import Expect, ExpectResult, Level
from migratelab.scenario.runner import RunError, ScenarioRunner


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


def result_for(exp: Expect, profile: str) -> ExpectResult:
    """The expected result of ``exp`` on a canonical profile name."""
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
