"""What the app needs of a level, built from the level/goal API (or a built-in demo).

The app holds no rules: the world comes from ``migratelab.game.goals.build_world``
and the goal check from ``goals.evaluate``. :func:`demo_level` is a sandbox built
in code, used when no level file is given and by the benchmark.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migratelab.game import view
from migratelab.game.session import GoalCheck, Session
from migratelab.game.worlds import demo_runner
from migratelab.scenario.runner import ScenarioRunner


@dataclass(slots=True)
class PlayLevel:
    """A playable level as the app sees it."""

    id: str
    title: str
    chapter: str
    order: int
    story: str
    source: str
    goal_text: str
    hints: list[str]
    par: int | None
    make_runner: Callable[[], ScenarioRunner]
    goal_check: GoalCheck | None
    path: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    #: A predict level's request (it runs after the player's prediction).
    predict_request: Any = None
    #: The fields of that request's result the player predicts (``ret``, ``status``...).
    predict_check: tuple[str, ...] = ()
    #: Markdown shown after the win: what happened in the kernel (``[level] explanation``).
    explanation: str = ""
    #: The reference solution (``[solution]``), replayed in presenter mode.
    solution: Any = None
    #: The kernel profile the level runs on (``[level] profile``).
    profile: str = ""
    #: Where progress keeps this level's result ("" = its id); see game.progress.
    progress_key: str = ""

    def key(self) -> str:
        """The progress key: the id for shipped levels, ``id@hash`` for other files."""
        return self.progress_key or self.id

    def session(self) -> Session:
        """A fresh session on this level."""
        return Session(self.make_runner, self.goal_check, self.par, self.predict_request)


def from_level(level: Any, path: Path | None = None) -> PlayLevel:
    """Adapt a ``migratelab.scenario.levels.Level``."""
    from migratelab.game import goals

    meta = level.level
    goal = level.goal
    check: GoalCheck | None = None
    if goal is not None:
        def check(runner: ScenarioRunner, history: list[dict[str, Any]],
                  prediction: Any) -> tuple[bool, str]:
            res = goals.evaluate(goal, runner, history, prediction=_as_prediction(prediction))
            return bool(res.met), str(res.detail)
    solution = getattr(level, "solution", None)
    par = getattr(solution, "par", None) if solution is not None else None
    return PlayLevel(
        id=str(meta.id), title=str(meta.title), chapter=_chapter_name(int(meta.chapter)),
        order=int(getattr(meta, "order", 0)), story=str(getattr(meta, "story", "")),
        source=str(getattr(meta, "source", "")),
        goal_text=goal.describe() if goal is not None else "sandbox: no goal",
        hints=[str(getattr(h, "text", h)) for h in (level.hints or [])],
        par=int(par) if par is not None else None,
        make_runner=lambda: goals.build_world(level), goal_check=check, path=path,
        predict_request=goal.predict.request if goal is not None and goal.predict else None,
        predict_check=tuple(goal.predict.check) if goal is not None and goal.predict else (),
        explanation=str(getattr(meta, "explanation", "") or ""), solution=solution,
        profile=str(getattr(meta, "profile", "")))


def _chapter_name(number: int) -> str:
    """``Chapter 3: Hocko's rework, and what followed`` (the title is data)."""
    from migratelab.scenario.levels import chapter_titles

    title = chapter_titles().get(number)
    return f"Chapter {number}: {title}" if title else f"Chapter {number}"


def _as_prediction(answer: Any) -> Any:
    """The command line's Predict answer as the level format's Prediction."""
    if answer is None:
        return None
    from migratelab.scenario.levels import Prediction

    return Prediction(ret=answer.ret, errno=answer.errno,
                      status=list(answer.status) if answer.status is not None else None,
                      after_nodes=list(answer.after_nodes)
                      if answer.after_nodes is not None else None)


def load_play_level(path: str | Path) -> PlayLevel:
    """Load a level file; raises ``InputError`` with a one-line message.

    Its progress key holds a hash of the bytes, so an edited copy of a shipped
    level is kept apart from it (:func:`migratelab.game.progress.progress_key`).
    """
    from migratelab.game.progress import progress_key
    from migratelab.scenario.levels import parse_level
    from migratelab.scenario.loading import read_input

    p = Path(path)
    raw = read_input(p)
    level = from_level(parse_level(raw, str(p)), p)
    level.progress_key = progress_key(level.id, raw)
    return level


def shipped() -> list[PlayLevel]:
    """Every shipped level, in chapter/order; unreadable ones are skipped."""
    try:
        from migratelab.scenario.levels import load_level, shipped_levels
    except ImportError:
        return [demo_level()]
    out: list[PlayLevel] = []
    for p in shipped_levels():
        try:
            out.append(from_level(load_level(p), p))
        except Exception:
            continue
    return out or [demo_level()]


def _all_on_node_1(runner: ScenarioRunner, history: list[dict[str, Any]],
                   prediction: Any = None) -> tuple[bool, str]:
    on, total = view.pages_on_node(runner, "A", 1)
    return on == total, f"{on}/{total} pages of A on node 1"


def demo_level(pages: int = 64, mem_mb: int = 64) -> PlayLevel:
    """A built-in level: move every page of A to node 1."""
    return PlayLevel(
        id="demo", title="Demo: move A to node 1", chapter="Sandbox", order=0,
        story="Region **A** lives on node 0. Move all of it to node 1.", source="built in",
        goal_text="every page of A on node 1",
        hints=["Select all of A: Home, v, End.", "Press 1, then Enter."],
        par=1, make_runner=lambda: demo_runner(pages, mem_mb), goal_check=_all_on_node_1)
