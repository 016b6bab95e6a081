"""The play screen: panes over the engine, composing, stepping, undo, winning.

The layout depends on the terminal's width (see :mod:`.play_layout`); the
screen recomposes when a resize crosses a breakpoint. State the panes share
lives here, once, as reactives bound down to them. The parts live beside it:
stepping in :mod:`.play_engine`, the command line in :mod:`.play_commands`,
changed-pane marks in :mod:`.play_marks`, replays in :mod:`.play_replay`, the
end of a call in :mod:`.play_outcome` and the tools in :mod:`.play_tools`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.reactive import Reactive, reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, Static, TabbedContent

from migratelab.game.solution import SolutionReplay
from migratelab.scenario import ops as O
from migratelab.tui import heap
from migratelab.tui.compositor import DirtyRowsCompositor
from migratelab.tui.presenter import Presenter, toggle_presenter
from migratelab.tui.screens import play_marks, play_tools
from migratelab.tui.screens.play_commands import run_command, submit
from migratelab.tui.screens.play_engine import SPEEDS, Driver
from migratelab.tui.screens.play_keys import PLAY_KEYS
from migratelab.tui.screens.play_layout import TITLES, compose_panes, mode_for, title_bar
from migratelab.tui.screens.play_outcome import Outcome
from migratelab.tui.screens.play_replay import ReplayDriver
from migratelab.tui.screens.results import ResultsHost
from migratelab.tui.widgets.address_space import AddressSpace
from migratelab.tui.widgets.command_line import CommandLine
from migratelab.tui.widgets.footer import KeysFooter
from migratelab.tui.widgets.notes import Narration
from migratelab.tui.widgets.request_pane import Draft, assigned, draft_command, draft_request

if TYPE_CHECKING:
    from migratelab.tui.world import PlayLevel


class PlayScreen(Screen[None]):
    """One level (or the sandbox) being played."""

    BINDINGS: ClassVar[list[BindingType]] = PLAY_KEYS

    #: Bumped after every change of the session; every pane is bound to it.
    version: reactive[int] = reactive(0, init=False, repaint=False)
    #: The request being composed: (region, page) -> node.
    draft: reactive[Draft] = reactive(dict, init=False, repaint=False)
    move_all: reactive[bool] = reactive(False, init=False, repaint=False)
    #: Per-page trace events shown one by one (True) or folded under their batch.
    unfolded: reactive[bool] = reactive(False, init=False, repaint=False)
    #: The last ``explain`` answer (shown in its pane, not a notification).
    answer: reactive[str] = reactive("", init=False, repaint=False)
    hints_shown: reactive[int] = reactive(0, init=False, repaint=False)
    #: Textual repaints the whole screen when the focus moves (about 10 ms at 200x50
    #: with a big process): the widgets that gain and lose it repaint themselves.
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)

    def __init__(self, level: PlayLevel, solved_before: bool = False) -> None:
        super().__init__()
        self._compositor = DirtyRowsCompositor()  # a frame asks only the rows it writes
        #: Progress already holds a real win of this level (show solution asks no question).
        self.solved_before = solved_before
        self.level = level
        self.session = level.session()
        self.driver = Driver(self)
        self.replay = ReplayDriver(self)
        self.outcome = Outcome(self)
        self.won = False
        self.cursor = 0
        self.presenter: Presenter | None = None
        self._mode = ""
        self._shown_title = ""
        self._pinned_tab = False
        self._panes: dict[str, list[Widget]] = {}
        self._tab_widget: TabbedContent | None = None

    # -- layout ---------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        """Title bar, narration, the panes for this width, command line."""
        self._mode = mode_for(self.app.size.width)
        yield Static(self._title(), id="titlebar", markup=False)  # a level title is text
        yield Narration(self.session, id="narration").data_bind(PlayScreen.version)
        yield from compose_panes(self, self._mode)
        yield CommandLine(self.session.regions, id="cmd")
        yield Static("", id="msg", markup=False)  # echoes what the user typed
        yield KeysFooter(compact=self._mode == "narrow",
                     show_command_palette=self._mode != "narrow")
        yield ResultsHost()

    def on_mount(self) -> None:
        """Focus the address space and draw everything."""
        if not self.children:  # popped before it mounted (a key burst)
            return
        self._after_compose()

    def on_unmount(self) -> None:
        """The level is left: its world may be reclaimed."""
        heap.release()

    def _after_compose(self) -> None:
        self.set_class(True, f"-{self._mode}")
        # found once per layout: a query per pane per step costs more than drawing them
        self._panes = {wid: list(self.query(f"#{wid}")) for wid in play_marks.PANE_OF.values()}
        found = self.query(TabbedContent)
        self._tab_widget = found.first() if found else None
        for wid, title in TITLES.items():
            for w in self.query(f"#{wid}"):
                w.border_title = title
        self.query_one(AddressSpace).focus()
        if getattr(self.app, "presenter", False) and self.presenter is None:
            self.action_toggle_presenter()
        if self.level.goal_check is not None and self.session.live is None:
            self._front("tab-goal")  # no side column: the story and goal come first
        self.sync()
        self.outcome.remount()

    def on_resize(self, event: events.Resize) -> None:
        """Recompose when the width crosses a layout breakpoint."""
        mode = mode_for(event.size.width)
        if self._mode and mode != self._mode:
            for old in ("-wide", "-medium", "-narrow"):
                self.remove_class(old)
            self.cursor = self.query_one(AddressSpace).cursor
            self.call_after_refresh(self._recompose)

    async def _recompose(self) -> None:
        await self.recompose()
        self._after_compose()

    def _front(self, tab: str) -> None:
        """Narrow layout: bring ``tab`` to the front (wider layouts show every pane)."""
        tabs = self._tab_widget
        if tabs is not None and self._mode == "narrow":
            tabs.active = tab

    def show_call(self) -> None:
        """A call started: its request, batch and status[] are what matter now."""
        self._pinned_tab = False
        self._front("tab-call")

    def _title(self) -> str:
        running = self.driver.running or self.replay.running
        return title_bar(self.level, self.session, running, SPEEDS[self.driver.speed])

    # -- attributes down --------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """No key action on a closing screen (a key queued behind ``q`` would query
        panes already gone) or under the results panel (it is modal); "next" only in
        presenter mode. While the command line has the focus the screen's keys are
        characters typed into it: they are priority bindings (``play_keys``), and
        Textual's filter of an ``Input``'s keys misses ``-`` and ``+`` (8.2.8)."""
        if self._closing or self._closed or not self.children or self.outcome.is_open:
            return False
        if isinstance(self.focused, Input):
            return None
        return self.presenter is not None if action == "present_next" else True

    def sync(self) -> None:
        """Push the session's state down to the panes (they redraw what changed)."""
        if not self.children:  # a late timer or message while the screen is torn down
            return
        if self.driver.threaded:
            return  # the engine thread is changing the machine: keep the last picture
        heap.settle()  # what the session holds now is long-lived: see tui.heap
        s = self.session
        self.version = s.version
        play_marks.mark_panes(self._panes, self._tab_widget, s.changed, s.busy)
        title_text = self._title()
        if title_text != self._shown_title:
            self._shown_title = title_text
            self.query_one("#titlebar", Static).update(title_text)

    def say(self, text: str, error: bool = False) -> None:
        """One line on the message bar (plain text: never markup)."""
        found = self.query("#msg")
        if not found:
            return  # between two layouts (a resize recomposing) or leaving the screen
        msg = found.first(Static)
        msg.update(("✘ " + text) if error else text)
        msg.set_class(error, "-error")

    def refused(self, text: str) -> None:
        """The command was understood but cannot run now: the fix is on the play
        screen (step the call, ...), so the focus goes back there; the text stays."""
        self.say(text, error=True)
        self.focus_address()

    def focus_address(self) -> None:
        """The address space takes the keys again."""
        self.query_one(AddressSpace).focus()

    def show_answer(self, text: str) -> None:
        """An ``explain`` answer stays on screen, in its pane (not a notification)."""
        self.answer = text
        if text:
            self._front("tab-call")

    # -- messages up -------------------------------------------------------------------
    @on(AddressSpace.Call)
    def _call(self, message: AddressSpace.Call) -> None:
        self.action_call()

    @on(AddressSpace.Assign)
    def _assign(self, message: AddressSpace.Assign) -> None:
        if not 0 <= message.node < self.session.view().node_count:
            self.say(f"node {message.node} does not exist (the call would fail: ENODEV)")
        self.draft = assigned(self.draft, message.picks, message.node)
        self.say(f"request: {draft_command(self.draft, self.move_all)}  (Enter to call)")

    @on(CommandLine.Leave)
    def _leave_command_line(self) -> None:
        self.focus_address()

    @on(AddressSpace.CursorMoved)
    def _cursor(self, message: AddressSpace.CursorMoved) -> None:
        self.query_one(AddressSpace).border_subtitle = message.text

    @on(Input.Submitted, "#cmd")
    def _command(self, event: Input.Submitted) -> None:
        self.show_answer("")
        if run_command(self, event.value.strip()):
            event.input.value = ""

    # -- actions -------------------------------------------------------------------------
    def action_call(self) -> None:
        """Call move_pages with the composed request."""
        request = self.draft_request()
        if request is None:
            self.say("the request is empty: select pages and press a node number", True)
            return
        if submit(self, request, draft_command(self.draft, self.move_all)):
            self.draft = {}

    def action_step(self) -> None:
        """One event (during a solution replay: go on after a mark)."""
        if not self.replay.go_on():
            self.driver.advance("step")

    def action_step_over(self) -> None:
        """To the end of the current batch."""
        self.driver.advance("over")

    def action_finish(self) -> None:
        """Run the call to its end without freezing the screen."""
        self.driver.advance("finish")

    def action_run(self) -> None:
        """Run at the current speed, or pause."""
        self.driver.toggle_run()
        self.sync()

    def stop(self) -> None:
        """Stop running the call, and any replay."""
        self.driver.stop()
        self.replay.stop()

    def finished(self) -> None:
        """The call ended (the driver says so): show its result."""
        self.show_call()
        self.after_step()

    def after_step(self, follow: bool = False, call_shown: bool = False) -> None:
        """The call advanced: redraw (with the call's tab in front if ``call_shown``
        and a call runs), and see whether the level is won."""
        if call_shown and self.session.busy:
            self.show_call()
        tabs = self._tab_widget
        if follow and tabs is not None and self._mode == "narrow" and not self._pinned_tab:
            play_marks.follow(tabs, self.session.changed)
        self.sync()
        self.outcome.check()

    def action_speed(self, delta: int) -> None:
        """Change the run speed."""
        self.driver.faster(delta)
        self.sync()

    def action_undo(self) -> None:
        """Back to before the last syscall (does not count against par)."""
        self._rewind("undo", lambda: "undone" if self.session.undo() else "nothing to undo")

    def action_reset(self) -> None:
        """Start the level over."""
        def reset() -> str:
            self.session.reset()
            return "reset to the level's start"

        self._rewind("reset", reset)

    def _rewind(self, what: str, do: Callable[[], str]) -> None:
        if self.driver.working:
            self.say(f"the engine is working: {what} when it is done")
            return
        self.stop()
        said = do()
        self.won = False
        self.say(said)
        self.sync()  # the panes let go of the dropped world's view ...
        heap.reclaim()  # ... so it can be collected

    def action_toggle_all(self) -> None:
        """Toggle MPOL_MF_MOVE_ALL in the request."""
        self.move_all = not self.move_all
        self.say(f"flags: MPOL_MF_MOVE{'_ALL' if self.move_all else ''}")

    def action_clear(self) -> None:
        """Empty the request."""
        self.draft = {}

    def action_fold(self) -> None:
        """Show per-page trace events one by one, or folded under their batch."""
        self.unfolded = not self.unfolded
        self.say("trace: per-page events " + ("shown" if self.unfolded else "folded"))

    def action_command(self) -> None:
        """Focus the command line."""
        self.query_one("#cmd", Input).focus()

    def action_next_tab(self) -> None:
        """Show the next tab (it stays until the next call starts)."""
        tabs = self._tab_widget
        if tabs is None:
            self.say("every pane is on screen at this width")
            return
        play_marks.next_tab(tabs)
        self._pinned_tab = True

    def action_hint(self) -> None:
        """Reveal the next hint."""
        if not self.level.hints:
            self.say("this level has no hints")
            return
        self.hints_shown = min(len(self.level.hints), self.hints_shown + 1)
        self.say(f"hint {self.hints_shown}: {self.level.hints[self.hints_shown - 1]}")
        self._front("tab-goal")

    def action_leave(self) -> None:
        """Back to level select."""
        self.stop()
        self.app.pop_screen()

    def action_toggle_presenter(self) -> None:
        """Presenter mode on or off: pacing, heavy highlights, space walks the solution."""
        toggle_presenter(self)

    def action_export(self) -> None:
        """Keep the run: trace, screen and summary in a folder (a zip in a browser)."""
        from migratelab.tui.export_run import export_run

        self.say(export_run(self))

    def action_present_next(self) -> None:
        """Presenter mode's one key: next step, next batch, past a mark."""
        if self.presenter is not None:
            self.say(self.presenter.next(self))
            self.after_step(call_shown=True)

    # -- tools (play_tools.ToolHost) ---------------------------------------------------
    def draft_request(self) -> O.MovePages | None:
        """The composed request, not made yet (None when empty)."""
        return draft_request(self.draft, self.move_all)

    def solved(self) -> bool:
        """Solved for real before (progress), or in this session."""
        return self.solved_before or (self.won and not self.session.assisted)

    def start_replay(self, replay: SolutionReplay) -> None:
        """Drive the solution at the current speed; s goes on after a mark."""
        self.stop()
        self.won = False
        self.replay.start(replay)
        self.sync()

    def action_compare(self) -> None:
        """The composed request (or the last call) on two kernels side by side."""
        play_tools.compare(self)

    def action_solution(self) -> None:
        """Replay the reference solution (asks first while the level is unsolved)."""
        play_tools.show_solution(self)

    def action_goal(self) -> None:
        """Picture what the goal asks for."""
        play_tools.show_goal(self)

    def action_save(self) -> None:
        """Open the command line with a save command to complete."""
        self.action_command()
        play_tools.prefill_save(self.query_one(CommandLine), self.level.id)
