"""What the app needs of a level, built from the level/goal API (or a built-in demo).

The app holds no rules: the world comes from ``migratelab.levels.build_world``
and the goal check from ``levels.evaluate``. :func:`demo_level` is a sandbox built
in code, used when no level file is given and by the benchmark.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from migratelab.game import view
from migratelab.game.session import GoalCheck, Session
from migratelab.game.worlds import demo_machine, demo_runner, demo_setup
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
    #: Where progress keeps this level's result ("" = its id); see game.progress.
    progress_key: str = ""
    #: The level's ``[goal]`` (for "show goal"); None in the sandbox.
    goal: Any = None
    #: A fresh world on another profile (for "compare"); None: compare is not offered.
    world_for: Callable[[str], ScenarioRunner] | None = None
    #: ``[machine]`` and ``[[setup]]`` as the level file has them (for "save as level").
    machine: dict[str, Any] = field(default_factory=dict)
    setup_ops: list[Any] = field(default_factory=list)
    #: The kernel profile the level is played on ("" for a built-in world).
    profile: str = ""

    def key(self) -> str:
        """The progress key: the id for shipped levels, ``id@hash`` for other files."""
        return self.progress_key or self.id

    def session(self) -> Session:
        """A fresh session on this level."""
        return Session(self.make_runner, self.goal_check, self.par, self.predict_request)


def from_level(level: Any, path: Path | None = None) -> PlayLevel:
    """Adapt a ``migratelab.levels.Level``."""
    from migratelab import levels as goals

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
        source=str(getattr(meta, "source", "")), profile=str(meta.profile),
        goal_text=goal.describe() if goal is not None else "sandbox: no goal",
        hints=[str(getattr(h, "text", h)) for h in (level.hints or [])],
        par=int(par) if par is not None else None,
        make_runner=lambda: goals.build_world(level), goal_check=check, path=path,
        predict_request=goal.predict.request if goal is not None and goal.predict else None,
        predict_check=tuple(goal.predict.check) if goal is not None and goal.predict else (),
        explanation=str(getattr(meta, "explanation", "") or ""), solution=solution,
        goal=goal, world_for=lambda profile: goals.build_world(level, profile),
        machine=msgspec.to_builtins(level.machine), setup_ops=list(level.setup))


def _chapter_name(number: int) -> str:
    """``Chapter 3: Hocko's rework, and what followed`` (the title is data)."""
    from migratelab.levels import chapter_titles

    title = chapter_titles().get(number)
    return f"Chapter {number}: {title}" if title else f"Chapter {number}"


def _as_prediction(answer: Any) -> Any:
    """The command line's Predict answer as the level format's Prediction."""
    if answer is None:
        return None
    from migratelab.levels import Prediction

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
    from migratelab.levels import parse_level
    from migratelab.scenario.loading import read_input

    p = Path(path)
    raw = read_input(p)
    level = from_level(parse_level(raw, str(p)), p)
    level.progress_key = progress_key(level.id, raw)
    return level


def shipped() -> list[PlayLevel]:
    """Every shipped playable level, in chapter/order; unreadable ones and goal-less
    test cases are skipped."""
    try:
        from migratelab.levels import load_level, shipped_levels
    except ImportError:
        return [demo_level()]
    out: list[PlayLevel] = []
    for p in shipped_levels():
        try:
            level = load_level(p)
        except Exception:
            continue
        if level.goal is not None:  # a level with no goal is a test case, not playable
            out.append(from_level(level, p))
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
        profile="v6.12",
        goal_text="every page of A on node 1",
        hints=["Select all of A: Home, v, End.", "Press 1, then Enter."],
        par=1, make_runner=lambda: demo_runner(pages, mem_mb), goal_check=_all_on_node_1,
        world_for=lambda profile: demo_runner(pages, mem_mb, profile=profile),
        machine=demo_machine(mem_mb), setup_ops=list(demo_setup(pages)))


def practice_level(seed: int, profile: str, topic: str) -> PlayLevel:
    """A generated practice problem as a playable level (``next`` draws seed + 1)."""
    from migratelab.game.practice_problem import generate

    problem = generate(seed, profile, topic)
    level = from_level(problem.level)
    level.chapter = f"Practice: {topic} (seed {seed}, {profile})"
    level.extra["practice"] = {"seed": seed, "profile": profile, "topic": topic}
    return level
