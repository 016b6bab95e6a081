"""The results panel shown when a level's goal is met."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

if TYPE_CHECKING:
    from migratelab.tui.world import PlayLevel


@dataclass(frozen=True, slots=True)
class Results:
    """Score of one win."""

    level: PlayLevel
    syscalls: int
    pages_moved: int
    migrate_calls: int
    stars: int


def stars_text(stars: int) -> str:
    """★★☆ style (glyphs, not colour)."""
    return "★" * stars + "☆" * (3 - stars)


class ResultsScreen(ModalScreen[str]):
    """Syscalls, pages moved, migrate_pages calls and par; next level or back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "choose('next')", "Next level", id="results.next"),
        Binding("l", "choose('levels')", "Level select", id="results.levels"),
        Binding("escape", "choose('stay')", "Keep playing", id="results.stay"),
    ]

    def __init__(self, results: Results) -> None:
        super().__init__()
        self.results = results

    def compose(self) -> ComposeResult:
        """The panel."""
        r = self.results
        par = r.level.par
        with Vertical(id="results"):
            yield Static(f"✔ Solved: {r.level.title}", id="results-title", markup=False)
            yield Static(
                f"{stars_text(r.stars)}\n\n"
                f"syscalls used        {r.syscalls}" + (f"   (par {par})" if par else "") + "\n"
                f"pages moved          {r.pages_moved}\n"
                f"migrate_pages calls  {r.migrate_calls}\n", id="results-body")
            with Horizontal(id="results-buttons"):
                yield Button("Next level (n)", id="next", variant="success")
                yield Button("Levels (l)", id="levels")
                yield Button("Stay (Esc)", id="stay")

    def on_mount(self) -> None:
        """Focus the next-level button."""
        self.query_one("#next", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Dismiss with the button's choice."""
        self.dismiss(event.button.id or "stay")

    def action_choose(self, choice: str) -> None:
        """Dismiss with a choice."""
        self.dismiss(choice)
