"""The command line: an Input with whole-line completion from the session's regions."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.suggester import Suggester
from textual.widgets import Input

from migratelab.game.commands import complete

#: Fits an 80-column line; F1 lists every command.
PLACEHOLDER = ": move A[0:8] -> 1 | move A[3] -> 0 | query A[0:4] | drain | explain 3 | F1"


class CommandSuggester(Suggester):
    """Suggests the first completion of :func:`migratelab.game.commands.complete`."""

    def __init__(self, regions: Callable[[], Mapping[str, int]]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self._regions = regions

    async def get_suggestion(self, value: str) -> str | None:
        """The completed line, or None."""
        options = complete(value, self._regions())
        return options[0] if options else None


class CommandLine(Input):
    """Type a command and press Enter; → accepts the grey completion; Esc leaves."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Leave the command line", id="cmd.leave", show=False),
    ]

    class Leave(Message):
        """Esc: the player is done with the command line (the screen moves focus)."""

    def action_leave(self) -> None:
        """Ask the screen to give the focus back to the address space."""
        self.post_message(self.Leave())

    def __init__(self, regions: Callable[[], Mapping[str, int]], *,
                 id: str | None = None) -> None:
        super().__init__(placeholder=PLACEHOLDER, suggester=CommandSuggester(regions), id=id)
