"""The play screen's command line: what each typed command does.

Parsing is the game layer's (:func:`migratelab.game.commands.parse`); here each
parsed intent goes to the session or a tool, and the screen says what happened.
Whatever happens, the focus goes back to the address space, except after a
typing error, which stays on the line to be fixed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from migratelab.game import tool_commands as T
from migratelab.game.commands import Command, CommandError, Explain, Predict, Stage, parse
from migratelab.game.session import SessionError
from migratelab.scenario import ops as O
from migratelab.tui.screens import play_tools

if TYPE_CHECKING:
    from migratelab.tui.screens.play import PlayScreen

TOOLS = T.Compare | T.ShowSolution | T.ShowGoal | T.SaveLevel | T.NextProblem


def run_command(screen: PlayScreen, text: str) -> bool:
    """Carry out one typed command; True when the line should be emptied."""
    if not text:
        screen.focus_address()
        return False
    try:
        op = parse(text, screen.session.regions())
    except CommandError as exc:
        screen.say(str(exc), error=True)
        return False
    try:
        if isinstance(op, TOOLS):
            screen.focus_address()
            play_tools.run_tool(screen, op)
            return True
        done = _session_command(screen, op, text)
    except SessionError as exc:
        screen.refused(str(exc))
        return False
    if done:
        screen.focus_address()
    return done


def _session_command(screen: PlayScreen, op: Command, text: str) -> bool:
    session = screen.session
    if isinstance(op, Predict):
        session.predict(op, text)
        screen.say(f"{text}: recorded; the level's request is running (s step, e to end)")
        screen.show_call()
        screen.sync()
        return True
    if isinstance(op, Stage):
        session.stage(op.ops, text)
        screen.say(f"{text}: done")
        screen.sync()
        return True
    if isinstance(op, Explain):
        answer = session.explain(op.index)
        screen.say(answer.title)
        screen.show_answer(answer.text())
        return True
    assert isinstance(op, O.MovePages | O.Query | O.LruAddDrainAll)
    return submit(screen, op, text)


def submit(screen: PlayScreen, op: O.MovePages | O.Query | O.LruAddDrainAll,
           text: str) -> bool:
    """Start a syscall (or a drain); False (and said why) when the session refuses."""
    session = screen.session
    try:
        session.submit(op, text)
    except SessionError as exc:
        screen.refused(str(exc))
        return False
    screen.say(f"{text}: started; s step, n step over, r run, e run to end"
               if session.busy else f"{text}: done")
    if session.busy:
        screen.show_call()
    screen.after_step()
    return True
