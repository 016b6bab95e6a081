"""The play screen: panes over the engine, composing, stepping, undo, winning."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, Static, TabbedContent, TabPane

from migratelab.game import tool_commands as T
from migratelab.game import view
from migratelab.game.commands import (
    EXAMPLE_PREDICTION,
    CommandError,
    Explain,
    Predict,
    Stage,
    parse,
)
from migratelab.game.session import SessionError
from migratelab.game.solution import SolutionReplay
from migratelab.scenario import ops as O
from migratelab.tui.messages import Won
from migratelab.tui.presenter import PRESENTER_SPEED, Presenter
from migratelab.tui.screens import play_tools
from migratelab.tui.widgets.address_space import LEGEND, AddressSpace
from migratelab.tui.widgets.batch_pane import BatchPane
from migratelab.tui.widgets.command_line import CommandLine
from migratelab.tui.widgets.frame_map import FrameMap
from migratelab.tui.widgets.goal_pane import GoalPane
from migratelab.tui.widgets.lru_pane import LruPane
from migratelab.tui.widgets.pagevec_pane import PagevecPane
from migratelab.tui.widgets.prediction_table import verdict
from migratelab.tui.widgets.request_pane import RequestPane, draft_command
from migratelab.tui.widgets.status_pane import StatusPane
from migratelab.tui.widgets.trace_pane import TracePane
from migratelab.tui.widgets.vmstat_pane import VmstatPane

if TYPE_CHECKING:
    from migratelab.tui.world import PlayLevel

#: Events per second at each speed setting.
SPEEDS = (2, 10, 50, 250, 2000)
TICK = 0.05
#: Which tab shows which pane.
TAB_OF = {"request": "tab-call", "batch": "tab-call", "status": "tab-call",
          "nodes": "tab-nodes", "lru": "tab-lru", "pagevecs": "tab-lru",
          "trace": "tab-trace", "vmstat": "tab-vmstat"}
PANE_TITLES = {"pane-address": "address space", "pane-request": "request",
               "pane-batch": "batch · migrate_pages", "pane-status": "status[]",
               "pane-nodes": "nodes · frame map", "pane-lru": "LRU lists",
               "pane-pagevecs": "per-CPU pagevecs", "pane-trace": "trace",
               "pane-vmstat": "vmstat", "pane-goal": "goal", "side": "goal"}
TAB_TITLES = {"tab-call": "Call", "tab-nodes": "Nodes", "tab-lru": "LRU",
              "tab-trace": "Trace", "tab-vmstat": "vmstat", "tab-goal": "Goal"}


class PlayScreen(Screen[None]):
    """One level (or the sandbox) being played."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "call", "Call move_pages", id="play.call", priority=False),
        Binding("s", "step", "Step", id="play.step"),
        Binding("n", "step_over", "Step over batch", id="play.over"),
        Binding("r", "run", "Run/pause", id="play.run"),
        Binding("e", "finish", "Run to end", id="play.finish", show=False),
        Binding("plus,equals_sign", "speed(1)", "Faster", id="play.faster", show=False),
        Binding("minus", "speed(-1)", "Slower", id="play.slower", show=False),
        Binding("u", "undo", "Undo", id="play.undo"),
        Binding("R", "reset", "Reset", id="play.reset", show=False),
        Binding("a", "toggle_all", "Toggle MPOL_MF_MOVE_ALL", id="play.moveall", show=False),
        Binding("c", "clear", "Clear request", id="play.clear", show=False),
        Binding("colon,slash", "command", "Command line", id="play.command"),
        Binding("t", "next_tab", "Next tab", id="play.tab", show=False),
        Binding("h", "hint", "Hint", id="play.hint"),
        Binding("C", "compare", "Compare two kernels", id="play.compare", show=False),
        Binding("S", "solution", "Show solution", id="play.solution", show=False),
        Binding("G", "goal", "Show goal", id="play.goal", show=False),
        Binding("W", "save", "Save as level", id="play.save", show=False),
        Binding("q", "leave", "Levels", id="play.leave"),
        Binding("space", "present_next", "Next", id="play.next",
                tooltip="Presenter mode: the next step of the level's solution, batch by batch"),
        Binding("P", "toggle_presenter", "Presenter mode", id="play.presenter", show=False),
        Binding("x", "export", "Export run", id="play.export", show=False,
                tooltip="Export run: trace (JSON lines), this screen (SVG), a Markdown summary"),
    ]

    def __init__(self, level: PlayLevel, solved_before: bool = False) -> None:
        super().__init__()
        #: Progress already holds a real win of this level (show solution asks no question).
        self.solved_before = solved_before
        self.level = level
        self.session = level.session()
        self.speed = 2
        self.won = False
        self._run_timer: Timer | None = None
        self._replay: SolutionReplay | None = None
        self._budget = 0.0
        self._shown_title = ""
        self._judged: object | None = None
        self.presenter: Presenter | None = None

    # -- layout ---------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        """Title bar, address space, tabbed panes, side goal panel, command line."""
        s = self.session
        yield Static(self._title(), id="titlebar")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield AddressSpace(s, id="pane-address", classes="pane")
                yield Static("", id="cursorinfo")
            with TabbedContent(id="tabs", initial="tab-call"):
                with TabPane("Call", id="tab-call"), Vertical():
                    yield RequestPane(s, id="pane-request")
                    yield BatchPane(s, id="pane-batch")
                    yield StatusPane(s, id="pane-status")
                with TabPane("Nodes", id="tab-nodes"):
                    yield FrameMap(s, id="pane-nodes", classes="pane")
                with TabPane("LRU", id="tab-lru"), Vertical():
                    yield LruPane(s, id="pane-lru")
                    yield PagevecPane(s, id="pane-pagevecs")
                with TabPane("Trace", id="tab-trace"):
                    yield TracePane(s, id="pane-trace")
                with TabPane("vmstat", id="tab-vmstat"):
                    yield VmstatPane(s, id="pane-vmstat")
                with TabPane("Goal", id="tab-goal"):
                    yield GoalPane(s, self.level, id="pane-goal")
            yield GoalPane(s, self.level, id="side", classes="side")
        yield Static("", id="answer", classes="answer")
        yield CommandLine(self.session.regions, id="cmd")
        yield Static("", id="msg")
        yield Footer()

    def on_mount(self) -> None:
        """Focus the address space and draw everything."""
        for wid, title in PANE_TITLES.items():
            self.query_one(f"#{wid}").border_title = title
        self.query_one(AddressSpace).focus()
        self.query_one("#cursorinfo", Static).update(LEGEND)
        if getattr(self.app, "presenter", False):
            self.action_toggle_presenter()
        if self.level.goal_check is not None and not self.app.has_class("-wide"):
            # no side panel: show the story and the goal before anything else
            self.query_one(TabbedContent).active = "tab-goal"
        self._sync()

    def _show_call(self) -> None:
        """A call started: its request, batch and status[] are what matter now."""
        self.query_one(TabbedContent).active = "tab-call"

    def _title(self) -> str:
        speed = SPEEDS[self.speed]
        state = "running" if self._is_running() else ("in call" if self.session.busy else "idle")
        return (f" migratelab ─ {self.level.title}   [{state}, {speed} ev/s]"
                f"   syscalls {self.session.syscalls}"
                + (f"/par {self.level.par}" if self.level.par else ""))

    def _is_running(self) -> bool:
        return self._run_timer is not None

    # -- attributes down --------------------------------------------------------------
    def _sync(self) -> None:
        s = self.session
        v = s.version
        heavy = {"nodes", "address"} & s.changed or not s.busy
        for pane in self.query(".pane"):
            # the page views only redraw when pages moved (or no call is running)
            if isinstance(pane, (AddressSpace, FrameMap)) and not heavy:
                continue
            if hasattr(pane, "version"):
                pane.version = v
            pane.set_class(pane.id is not None and pane.id.removeprefix("pane-") in s.changed,
                           "-changed")
        for w in (self.query_one("#side", GoalPane), self.query_one("#pane-goal", GoalPane)):
            w.version = v
        tabs = self.query_one(TabbedContent)
        marked = {TAB_OF[c] for c in s.changed if c in TAB_OF}
        for tab_id, title in TAB_TITLES.items():
            tab = tabs.get_tab(tab_id)
            label = ("◆" + title) if tab_id in marked else title
            if str(tab.label) != label:  # a new label reflows the tab strip
                tab.label = label
        title_text = self._title()
        if title_text != self._shown_title:
            self._shown_title = title_text
            self.query_one("#titlebar", Static).update(title_text)

    def _say(self, text: str, error: bool = False) -> None:
        msg = self.query_one("#msg", Static)
        msg.update(("✘ " + text) if error else text)
        msg.set_class(error, "-error")

    def _refused(self, text: str) -> None:
        """The command was understood but cannot run now: the fix is on the play
        screen (step the call, ...), so the focus goes back there; the text stays."""
        self._say(text, error=True)
        self.query_one(AddressSpace).focus()

    # -- messages up -------------------------------------------------------------------
    @on(AddressSpace.Call)
    def _call(self, message: AddressSpace.Call) -> None:
        self.action_call()

    @on(AddressSpace.Assign)
    def _assign(self, message: AddressSpace.Assign) -> None:
        req = self.query_one(RequestPane)
        if not 0 <= message.node < view.node_count(self.session.runner.k):
            self._say(f"node {message.node} does not exist (the call would fail: ENODEV)",
                      error=False)
        for pick in message.picks:
            req.draft.pop(pick, None)
            req.draft[pick] = message.node
        req.refresh()
        self.query_one(AddressSpace).set_draft(req.draft)
        self._say(f"request: {draft_command(req.draft, req.move_all)}  (Enter to call)")

    @on(CommandLine.Leave)
    def _leave_command_line(self) -> None:
        self.query_one(AddressSpace).focus()

    def show_answer(self, text: str) -> None:
        """An ``explain`` answer stays on screen (not a notification that times out)."""
        answer = self.query_one("#answer", Static)
        answer.update(text)
        answer.set_class(bool(text), "-shown")

    @on(AddressSpace.CursorMoved)
    def _cursor(self, message: AddressSpace.CursorMoved) -> None:
        self.query_one("#cursorinfo", Static).update(message.text)

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
        req = self.query_one(RequestPane)
        if not req.draft:
            self._say("the request is empty: select pages and press a node number", True)
            return
        entries = [O.EntryObj(id=rid, page=page, node=node)
                   for (rid, page), node in req.draft.items()]
        flags = ["MPOL_MF_MOVE_ALL" if req.move_all else "MPOL_MF_MOVE"]
        text = draft_command(req.draft, req.move_all)
        if self._submit(O.MovePages(entries=list(entries), flags=flags), text):
            req.draft = {}
            self.query_one(AddressSpace).set_draft(req.draft)

    def action_step(self) -> None:
        """One event (during a solution replay: go on after a mark)."""
        if self._replay is not None:
            if self._replay.paused:
                self._replay.resume()
                self._say("going on")
            return
        if not self.session.busy:
            self._say("no call in progress: compose a request and press Enter")
            return
        self.session.step()
        self._after_step()

    def action_step_over(self) -> None:
        """To the end of the current batch."""
        if not self.session.busy:
            self._say("no call in progress")
            return
        self.session.step_over()
        self._after_step()

    def action_finish(self) -> None:
        """Run the call to its end at once."""
        self._stop()
        self.session.finish()
        self._after_step()

    def action_run(self) -> None:
        """Run at the current speed, or pause."""
        if self._run_timer is not None:
            self._stop()
        elif self.session.busy:
            self._budget = 0.0
            self._run_timer = self.set_interval(TICK, self._tick)
        else:
            self._say("no call in progress")
        self._sync()

    def _stop(self) -> None:
        if self._run_timer is not None:
            self._run_timer.stop()
            self._run_timer = None

    def _tick(self) -> None:
        self._budget += SPEEDS[self.speed] * TICK
        changed: set[str] = set()
        while self._budget >= 1 and self.session.busy:
            self._budget -= 1
            self.session.step()
            changed |= self.session.changed
        if changed:
            self.session.changed = frozenset(changed)
        if not self.session.busy:
            self._stop()
        self._after_step()

    def action_speed(self, delta: int) -> None:
        """Change the run speed."""
        self.speed = max(0, min(len(SPEEDS) - 1, self.speed + delta))
        self._sync()

    def action_undo(self) -> None:
        """Back to before the last syscall (does not count against par)."""
        self._stop()
        self._say("undone" if self.session.undo() else "nothing to undo")
        self.won = False
        self._sync()

    def action_reset(self) -> None:
        """Start the level over."""
        self._stop()
        self.session.reset()
        self.won = False
        self._say("reset to the level's start")
        self._sync()

    def action_toggle_all(self) -> None:
        """Toggle MPOL_MF_MOVE_ALL in the request."""
        req = self.query_one(RequestPane)
        req.move_all = not req.move_all
        req.refresh()
        self._say(f"flags: MPOL_MF_MOVE{'_ALL' if req.move_all else ''}")

    def action_clear(self) -> None:
        """Empty the request."""
        req = self.query_one(RequestPane)
        req.draft = {}
        req.refresh()
        self.query_one(AddressSpace).set_draft(req.draft)

    def action_command(self) -> None:
        """Focus the command line."""
        self.query_one("#cmd", Input).focus()

    def action_next_tab(self) -> None:
        """Show the next tab."""
        tabs = self.query_one(TabbedContent)
        ids = list(TAB_TITLES)
        tabs.active = ids[(ids.index(tabs.active) + 1) % len(ids)] if tabs.active in ids \
            else ids[0]

    def action_hint(self) -> None:
        """Reveal the next hint."""
        shown = 0
        for pane in self.query(GoalPane):
            pane.hints_shown = min(len(self.level.hints), pane.hints_shown + 1)
            shown = pane.hints_shown
            pane.refresh()
        if not self.level.hints:
            self._say("this level has no hints")
        else:
            self._say(f"hint {shown}: {self.level.hints[shown - 1]}")
            if self.query_one("#side").display is False:
                self.query_one(TabbedContent).active = "tab-goal"

    def action_leave(self) -> None:
        """Back to level select."""
        self._stop()
        self.app.pop_screen()

    def action_toggle_presenter(self) -> None:
        """Presenter mode on or off: pacing, heavy highlights, space walks the solution."""
        on = self.presenter is None
        self.presenter = Presenter.for_screen(self) if on else None
        self.set_class(on, "-presenter")
        self.speed = PRESENTER_SPEED if on else 2
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

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The "next" key exists only in presenter mode (it would show the solution)."""
        return self.presenter is not None if action == "present_next" else True

    # -- tools (play_tools.ToolHost) ---------------------------------------------------
    def draft_request(self) -> O.MovePages | None:
        """The composed request, not made yet (None when empty)."""
        req = self.query_one(RequestPane)
        if not req.draft:
            return None
        return O.MovePages(entries=[O.EntryObj(id=rid, page=page, node=node)
                                    for (rid, page), node in req.draft.items()],
                           flags=["MPOL_MF_MOVE_ALL" if req.move_all else "MPOL_MF_MOVE"])

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
        self._run_timer = self.set_interval(TICK, self._replay_tick)
        self._sync()

    def _replay_tick(self) -> None:
        replay = self._replay
        if replay is None:
            return
        self._budget += SPEEDS[self.speed] * TICK
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

    def _after_step(self) -> None:
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
