"""Command-line words that open a tool rather than change the machine.

``compare v4.17 v6.12`` runs the current request on two profiles side by side;
``solution`` replays the level's reference solution (a win so is not recorded);
``goal`` pictures what the goal asks for; ``save FILE [goal=KIND] [id=ID]
[title=TEXT] [all]`` writes what was done as a level file; ``next`` draws the next
practice problem.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from migratelab.game.authoring import GOAL_KINDS, GoalKind
from migratelab.kernel.profiles import UnknownProfile, get_profile


class ToolError(ValueError):
    """A tool command that cannot be understood; ``str()`` is the inline message."""


@dataclass(frozen=True, slots=True)
class Compare:
    """``compare P1 P2``."""

    profiles: tuple[str, str]


@dataclass(frozen=True, slots=True)
class ShowSolution:
    """``solution``."""


@dataclass(frozen=True, slots=True)
class ShowGoal:
    """``goal``."""


@dataclass(frozen=True, slots=True)
class SaveLevel:
    """``save FILE [goal=KIND] [id=ID] [title=TEXT] [all]``."""

    path: str
    goal: GoalKind = "predict"
    id: str = ""
    title: str = ""
    all_profiles: bool = False


@dataclass(frozen=True, slots=True)
class NextProblem:
    """``next``: the next practice problem."""


_KINDS: dict[str, GoalKind] = {"placement": "placement", "predict": "predict",
                               "provoke": "provoke"}
Tool = Compare | ShowSolution | ShowGoal | SaveLevel | NextProblem
TOOL_VERBS = ("compare", "solution", "goal", "save", "next")


def parse_tool(verb: str, rest: str) -> Tool:
    """The tool command ``verb rest``; raises :class:`ToolError`."""
    try:
        words = shlex.split(rest)
    except ValueError as exc:
        raise ToolError(f"{verb}: {exc}") from None
    if verb == "compare":
        if len(words) != 2:
            raise ToolError("compare takes two profiles: compare v4.17 v6.12")
        try:
            a, b = (get_profile(w).name for w in words)
        except UnknownProfile as exc:
            raise ToolError(str(exc)) from None
        return Compare((a, b))
    if verb == "save":
        return _save(words)
    if words:
        raise ToolError(f"{verb} takes no arguments")
    if verb == "solution":
        return ShowSolution()
    if verb == "goal":
        return ShowGoal()
    if verb == "next":
        return NextProblem()
    raise ToolError(f"unknown tool {verb!r}")


def _save(words: list[str]) -> SaveLevel:
    if not words:
        raise ToolError("save FILE [goal=placement|predict|provoke] [id=ID] "
                        "[title=\"...\"] [all]")
    path, options = words[0], words[1:]
    goal: GoalKind = "predict"
    ident = title = ""
    every = False
    for word in options:
        key, eq, value = word.partition("=")
        if word == "all":
            every = True
        elif key == "goal" and eq:
            if value not in GOAL_KINDS:
                raise ToolError(f"goal must be one of {', '.join(GOAL_KINDS)}")
            goal = _KINDS[value]
        elif key == "id" and eq:
            ident = value
        elif key == "title" and eq:
            title = value
        else:
            raise ToolError(f"save: unknown option {word!r} (goal=, id=, title=, all)")
    return SaveLevel(path=path, goal=goal, id=ident, title=title, all_profiles=every)
