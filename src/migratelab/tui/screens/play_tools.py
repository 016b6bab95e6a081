"""The play screen's tools: compare, show solution, show goal, save as level, next problem.

Each is reached by a key and by a command-line word (:mod:`migratelab.game.tool_commands`).
The play screen hands itself over as a :class:`ToolHost`; the rules live in the game
layer (:mod:`migratelab.game.compare`, :mod:`migratelab.game.solution`,
:mod:`migratelab.game.authoring`, :mod:`migratelab.game.practice_problem`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from migratelab.game import tool_commands as T
from migratelab.game.authoring import AuthoringError, LevelDraft, build_level
from migratelab.game.compare import for_session
from migratelab.game.session import Session, SessionError
from migratelab.game.solution import SolutionReplay, as_answer, goal_picture
from migratelab.scenario import ops as O
from migratelab.tui.messages import PracticeNext
from migratelab.tui.screens.compare import CompareScreen

if TYPE_CHECKING:
    from migratelab.tui.world import PlayLevel


class ToolHost(Protocol):
    """What the tools need of the play screen."""

    level: PlayLevel
    session: Session

    @property
    def app(self) -> App[Any]:
        """The running app."""

    def post_message(self, message: Message) -> bool:
        """Send a message up to the app."""

    def draft_request(self) -> O.MovePages | None:
        """The request composed but not made yet (None when empty)."""

    def say(self, text: str, error: bool = False) -> None:
        """One line on the message bar (plain text)."""

    def start_replay(self, replay: SolutionReplay) -> None:
        """Drive ``replay`` at the screen's speed."""

    def solved(self) -> bool:
        """The player has solved this level for real."""


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question over the current screen."""


    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        """The question and the keys."""
        with Vertical(id="confirm"):
            yield Static(self.question, id="confirm-text", markup=False)
            yield Static("y: yes    n or Esc: no", id="confirm-keys", markup=False)

    def action_answer(self, yes: bool) -> None:
        """Close with the answer."""
        self.dismiss(yes)


class GoalScreen(ModalScreen[None]):
    """"Show goal": what the goal asks for, one row per check."""


    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,g,q", "close", "Back", id="goalpic.close"),
    ]

    def __init__(self, title: str, rows: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.rows = rows

    def compose(self) -> ComposeResult:
        """The picture."""
        width = max((len(w) for w, _ in self.rows), default=0)
        lines = [f"{what.ljust(width)}  →  {want}" for what, want in self.rows]
        with Vertical(id="goalpic"):
            yield Static(f"The goal of {self.title_text}", id="goalpic-title", markup=False)
            yield Static("\n".join(lines) or "this level has no goal: it is a sandbox",
                         id="goalpic-body", markup=False)
            yield Static("Esc: back", id="goalpic-keys", markup=False)

    def action_close(self) -> None:
        """Back to the play screen."""
        self.dismiss(None)


def run_tool(host: ToolHost, tool: T.Tool) -> None:
    """Carry out one tool command on the play screen."""
    if isinstance(tool, T.Compare):
        compare(host, tool.profiles)
    elif isinstance(tool, T.ShowSolution):
        show_solution(host)
    elif isinstance(tool, T.ShowGoal):
        show_goal(host)
    elif isinstance(tool, T.SaveLevel):
        save_level(host, tool)
    else:
        next_problem(host)


def compare(host: ToolHost, profiles: tuple[str, str] | None = None) -> None:
    """Run the composed request (or the last call) on two profiles side by side."""
    level = host.level
    if level.world_for is None:
        host.say("compare is not available here", True)
        return
    if profiles is None:
        mine = level.profile or "v6.12"
        profiles = ("v4.17" if mine != "v4.17" else "v6.12", mine)
    try:
        cmp = for_session(host.session, level.world_for, profiles, host.draft_request())
    except SessionError as exc:
        host.say(str(exc), True)
        return
    from migratelab.levels import request_text

    host.app.push_screen(CompareScreen(cmp, request_text(cmp.request)))


def show_solution(host: ToolHost) -> None:
    """Replay the reference solution, after a confirmation while the level is unsolved."""
    level = host.level
    sol = level.solution
    if sol is None:
        host.say("this level has no reference solution", True)
        return

    def start(yes: bool | None) -> None:
        if not yes:
            host.say("the solution stays hidden")
            return
        host.session.reset()
        marks = [(m.after, m.text) for m in getattr(sol, "marks", [])]
        host.start_replay(SolutionReplay(host.session, list(sol.ops),
                                         as_answer(sol.prediction), marks))
        host.say("showing the solution: a win this way is shown, not recorded")

    if host.solved():
        start(True)
        return
    host.app.push_screen(
        ConfirmScreen("Show the solution? You have not solved this level yet. The level "
                      "restarts and its reference solution plays step by step; a win "
                      "reached this way is not recorded, and you can still solve it "
                      "yourself afterwards."), start)


def show_goal(host: ToolHost) -> None:
    """Picture what the goal asks for."""
    level = host.level
    if level.goal is not None:
        rows = [(r.what, r.want) for r in goal_picture(level.goal)]
    elif level.goal_check is not None:  # a built-in level: its goal is only a sentence
        rows = [("goal", level.goal_text)]
    else:
        rows = []
    host.app.push_screen(GoalScreen(host.level.title, rows))


def save_level(host: ToolHost, tool: T.SaveLevel) -> None:
    """Write what was done as a level file (never over an existing file)."""
    level = host.level
    path = Path(tool.path).expanduser()
    if path.suffix != ".toml":
        path = path.with_suffix(".toml")
    if path.exists():
        host.say(f"{path} exists: not overwriting it (choose another name)", True)
        return
    ident = tool.id or path.stem.lower().replace(" ", "-")
    draft = LevelDraft(id=ident, title=tool.title or ident.replace("-", " ").capitalize(),
                       goal=tool.goal, profile=level.profile or "v6.12",
                       all_profiles=tool.all_profiles)
    try:
        text = build_level(draft, level.machine, level.setup_ops, host.session.applied_ops,
                           source=f"saved from {level.title} by demonstration")
        path.write_text(text, encoding="utf-8")
    except AuthoringError as exc:
        host.say(f"not saved: {exc}", True)
        return
    except OSError as exc:
        host.say(f"not saved: {path}: {exc.strerror or exc}", True)
        return
    host.say(f"saved {path}: open it with migratelab play {path}")


def next_problem(host: ToolHost) -> None:
    """On a practice problem, the next one (seed + 1, same profile and topic)."""
    practice = host.level.extra.get("practice")
    if practice is None:
        host.say("next is for practice problems (migratelab practice)", True)
        return
    host.post_message(PracticeNext(int(practice["seed"]) + 1, str(practice["profile"]),
                                   str(practice["topic"])))


def prefill_save(line: Input, level_id: str) -> None:
    """The command line holds a save command for the player to complete."""
    line.value = f"save {level_id}-mine.toml goal=predict title=\"My {level_id}\""
    line.cursor_position = len(line.value)
