"""The play screen: panes over the engine, composing, stepping, undo, winning.

The layout depends on the terminal's width (see :mod:`.play_layout`); the
screen recomposes when a resize crosses a breakpoint. State the panes share
lives here, once, as reactives bound down to them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Footer, Input, Static, TabbedContent

from migratelab.game import tool_commands as T
from migratelab.game.commands import (
    EXAMPLE_PREDICTION,
    CommandError,
    Explain,
    Predict,
    Stage,
    parse,
)
from migratelab.game.records import Change
from migratelab.game.session import SessionError
from migratelab.game.solution import SolutionReplay
from migratelab.scenario import ops as O
from migratelab.tui import heap
from migratelab.tui.messages import Won
from migratelab.tui.presenter import PRESENTER_SPEED, Presenter
from migratelab.tui.screens import play_tools
from migratelab.tui.screens.play_engine import SPEEDS, TICK, Driver
from migratelab.tui.screens.play_layout import TABS, TITLES, compose_panes, mode_for
from migratelab.tui.widgets.address_space import AddressSpace
from migratelab.tui.widgets.command_line import CommandLine
from migratelab.tui.widgets.notes import Narration
from migratelab.tui.widgets.prediction_table import verdict
from migratelab.tui.widgets.request_pane import Draft, draft_command

if TYPE_CHECKING:
    from migratelab.tui.world import PlayLevel

#: The pane that shows each kind of change, most telling first (narrow tabs follow it).
FOLLOW = ((Change.NODES, "tab-nodes"), (Change.LRU, "tab-lru"),
          (Change.STATUS | Change.BATCH | Change.REQUEST, "tab-call"),
          (Change.PAGEVECS, "tab-lru"), (Change.VMSTAT, "tab-vmstat"))
#: Change flag -> pane id (a pane whose part changed gets a marked border).
PANE_OF = {Change.REQUEST: "pane-request", Change.BATCH: "pane-batch",
           Change.STATUS: "pane-status", Change.NODES: "pane-nodes", Change.LRU: "pane-lru",
           Change.PAGEVECS: "pane-pagevecs", Change.VMSTAT: "pane-vmstat",
           Change.ADDRESS: "pane-address"}


class PlayScreen(Screen[None]):
    """One level (or the sandbox) being played."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "call", "Call move_pages", id="play.call", priority=False),
        Binding("s", "step", "Step", id="play.step"),
        Binding("n", "step_over", "Batch", id="play.over", tooltip="Step over the batch"),
        Binding("r", "run", "Run", id="play.run", tooltip="Run/pause"),
        Binding("e", "finish", "Run to end", id="play.finish", show=False),
        Binding("plus,equals_sign", "speed(1)", "Faster", id="play.faster", show=False),
        Binding("minus", "speed(-1)", "Slower", id="play.slower", show=False),
        Binding("u", "undo", "Undo", id="play.undo"),
        Binding("R", "reset", "Reset", id="play.reset", show=False),
        Binding("a", "toggle_all", "Toggle MPOL_MF_MOVE_ALL", id="play.moveall", show=False),
        Binding("c", "clear", "Clear request", id="play.clear", show=False),
        Binding("f", "fold", "Fold/unfold per-page trace", id="play.fold", show=False),
        Binding("colon,slash", "command", "Type", id="play.command", tooltip="Command line"),
        Binding("t", "next_tab", "Next tab", id="play.tab", show=False),
        Binding("h", "hint", "Hint", id="play.hint"),
        Binding("C", "compare", "Compare two kernels", id="play.compare", show=False),
        Binding("S", "solution", "Show solution", id="play.solution", show=False),
        Binding("G", "goal", "Show goal", id="play.goal", show=False),
        Binding("W", "save", "Save as level", id="play.save", show=False),
        Binding("q", "leave", "Levels", id="play.leave", show=False),
        Binding("space", "present_next", "Next", id="play.next",
                tooltip="Presenter mode: the next step of the level's solution, batch by batch"),
        Binding("P", "toggle_presenter", "Presenter mode", id="play.presenter", show=False),
        Binding("x", "export", "Export run", id="play.export", show=False,
                tooltip="Export run: trace (JSON lines), this screen (SVG), a Markdown summary"),
    ]

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

    def __init__(self, level: PlayLevel, solved_before: bool = False) -> None:
        super().__init__()
        #: Progress already holds a real win of this level (show solution asks no question).
        self.solved_before = solved_before
        self.level = level
        self.session = level.session()
        self.driver = Driver(self)
        self.won = False
        self.cursor = 0
        self._mode = ""
        self._replay_timer: Timer | None = None
        self._replay: SolutionReplay | None = None
        self._judged: object | None = None
        self._budget = 0.0
        self._shown_title = ""
        self._pinned_tab = False
        self.presenter: Presenter | None = None
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
        yield Footer(compact=self._mode == "narrow",
                     show_command_palette=self._mode != "narrow")

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
        self._panes = {wid: list(self.query(f"#{wid}")) for wid in PANE_OF.values()}
        self._tab_widget = self._tabs()
        for wid, title in TITLES.items():
            for w in self.query(f"#{wid}"):
                w.border_title = title
        self.query_one(AddressSpace).focus()
        if getattr(self.app, "presenter", False) and self.presenter is None:
            self.action_toggle_presenter()
        if self._mode == "narrow" and self.level.goal_check is not None \
                and self.session.live is None:
            # no side column: show the story and the goal before anything else
            self.query_one(TabbedContent).active = "tab-goal"
        self._sync()

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

    def _tabs(self) -> TabbedContent | None:
        found = self.query(TabbedContent)
        return found.first() if found else None

    def _show_call(self) -> None:
        """A call started: its request, batch and status[] are what matter now."""
        self._pinned_tab = False
        tabs = self._tabs()
        if tabs is not None and self._mode == "narrow":
            tabs.active = "tab-call"

    def _follow(self, changed: Change) -> None:
        """Narrow layout: show the tab of what the last step changed most tellingly."""
        tabs = self._tabs()
        if tabs is None or self._mode != "narrow" or self._pinned_tab:
            return
        for flag, tab in FOLLOW:
            if changed & flag:
                if tabs.active != tab:
                    tabs.active = tab
                return

    def _title(self) -> str:
        speed = SPEEDS[self.driver.speed]
        state = "running" if self._is_running() else ("in call" if self.session.busy else "idle")
        return (f" migratelab ─ {self.level.title}   [{state}, {speed} ev/s]"
                f"   syscalls {self.session.syscalls}"
                + (f"/par {self.level.par}" if self.level.par else ""))

    def _is_running(self) -> bool:
        return self.driver.running or self._replay_timer is not None

    # -- attributes down --------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """No key action on a screen that is closing: a key queued behind ``q`` in a
        burst would otherwise query panes that are already gone (NoMatches). The
        "next" key exists only in presenter mode (it would show the solution)."""
        if self._closing or self._closed or not self.children:
            return False
        return self.presenter is not None if action == "present_next" else True

    def _sync(self) -> None:
        if not self.children:  # a late timer or message while the screen is torn down
            return
        if self.driver.threaded:
            return  # the engine thread is changing the machine: keep the last picture
        heap.settle()  # what the session holds now is long-lived: see tui.heap
        s = self.session
        self.version = s.version
        changed = s.changed
        for flag, wid in PANE_OF.items():
            for w in self._panes.get(wid, ()):
                # a glyph in the title, not a class: a class change restyles and
                # lays out the whole screen, a title change repaints one border
                title = ("◆ " if changed & flag and s.busy else "") + TITLES[wid]
                if w.border_title != title:
                    w.border_title = title
        tabs = self._tab_widget
        if tabs is not None:
            marked = {tab for tab, (_, panes) in TABS.items()
                      if any(changed & flag and PANE_OF[flag].removeprefix("pane-") in panes
                             for flag in PANE_OF)} if s.busy else set()
            present = {pane.id for pane in tabs.query("TabPane")}
            for tab_id, (title, _) in TABS.items():
                if tab_id not in present:
                    continue
                tab = tabs.get_tab(tab_id)
                label = ("◆" + title) if tab_id in marked else title
                if str(tab.label) != label:  # a new label reflows the tab strip
                    tab.label = label
        title_text = self._title()
        if title_text != self._shown_title:
            self._shown_title = title_text
            self.query_one("#titlebar", Static).update(title_text)

    def _say(self, text: str, error: bool = False) -> None:
        found = self.query("#msg")
        if not found:
            return  # between two layouts (a resize recomposing) or leaving the screen
        msg = found.first(Static)
        msg.update(("✘ " + text) if error else text)
        msg.set_class(error, "-error")

    def _refused(self, text: str) -> None:
        """The command was understood but cannot run now: the fix is on the play
        screen (step the call, ...), so the focus goes back there; the text stays."""
        self._say(text, error=True)
        self.query_one(AddressSpace).focus()

    def show_answer(self, text: str) -> None:
        """An ``explain`` answer stays on screen, in its pane (not a notification)."""
        self.answer = text
        tabs = self._tabs()
        if text and tabs is not None and self._mode == "narrow":
            tabs.active = "tab-call"

    # -- messages up -------------------------------------------------------------------
    @on(AddressSpace.Call)
    def _call(self, message: AddressSpace.Call) -> None:
        self.action_call()

    @on(AddressSpace.Assign)
    def _assign(self, message: AddressSpace.Assign) -> None:
        if not 0 <= message.node < self.session.view().node_count:
            self._say(f"node {message.node} does not exist (the call would fail: ENODEV)",
                      error=False)
        draft = dict(self.draft)
        for pick in message.picks:
            draft.pop(pick, None)
            draft[pick] = message.node
        self.draft = draft
        self._say(f"request: {draft_command(draft, self.move_all)}  (Enter to call)")

    @on(CommandLine.Leave)
    def _leave_command_line(self) -> None:
        self.query_one(AddressSpace).focus()

    @on(AddressSpace.CursorMoved)
    def _cursor(self, message: AddressSpace.CursorMoved) -> None:
        self.query_one(AddressSpace).border_subtitle = message.text

    @on(Input.Submitted, "#cmd")
    def _command(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        self.show_answer("")
        if not text:
            self.query_one(AddressSpace).focus()
            return
        try:
            op = parse(text, self.session.regions())
        except CommandError as exc:
            self._say(str(exc), error=True)
            return
        if isinstance(op, Predict):
            try:
                self.session.predict(op, text)
            except SessionError as exc:
                self._refused(str(exc))
                return
            self._say(f"{text}: recorded; the level's request is running (s step, e to end)")
            self._show_call()
            event.input.value = ""
            self.query_one(AddressSpace).focus()
            self._sync()
            return
        if isinstance(op, Stage):
            try:
                self.session.stage(op.ops, text)
            except SessionError as exc:
                self._refused(str(exc))
                return
            self._say(f"{text}: done")
            event.input.value = ""
            self.query_one(AddressSpace).focus()
            self._sync()
            return
        if isinstance(op, T.Compare | T.ShowSolution | T.ShowGoal | T.SaveLevel
                      | T.NextProblem):
            event.input.value = ""
            self.query_one(AddressSpace).focus()
            play_tools.run_tool(self, op)
            return
        if isinstance(op, Explain):
            try:
                answer = self.session.explain(op.index)
            except SessionError as exc:
                self._refused(str(exc))
                return
            self._say(answer.title)
            self.show_answer(answer.text())
            event.input.value = ""
            self.query_one(AddressSpace).focus()
            return
        if self._submit(op, text):
            event.input.value = ""
            self.query_one(AddressSpace).focus()

    def _submit(self, op: O.MovePages | O.Query | O.LruAddDrainAll, text: str) -> bool:
        try:
            self.session.submit(op, text)
        except SessionError as exc:
            self._refused(str(exc))
            return False
        self._say(f"{text}: started; s step, n step over, r run, e run to end"
                  if self.session.busy else f"{text}: done")
        if self.session.busy:
            self._show_call()
        self._after_step()
        return True

    # -- actions -------------------------------------------------------------------------
    def action_call(self) -> None:
        """Call move_pages with the composed request."""
        if not self.draft:
            self._say("the request is empty: select pages and press a node number", True)
            return
        entries = [O.EntryObj(id=rid, page=page, node=node)
                   for (rid, page), node in self.draft.items()]
        flags = ["MPOL_MF_MOVE_ALL" if self.move_all else "MPOL_MF_MOVE"]
        text = draft_command(self.draft, self.move_all)
        if self._submit(O.MovePages(entries=list(entries), flags=flags), text):
            self.draft = {}

    def action_step(self) -> None:
        """One event (during a solution replay: go on after a mark)."""
        if self._replay is not None:
            if self._replay.paused:
                self._replay.resume()
                self._say("going on")
            return
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
        self._sync()

    def _stop(self) -> None:
        self.driver.stop()
        if self._replay_timer is not None:
            self._replay_timer.stop()
            self._replay_timer = None

    def finished(self) -> None:
        """The call ended (the driver says so): show its result."""
        self._show_call()
        self._after_step()

    def after_step(self, follow: bool = False) -> None:
        """The driver advanced the call: redraw, and see whether the level is won."""
        self._after_step(follow)

    def action_speed(self, delta: int) -> None:
        """Change the run speed."""
        self.driver.faster(delta)
        self._sync()

    def action_undo(self) -> None:
        """Back to before the last syscall (does not count against par)."""
        if self.driver.working:
            self._say("the engine is working: undo when it is done")
            return
        self._stop()
        self._say("undone" if self.session.undo() else "nothing to undo")
        self.won = False
        self._sync()

    def action_reset(self) -> None:
        """Start the level over."""
        if self.driver.working:
            self._say("the engine is working: reset when it is done")
            return
        self._stop()
        self.session.reset()
        self.won = False
        self._say("reset to the level's start")
        self._sync()

    def action_toggle_all(self) -> None:
        """Toggle MPOL_MF_MOVE_ALL in the request."""
        self.move_all = not self.move_all
        self._say(f"flags: MPOL_MF_MOVE{'_ALL' if self.move_all else ''}")

    def action_clear(self) -> None:
        """Empty the request."""
        self.draft = {}

    def action_fold(self) -> None:
        """Show per-page trace events one by one, or folded under their batch."""
        self.unfolded = not self.unfolded
        self._say("trace: per-page events " + ("shown" if self.unfolded else "folded"))

    def action_command(self) -> None:
        """Focus the command line."""
        self.query_one("#cmd", Input).focus()

    def action_next_tab(self) -> None:
        """Show the next tab (it stays until the next call starts)."""
        tabs = self._tabs()
        if tabs is None:
            self._say("every pane is on screen at this width")
            return
        ids = [pane.id for pane in tabs.query("TabPane") if pane.id]
        tabs.active = ids[(ids.index(tabs.active) + 1) % len(ids)] if tabs.active in ids \
            else ids[0]
        self._pinned_tab = True

    def action_hint(self) -> None:
        """Reveal the next hint."""
        if not self.level.hints:
            self._say("this level has no hints")
            return
        self.hints_shown = min(len(self.level.hints), self.hints_shown + 1)
        self._say(f"hint {self.hints_shown}: {self.level.hints[self.hints_shown - 1]}")
        tabs = self._tabs()
        if tabs is not None and self._mode == "narrow":
            tabs.active = "tab-goal"

    def action_leave(self) -> None:
        """Back to level select."""
        self._stop()
        self.app.pop_screen()

    def action_toggle_presenter(self) -> None:
        """Presenter mode on or off: pacing, heavy highlights, space walks the solution."""
        on = self.presenter is None
        self.presenter = Presenter.for_screen(self) if on else None
        self.set_class(on, "-presenter")
        self.driver.speed = PRESENTER_SPEED if on else 2
        self.refresh_bindings()
        self._say("presenter mode: space = next step of the solution" if on
                  else "presenter mode off")
        self._sync()

    def action_export(self) -> None:
        """Keep the run: trace, screen and summary in a folder (a zip in a browser)."""
        from migratelab.tui.export_run import export_run

        self._say(export_run(self))

    def action_present_next(self) -> None:
        """Presenter mode's one key: next step, next batch, past a mark."""
        if self.presenter is not None:
            self._say(self.presenter.next(self))
            if self.session.busy:
                self._show_call()
            self._after_step()

    # -- tools (play_tools.ToolHost) ---------------------------------------------------
    def draft_request(self) -> O.MovePages | None:
        """The composed request, not made yet (None when empty)."""
        if not self.draft:
            return None
        return O.MovePages(entries=[O.EntryObj(id=rid, page=page, node=node)
                                    for (rid, page), node in self.draft.items()],
                           flags=["MPOL_MF_MOVE_ALL" if self.move_all else "MPOL_MF_MOVE"])

    def say(self, text: str, error: bool = False) -> None:
        """One line on the message bar."""
        self._say(text, error)

    def solved(self) -> bool:
        """Solved for real before (progress), or in this session."""
        return self.solved_before or (self.won and not self.session.assisted)

    def start_replay(self, replay: SolutionReplay) -> None:
        """Drive the solution at the current speed; s goes on after a mark."""
        self._stop()
        self.won = False
        self._replay = replay
        self._budget = 0.0
        self._replay_timer = self.set_interval(TICK, self._replay_tick)
        self._sync()

    def _replay_tick(self) -> None:
        replay = self._replay
        if replay is None:
            return
        self._budget += SPEEDS[self.driver.speed] * TICK
        while self._budget >= 1 and not replay.done and not replay.paused:
            self._budget -= 1
            step = replay.advance()
            if step.paused:
                self._say(f"{step.text} (s to go on)")
        if replay.done:
            self._replay = None
            self._stop()
        self._after_step()

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
        cmd = self.query_one(CommandLine)
        cmd.value = f"save {self.level.id}-mine.toml goal=predict title=\"My {self.level.id}\""
        cmd.cursor_position = len(cmd.value)

    def _after_step(self, follow: bool = False) -> None:
        if follow:
            self._follow(self.session.changed)
        self._sync()
        if self.session.busy or self.won or self.level.goal_check is None:
            return
        if self._judge_prediction():
            return
        met, _ = self.session.goal()
        if met:
            self.won = True
            self._stop()
            from migratelab.tui.screens.results import results_of

            self.post_message(Won(results_of(self.level, self.session)))

    def _judge_prediction(self) -> bool:
        """A predicted call just ended with a wrong answer: say so and show the table."""
        record = self.session.last_record
        if record is None or record is self._judged or self.session.prediction is None:
            return False
        self._judged = record
        from migratelab.tui.screens.results import ResultsScreen, results_of

        res = results_of(self.level, self.session, solved=False)
        if not res.prediction or all(c.same for c in res.prediction):
            return False
        self._stop()
        self._say(f"wrong prediction: {verdict(res.prediction)[2:]}; "
                  "u to undo and predict again", error=True)
        self.app.push_screen(ResultsScreen(res), self._after_results)
        return True

    def _after_results(self, choice: str | None) -> None:
        if choice == "retry":
            self.action_undo()
            self._say(f"undone: predict again ({EXAMPLE_PREDICTION} is the form), "
                      "then watch the request run")
            self.query_one("#cmd", Input).focus()
