"""The results panel shown when a level's goal is met."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.markdown import Markdown as RichMarkdown
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from migratelab.game.commands import Predict
from migratelab.tui.widgets.prediction_table import PredictionCell, PredictionTable, compare

if TYPE_CHECKING:
    from migratelab.game.session import Session
    from migratelab.tui.world import PlayLevel


@dataclass(frozen=True, slots=True)
class Results:
    """Score of one win."""

    level: PlayLevel
    syscalls: int
    pages_moved: int
    migrate_calls: int
    stars: int
    #: A predict level: the player's answer beside the kernel's, cell by cell.
    prediction: tuple[PredictionCell, ...] = ()
    #: False: a wrong prediction (the panel offers another try, not the next level).
    solved: bool = True
    #: Reached by "show solution": shown, never recorded as the player's.
    assisted: bool = False


def results_of(level: PlayLevel, session: Session, solved: bool = True) -> Results:
    """The score of the session so far; on a predict level, the prediction table."""
    cells: tuple[PredictionCell, ...] = ()
    if isinstance(session.prediction, Predict) and session.last_record is not None \
            and level.predict_check:
        cells = compare(session.prediction, session.last_record, level.predict_check)
    return Results(level=level, syscalls=session.syscalls, pages_moved=session.pages_moved,
                   migrate_calls=session.migrate_calls,
                   stars=session.stars() if solved else 0, prediction=cells, solved=solved,
                   assisted=session.assisted)


def stars_text(stars: int) -> str:
    """★★☆ style (glyphs, not colour)."""
    return "★" * stars + "☆" * (3 - stars)


class ResultsScreen(ModalScreen[str]):
    """A panel over the play screen (its final status[], ret and frame map stay in
    view): par and score, the prediction table on a predict level, and the level's
    explanation of what happened in the kernel. A wrong prediction opens the same
    panel with the table and a way to try again."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "choose('next')", "Next level", id="results.next"),
        Binding("l", "choose('levels')", "Level select", id="results.levels"),
        Binding("u", "choose('retry')", "Undo and try again", id="results.retry"),
        Binding("escape", "choose('stay')", "Keep looking", id="results.stay"),
    ]

    def __init__(self, results: Results) -> None:
        super().__init__()
        self.results = results

    def compose(self) -> ComposeResult:
        """The panel."""
        r = self.results
        with Vertical(id="results", classes="-solved" if r.solved else "-wrong"):
            with VerticalScroll(id="results-scroll"):
                if r.solved and r.assisted:
                    yield Static(f"▶ Shown by the solution: {r.level.title}", id="results-title",
                                 markup=False)
                    yield Static("This win was the reference solution's, so it is not recorded: "
                                 "no stars, no ✔. The level stays open for you to solve.",
                                 id="results-body", markup=False)
                elif r.solved:
                    yield Static(f"✔ Solved: {r.level.title}", id="results-title", markup=False)
                    yield Static(self._score(), id="results-body")
                else:
                    yield Static(f"✘ Not this time: {r.level.title}", id="results-title",
                                 markup=False)
                    yield Static("Your prediction beside what the kernel did. u undoes the "
                                 "call (free) to predict again; Esc keeps this state on screen.",
                                 id="results-body")
                if r.prediction:
                    yield PredictionTable(r.prediction, id="results-prediction")
                if r.solved and r.level.explanation.strip():
                    yield Static("What happened in the kernel", id="results-explain-head")
                    yield Static(RichMarkdown(r.level.explanation),
                                 id="results-explanation")
            with Horizontal(id="results-buttons"):
                if r.solved:
                    yield Button("Next (n)", id="next", variant="success", compact=True)
                    yield Button("Levels (l)", id="levels", compact=True)
                else:
                    yield Button("Try again (u)", id="retry", variant="warning", compact=True)
                yield Button("Stay (Esc)", id="stay", compact=True)

    def _score(self) -> str:
        r = self.results
        par = r.level.par
        against = ""
        if par:
            against = ("at par" if r.syscalls == par else "under par" if r.syscalls < par
                       else f"{r.syscalls - par} over par")
            against = f"  (par {par}, {against})"
        return (f"{stars_text(r.stars)}\n"
                f"syscalls used        {r.syscalls}{against}"
                f"\npages moved          {r.pages_moved}"
                f"\nmigrate_pages calls  {r.migrate_calls}")

    def on_mount(self) -> None:
        """Focus the main button."""
        self.query_one("#next" if self.results.solved else "#retry", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Dismiss with the button's choice."""
        self.dismiss(event.button.id or "stay")

    def action_choose(self, choice: str) -> None:
        """Dismiss with a choice (one that this panel offers)."""
        offered = {"next", "levels", "stay"} if self.results.solved else {"retry", "stay"}
        if choice in offered:
            self.dismiss(choice)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The footer shows only the choices this panel offers."""
        if action == "choose" and parameters:
            offered = {"next", "levels", "stay"} if self.results.solved else {"retry", "stay"}
            return parameters[0] in offered
        return True
