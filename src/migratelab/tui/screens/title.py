"""The title screen."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from migratelab.tui.assets import read_asset
from migratelab.tui.option_list import PagedOptionList
from migratelab.tui.widgets.footer import KeysFooter


class TitleScreen(Screen[None]):
    """Title art and a menu."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "app.levels", "Play", id="title.play"),
        Binding("x", "app.sandbox", "Sandbox", id="title.sandbox"),
    ]

    def compose(self) -> ComposeResult:
        """Art, tagline and menu."""
        with Vertical(id="title-box"):
            yield Static(read_asset("title.txt").rstrip("\n"), id="title-art")
            yield Static("move_pages(2), one event at a time", id="tagline")
            with Center():
                yield PagedOptionList(
                    Option("Play: choose a level", id="levels"),
                    Option("Sandbox: a free machine", id="sandbox"),
                    Option("Help and glossary", id="help"),
                    Option("Quit", id="quit"), id="title-menu")
        yield KeysFooter()

    def on_mount(self) -> None:
        """Focus the menu on its first entry."""
        menu = self.query_one(OptionList)
        menu.highlighted = 0
        menu.focus()

    async def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Run the chosen entry."""
        choice = event.option.id
        if choice == "quit":
            # after the refresh: a key queued behind Enter may have pushed a screen, and
            # quitting while it mounts tears it down half-built (Textual 8.2.8's
            # Tabs._on_mount then raises ValueError: "No Tab with id ...")
            self.app.call_after_refresh(self.app.exit)
        elif choice is not None:
            await self.app.run_action(choice)
