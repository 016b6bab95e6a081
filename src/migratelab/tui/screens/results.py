"""The results panel shown when a level's goal is met."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.markdown import Markdown as RichMarkdown
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
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


class ResultsPanel(Vertical):
    """A panel over the play screen (its final status[], ret and frame map stay in
    view): par and score, the prediction table on a predict level, and the level's
    explanation of what happened in the kernel. A wrong prediction opens the same
    panel with the table and a way to try again.

    It is a layer of the play screen, not a screen of its own: a translucent modal
    screen makes Textual draw the whole play screen again under it, twice, which
    froze the frame for over 100 ms when a big call ended. It is also built with
    the screen and only filled in when a call ends (:meth:`open`): mounting it then
    (its widgets, their styles, and the first Button's CSS parsed into the app's
    stylesheet) held the screen still for about 45 ms after the call's last frame.
    While it is open it keeps the focus (a click on a pane behind it gives the
    focus back) and the play screen refuses its own keys (see
    :meth:`Outcome.is_open`); its keys are the host's (:class:`ResultsHost`).
    """

    def __init__(self) -> None:
        super().__init__(id="results")
        #: The results on show; None while the panel is closed.
        self.results: Results | None = None
        self._on_choice: Callable[[str], None] | None = None

    def compose(self) -> ComposeResult:
        """The panel's parts, all of them; :meth:`open` picks the ones shown."""
        with VerticalScroll(id="results-scroll"):
            yield Static(id="results-title", markup=False)  # a level title is text
            yield Static(id="results-body", markup=False)
            yield PredictionTable((), id="results-prediction")
            yield Static("What happened in the kernel", id="results-explain-head")
            yield Static(id="results-explanation")
        with Horizontal(id="results-buttons"):
            yield Button("Next (n)", id="next", variant="success", compact=True)
            yield Button("Levels (l)", id="levels", compact=True)
            yield Button("Try again (u)", id="retry", variant="warning", compact=True)
            yield Button("Stay (Esc)", id="stay", compact=True)

    def open(self, results: Results, on_choice: Callable[[str], None]) -> None:
        """Show ``results``; ``on_choice`` gets the player's choice once, after the
        panel has closed."""
        self.results = results
        self._on_choice = on_choice
        r = results
        self.set_class(r.solved, "-solved")
        self.set_class(not r.solved, "-wrong")
        if r.solved and r.assisted:
            title = f"▶ Shown by the solution: {r.level.title}"
            body = ("This win was the reference solution's, so it is not recorded: "
                    "no stars, no ✔. The level stays open for you to solve.")
        elif r.solved:
            title, body = f"✔ Solved: {r.level.title}", self._score(r)
        else:
            title = f"✘ Not this time: {r.level.title}"
            body = ("Your prediction beside what the kernel did. u undoes the "
                    "call (free) to predict again; Esc keeps this state on screen.")
        self.query_one("#results-title", Static).update(title)
        self.query_one("#results-body", Static).update(body)
        table = self.query_one(PredictionTable)
        table.show(r.prediction)
        table.display = bool(r.prediction)
        explained = r.solved and bool(r.level.explanation.strip())
        self.query_one("#results-explain-head").display = explained
        explanation = self.query_one("#results-explanation", Static)
        explanation.update(RichMarkdown(r.level.explanation) if explained else "")
        explanation.display = explained
        offered = self.offered()
        for button in self.query(Button):
            button.display = button.id in offered
        self.query_one(VerticalScroll).scroll_home(animate=False)

    @staticmethod
    def _score(r: Results) -> str:
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
        """Keep the focus while open."""
        self.watch(self.screen, "focused", self._keep_focus, init=False)

    def _main_button(self) -> Button | None:
        if self.results is None:
            return None
        return self.query_one("#next" if self.results.solved else "#retry", Button)

    def _keep_focus(self, focused: Widget | None) -> None:
        if self.results is not None and (focused is None
                                         or self not in focused.ancestors_with_self):
            self.call_later(self.take_focus)

    def take_focus(self) -> None:
        """The main button takes the focus (the panel keeps it while open)."""
        button = self._main_button()
        if button is not None and self.is_attached:
            button.focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Close with the button's choice."""
        event.stop()
        self._close(event.button.id or "stay")

    def choose(self, choice: str) -> None:
        """Close with a choice (one that this panel offers)."""
        if choice in self.offered():
            self._close(choice)

    def offered(self) -> set[str]:
        """The choices this panel offers (none while it is closed)."""
        if self.results is None:
            return set()
        return {"next", "levels", "stay"} if self.results.solved else {"retry", "stay"}

    def _close(self, choice: str) -> None:
        on_choice = self._on_choice
        if self.results is None or on_choice is None:  # a second key in the same burst
            return
        self.results = None
        self._on_choice = None
        if isinstance(self.parent, ResultsHost):
            self.parent.visible = False
        on_choice(choice)


class ResultsHost(Vertical, can_focus=True):
    """Where the results panel is mounted: always on the play screen, hidden
    until a call ends. Mounting the panel straight onto the screen would renumber
    the painting order of every pane, and Textual would then repaint them all.

    The panel's keys are bound here, on its parent, so they work wherever in
    the panel the focus is. It sits a fixed two rows down, under the title and
    the narration: centring it would cost one more layout of the whole screen
    once its height is known.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "choose('next')", "Next level", id="results.next"),
        Binding("l", "choose('levels')", "Level select", id="results.levels"),
        Binding("u", "choose('retry')", "Undo and try again", id="results.retry"),
        Binding("escape", "choose('stay')", "Keep looking", id="results.stay"),
        Binding("tab,right", "cycle(1)", "Next button", show=False),
        Binding("shift+tab,left", "cycle(-1)", "Previous button", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(id="results-host")
        #: A panel is on its way up (see :meth:`show`).
        self.pending = False

    def compose(self) -> ComposeResult:
        """The panel, closed."""
        yield ResultsPanel()

    def show(self, results: Results, on_choice: Callable[[str], None]) -> None:
        """Open the panel on ``results`` and take the keys, once the frame being
        made is out.

        The call's last frame goes first: filling the panel and laying it out in
        the same frame held the screen still for over 100 ms at the end of a big
        call. The play screen refuses its keys from now on
        (:meth:`Outcome.is_open`).
        """
        self.pending = True
        self.call_after_refresh(self._put_up, results, on_choice)

    def _put_up(self, results: Results, on_choice: Callable[[str], None]) -> None:
        if not self.is_attached:  # the screen was composed again meanwhile
            self.pending = False
            return
        # filled while hidden: that frame lays the panel out; the next one draws it
        self.query_one(ResultsPanel).open(results, on_choice)
        self.call_after_refresh(self._reveal)

    def _reveal(self) -> None:
        self.pending = False
        if self.is_attached:
            self.visible = True
            self.query_one(ResultsPanel).take_focus()

    def action_choose(self, choice: str) -> None:
        """The choice, if the panel offers it."""
        panel = shown_results(self)
        if panel is not None:
            panel.choose(choice)

    def action_cycle(self, step: int) -> None:
        """Move between the panel's buttons (the panes behind it take no focus)."""
        buttons = [b for b in self.query(Button) if b.display]
        if not buttons:
            return
        focused = self.screen.focused
        at = buttons.index(focused) if isinstance(focused, Button) and focused in buttons else 0
        buttons[(at + step) % len(buttons)].focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The footer shows only the choices the panel offers."""
        panel = shown_results(self)
        if action == "choose" and parameters:
            return panel is not None and parameters[0] in panel.offered()
        return panel is not None


def shown_results(within: Widget) -> ResultsPanel | None:
    """The results panel open in ``within`` (a play screen, or the host), if one is."""
    for panel in within.query(ResultsPanel):
        if panel.results is not None:
            return panel
    return None
