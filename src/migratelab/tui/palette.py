"""A command palette that survives fast key bursts (a workaround for Textual 8.2.8).

In Textual 8.2.8 (the newest release, and the version we pin) two Enter presses
that arrive before the palette has finished closing both reach it:
``CommandPalette._select_or_command`` then dismisses it twice and runs the chosen
command twice. ``Screen.dismiss`` pops whatever screen is on top, so the second
dismissal pops *our* screen (the title, the level list...), and a third raises
``ScreenStackError``; a command that pushes a screen can leave the palette
underneath it, and the next ctrl+p then pushes a second ``--command-palette``
(``DuplicateIds``). Page up/down right after the list changes raises ``KeyError``
in ``OptionList._move_page``, and the search worker raises ``NoMatches`` when the
palette closes mid-search. Reproducers: ``tests/tui/test_palette_bursts.py``.

:class:`SafePalette` dismisses itself once; :func:`once_per_palette` makes a
command run at most once per palette opening; :func:`palette_open` says whether a
palette is anywhere on the stack, not only on top.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import work
from textual.app import App
from textual.await_complete import AwaitComplete
from textual.command import CommandPalette
from textual.css.query import NoMatches

PALETTE_ID = "--command-palette"


class SafePalette(CommandPalette):
    """A CommandPalette whose second dismissal (from a queued Enter) does nothing."""

    #: (not ``_closing``: Textual's MessagePump uses that name for its own state)
    _dismissed_once = False

    def dismiss(self, result: Any = None) -> AwaitComplete:
        """Close once; a later call, or one while another screen is on top, is a no-op."""
        if self._dismissed_once or self.app.screen is not self:
            return AwaitComplete()  # nothing to wait for
        self._dismissed_once = True
        return super().dismiss(result)

    def _action_command_list(self, action: str) -> None:
        """Page up/down and friends, minus two races of fast keys.

        ``OptionList._move_page`` indexes its line map before the list has been laid
        out after new options arrived (``KeyError: 0``), and the list is gone once the
        palette is closing (``NoMatches``); either way the key has nothing to move.
        """
        try:
            super()._action_command_list(action)
        except (KeyError, NoMatches):
            return

    @work(exclusive=True, group=CommandPalette._GATHER_COMMANDS_GROUP)
    async def _gather_commands(self, search_value: str) -> None:
        """Textual's search worker; the palette closing mid-search is not an error."""
        gather = getattr(CommandPalette._gather_commands, "__wrapped__")  # noqa: B009
        try:
            await gather(self, search_value)
        except NoMatches:
            return


def palette_open(app: App[Any]) -> bool:
    """A command palette is on the screen stack (on top or, after a race, below)."""
    return any(isinstance(s, CommandPalette) for s in app.screen_stack)


class PaletteRuns:
    """Counts palette openings so that each opening runs at most one command."""

    def __init__(self) -> None:
        self.opened = 0
        self._ran = 0

    def open(self) -> None:
        """A palette is being opened."""
        self.opened += 1

    def once(self, callback: Callable[[], Any]) -> Callable[[], Any]:
        """``callback``, run only for the first selection of the current opening.

        What it returns is passed on: an async action (``App.action_quit``) returns
        a coroutine that the palette's ``call_later`` must await, or Quit does nothing.
        """
        token = self.opened

        def run() -> Any:
            if self._ran >= token:
                return None
            self._ran = token
            return callback()

        return run
