"""The migratelab Textual app: screens, the command palette and saved progress."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.console import RenderableType
from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from migratelab.game.progress import LevelRecord, Progress, load_progress, save_progress
from migratelab.tui.assets import asset_path
from migratelab.tui.messages import LevelChosen, PracticeNext, ResultsChosen, Won
from migratelab.tui.palette import PALETTE_ID, PaletteRuns, SafePalette, palette_open
from migratelab.tui.screens.help import HelpScreen
from migratelab.tui.screens.level_select import LevelSelectScreen
from migratelab.tui.screens.play import PlayScreen
from migratelab.tui.screens.results import Results
from migratelab.tui.screens.title import TitleScreen
from migratelab.tui.world import PlayLevel, demo_level, shipped


class MigrateLabApp(App[None]):
    """Title -> level select -> play; or straight into one level."""

    TITLE = "migratelab"
    CSS_PATH = str(asset_path("app.tcss"))
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]  # noqa: RUF012
    #: Under 48 lines the call column drops the address legend and the trace gives
    #: it two rows (app.tcss), so a growing batch pane stays on screen.
    VERTICAL_BREAKPOINTS = [(0, "-short"), (48, "-tall")]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1,question_mark", "help", "Help", id="app.help"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
        Binding("ctrl+p", "command_palette", "Commands", id="app.palette", show=False),
    ]

    def __init__(self, level: PlayLevel | None = None, progress: Progress | None = None,
                 levels: list[PlayLevel] | None = None, notice: str | None = None,
                 presenter: bool = False) -> None:
        super().__init__()
        #: Play screens open in presenter mode (``--presenter``; ``P`` toggles one).
        self.presenter = presenter
        self._notice = notice  # e.g. "this level file fails check", shown at start
        self._start_level = level
        self._levels = levels
        self.progress = progress if progress is not None else load_progress()
        self._palette_runs = PaletteRuns()
        self._quitting = False  # set by exit(): later keys are dropped

    def export_screenshot(self, *, title: str | None = None, simplify: bool = False) -> str:
        """Textual's SVG screenshot, marked ``xml:space="preserve"``.

        Rich writes each styled run as its own ``<text>`` with the spaces as
        no-break spaces; renderers that apply SVG's default whitespace rule
        (rsvg-convert) drop the ones that start a run, so ``T THP`` in the
        terminal became ``TTHP`` in a PNG. Browsers showed it right either way.
        """
        svg = super().export_screenshot(title=title, simplify=simplify)
        return svg.replace("<svg ", '<svg xml:space="preserve" ', 1)

    @property
    def levels(self) -> list[PlayLevel]:
        """Shipped levels (loaded once)."""
        if self._levels is None:
            self._levels = shipped()
        return self._levels

    def on_mount(self) -> None:
        """Title screen, or the given level."""
        self.push_screen(TitleScreen())
        if self._start_level is not None:
            self.push_screen(PlayScreen(self._start_level, self._solved(self._start_level)))
        if self.progress.warning:
            self.notify(self.progress.warning, severity="warning", timeout=8, markup=False)
        if self._notice:
            self.notify(self._notice, severity="warning", timeout=10, markup=False)

    # -- navigation ----------------------------------------------------------------------
    def action_levels(self) -> None:
        """Open level select."""
        self.push_screen(LevelSelectScreen(self.levels, self.progress))

    def action_sandbox(self) -> None:
        """A free machine with no goal."""
        lv = demo_level()
        lv.goal_check = None
        lv.title = "Sandbox"
        lv.goal_text = "none: experiment freely"
        lv.par = None
        lv.hints = []
        lv.story = ("A free machine: two nodes of 64 MiB, two huge pages in each node's "
                    "pool, and region **A** (64 pages) on node 0. Change it with `mmap`, "
                    "`touch`, `fork`, `pin`, `fill`, `hold`... (F1 lists them), then call "
                    "`move_pages` and `explain` what you see.")
        self.push_screen(PlayScreen(lv))

    def action_help(self) -> None:
        """Show help."""
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def open_level(self, level: PlayLevel) -> None:
        """Play a level."""
        self.push_screen(PlayScreen(level, self._solved(level)))

    def open_next(self, after: PlayLevel) -> None:
        """Replace the play screen with the next level (or go back to level select)."""
        ids = [lv.id for lv in self.levels]
        self.pop_screen()
        if after.id in ids and ids.index(after.id) + 1 < len(ids):
            self.open_level(self.levels[ids.index(after.id) + 1])
        elif not isinstance(self.screen, LevelSelectScreen):
            self.action_levels()

    def on_practice_next(self, message: PracticeNext) -> None:
        """The next practice problem replaces the current one."""
        from migratelab.tui.world import practice_level

        try:
            level = practice_level(message.seed, message.profile, message.topic)
        except ValueError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        solved = sum(1 for key in self.progress.solved
                     if key.startswith(f"practice-{message.topic}-"))
        level.title = f"{level.title}  ({solved} {message.topic} problem(s) solved so far)"
        self.pop_screen()
        self.open_level(level)

    def on_level_chosen(self, message: LevelChosen) -> None:
        """A screen chose a level: play it."""
        self.open_level(message.level)

    def on_won(self, message: Won) -> None:
        """A level was won (its results are on the play screen): save progress."""
        if not message.result.assisted:  # a win shown by the solution is not the player's
            self.record_win(message.result)

    def on_results_chosen(self, message: ResultsChosen) -> None:
        """After a win's results: the next level (or practice problem), or the levels."""
        result = message.result
        practice = result.level.extra.get("practice")
        if message.choice == "next" and practice is not None:  # the next problem
            self.post_message(PracticeNext(int(practice["seed"]) + 1,
                                           str(practice["profile"]), str(practice["topic"])))
        elif message.choice == "next":
            self.open_next(result.level)
        elif message.choice == "levels":
            self.pop_screen()

    def _solved(self, level: PlayLevel) -> bool:
        return level.key() in self.progress.solved

    def record_win(self, results: Results) -> None:
        """Save progress atomically; a failure is a notification, not a crash."""
        self.progress.record(results.level.key(), LevelRecord(
            results.syscalls, results.stars, results.pages_moved, results.migrate_calls))
        error = save_progress(self.progress)
        if error:
            self.notify(error, severity="warning", markup=False)

    def exit(self, result: None = None, return_code: int = 0,
             message: RenderableType | None = None) -> None:
        """Quit; keys still queued behind the quit are dropped (see :meth:`on_event`)."""
        self._quitting = True
        super().exit(result, return_code, message)

    async def on_event(self, event: events.Event) -> None:
        """Drop keys that arrive while no screen is left, or once exit() has run.

        With the stack empty (the app shutting down) Textual 8.2.8's ``App.on_event``
        reads ``self.screen`` for a key, and ``App._check_bindings`` the screen's
        bindings for a key bubbling back up: both raise ScreenStackError. The guard
        after exit() is defensive: no key has been seen to arrive then. (Keys queued
        *before* the title's Quit ran: see ``TitleScreen``.)
        """
        if isinstance(event, events.Key) and (
                self._quitting or not self._screen_stacks.get(self._current_mode)):
            event.prevent_default()
            event.stop()
            return
        if isinstance(event, events.Key) and isinstance(self.screen, PlayScreen):
            self.screen.driver.hold()  # the key is answered before more events run
        await super().on_event(event)

    # -- command palette ---------------------------------------------------------------
    def action_command_palette(self) -> None:
        """Open the palette unless one is on the stack (see ``tui.palette``)."""
        if self.use_command_palette and not palette_open(self):
            self._palette_runs.open()
            self.push_screen(SafePalette(id=PALETTE_ID))

    def search_themes(self) -> None:
        """The theme picker, as a palette that closes once."""
        from textual.theme import ThemeProvider

        self.push_screen(SafePalette(providers=[ThemeProvider],
                                     placeholder="Search for themes…"))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Every command runs at most once per palette opening (a queued second Enter
        would run it again), then see :meth:`_system_commands`."""
        for command in self._system_commands(screen):
            yield SystemCommand(command.title, command.help,
                                self._palette_runs.once(command.callback),
                                command.discover)

    def _system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The app's actions, then the play screen's when it is showing."""
        yield from super().get_system_commands(screen)
        yield SystemCommand("Help", "Keys, primer and glossary", self.action_help)
        yield SystemCommand("Levels", "Choose a level", self.action_levels)
        yield SystemCommand("Sandbox", "A free machine with no goal", self.action_sandbox)
        if isinstance(screen, PlayScreen):
            for name, action, text in (
                ("Step", screen.action_step, "One trace event"),
                ("Step over", screen.action_step_over, "To the end of the batch"),
                ("Run / pause", screen.action_run, "Run at the chosen speed"),
                ("Run to end", screen.action_finish, "Finish the call at once"),
                ("Undo", screen.action_undo, "Back to before the last syscall"),
                ("Reset", screen.action_reset, "Start the level over"),
                ("Hint", screen.action_hint, "Reveal the next hint"),
                ("Toggle MPOL_MF_MOVE_ALL", screen.action_toggle_all, "Flag of the request"),
            ):
                yield SystemCommand(name, text, action)
