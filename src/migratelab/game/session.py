"""One play session: stepping through syscalls event by event, undo and reset.

The session owns a :class:`ScenarioRunner` and the history of syscall records.
A call is started with :meth:`Session.submit` and advanced one trace event at a
time with :meth:`Session.step`; :class:`LiveCall` (``status[]`` filling in, the
batch being built, ``migrate_pages`` in progress) is derived only from events.
Undo restores the world from before the last syscall (see :mod:`.undo`); it
does not count against par. Nothing here imports a UI."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

from migratelab.game import undo
from migratelab.game.explain import Explanation, explain
from migratelab.game.live import Observer
from migratelab.game.machine_view import Labels, MachineView
from migratelab.game.records import CallRecord, Change, LiveCall
from migratelab.game.tracefmt import TraceLine, kernel_version, trace_line
from migratelab.kernel import errno as E
from migratelab.kernel import events as ev
from migratelab.scenario import ops as O
from migratelab.scenario.runner import PendingSyscall, RunError, ScenarioRunner

#: (runner, history, prediction) -> (met, detail); ``prediction`` is the player's
#: answer on a predict level and None elsewhere.
GoalCheck = Callable[[ScenarioRunner, list[dict[str, Any]], Any], tuple[bool, str]]

#: Events after which "step over" stops: the end of a batch or of the call.
BOUNDARY = frozenset({ev.MigrateEnd.kind, ev.SyscallExit.kind, ev.BatchFlush.kind})
TRACE_LINES = 2000
#: Calls with more entries than this run without per-page events (nobody can watch
#: 262,144 isolations one by one; the batch-level events still show every step).
WATCH_MAX_ENTRIES = 4096


class SessionError(Exception):
    """An intent the session cannot carry out; the message is shown inline."""


Intent = O.MovePages | O.Query | O.LruAddDrainAll | O.LruAddDrain
T = TypeVar("T")


def _judge(session: Session) -> tuple[bool, str]:
    assert session.goal_check is not None
    return session.goal_check(session.runner, session.history, session.prediction)


class Session:
    """Stepping, undo, reset and scoring over one world."""

    def __init__(self, make_runner: Callable[[], ScenarioRunner],
                 goal_check: GoalCheck | None = None, par: int | None = None,
                 predict_request: O.MovePages | O.Query | None = None) -> None:
        self._make_runner = make_runner
        self.goal_check = goal_check
        self.par = par
        #: A predict level's own request, run after the player's prediction.
        self.predict_request = predict_request
        #: The player's answer to a predict goal (passed to the goal check).
        self.prediction: object | None = None
        self.runner = self._fresh()
        self.history: list[dict[str, Any]] = []
        self.commands: list[str] = []
        self.trace: deque[TraceLine] = deque(maxlen=TRACE_LINES)
        #: Trace lines ever appended (the pane keys its cache on it).
        self.trace_count = 0
        self.live: LiveCall | None = None
        self._observer: Observer | None = None
        self.last_event: ev.Event | None = None
        self.last_record: dict[str, Any] | None = None
        #: The last finished call, as the UI shows it.
        self.last_call: CallRecord | None = None
        self._stamp, self._parts = 0, dict[Change, int]()
        #: per_version's answers: function -> (version, answer)
        self._memo: dict[Callable[[Session], object], tuple[int, object]] = {}
        #: What the last step changed (setting it stamps the parts: :meth:`part_version`).
        self.changed = Change.NONE
        #: Bumped on every state change; views key their caches on it.
        self.version = 0
        self._labels = Labels()
        #: vmstat when the current (or last) call began: the vmstat pane shows deltas.
        self.vmstat_before: dict[str, int] = {}
        self._view: MachineView | None = None
        self._view_runner: ScenarioRunner | None = None
        self._pending: PendingSyscall | None = None
        self._undo: list[undo.Snapshot] = []
        #: Everything applied to the world, in order (replayed by undo on big worlds).
        self._ops: list[O.Op] = []
        #: A "show solution" replay drove this session: its win is not the player's.
        self.assisted = False
        #: Every event of the current (or last) syscall, for explanations.
        self.call_events: list[ev.Event] = []

    @property
    def changed(self) -> Change:
        """What the last step (or the last ``step_over``/``finish``) changed."""
        return self._changed

    @changed.setter
    def changed(self, value: Change) -> None:
        self._changed = value
        self._stamp += 1
        for part in value:
            self._parts[part] = self._stamp

    def part_version(self, parts: Change) -> int:
        """Changes whenever any of ``parts`` does (a pane keys its cache on it)."""
        return max((self._parts.get(part, 0) for part in parts), default=0)

    def view(self) -> MachineView:
        """The read-only picture of the machine at this version (one per version)."""
        if self._view is None or self._view.version != self.version \
                or self._view_runner is not self.runner:
            self._view = MachineView(self.runner, self.version, self._labels)
            self._view_runner = self.runner
        return self._view

    def _note(self, text: str) -> None:
        self.trace.append(TraceLine(text, note=True))
        self.trace_count += 1

    def _fresh(self) -> ScenarioRunner:
        runner = self._make_runner()
        runner.detail = True
        return runner

    # -- queries -------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """A syscall is in progress."""
        return self._pending is not None

    @property
    def can_undo(self) -> bool:
        """There is something to undo."""
        return bool(self._undo)

    @property
    def syscalls(self) -> int:
        """move_pages/query calls made (undone ones excluded)."""
        return sum(1 for r in self.history if r.get("op") in ("move_pages", "query"))

    @property
    def pages_moved(self) -> int:
        """Pages migrated so far (sum of pgmigrate_success deltas)."""
        return sum(int(r.get("vmstat_delta", {}).get("pgmigrate_success", 0))
                   for r in self.history)

    @property
    def migrate_calls(self) -> int:
        """migrate_pages() calls made so far."""
        return sum(int(r.get("migrate_calls", 0)) for r in self.history)

    def last_call_events(self) -> list[ev.Event]:
        """The events of the current or last call, a copy (for exporting a run)."""
        return list(self.call_events)

    @property
    def applied_ops(self) -> list[O.Op]:
        """Every op applied to the world so far, in order (a copy): replaying them on a
        fresh world gives this one back."""
        return list(self._ops)

    def regions(self) -> dict[str, int]:
        """Region id -> pages, for the command line."""
        return {r.id: r.pages for r in self.view().regions}

    def goal(self) -> tuple[bool, str]:
        """(met, detail) of the goal; never met while a call is in progress."""
        if self.goal_check is None:
            return False, "sandbox: no goal"
        if self.busy:
            return False, "a call is in progress"
        return self.per_version(_judge)  # a 1 GiB check is slow

    def per_version(self, compute: Callable[[Session], T]) -> T:
        """``compute(self)``, worked out once per version of the session.

        For answers that walk the whole world or call (the goal, status[]'s
        counts): the engine thread works them out before it hands a big call
        back, so the UI's loop finds them ready.
        """
        kept = self._memo.get(compute)
        if kept is None or kept[0] != self.version:
            kept = self._memo[compute] = (self.version, compute(self))
        return cast(T, kept[1])

    def stars(self) -> int:
        """Par stars: 3 at or under par, 2 within twice par, else 1."""
        if self.par is None or self.syscalls <= self.par:
            return 3
        return 2 if self.syscalls <= 2 * self.par else 1

    # -- intents ---------------------------------------------------------------------
    def _snapshot(self) -> undo.Snapshot:
        return undo.take(self.runner, self.history, self.commands, self._ops)

    def _restore(self, snap: undo.Snapshot) -> None:
        self.runner = undo.rebuild(snap, self._fresh)
        self.history, self.commands, self._ops = snap.history, snap.commands, snap.ops
        self._view = None  # it holds the old world: let it go

    def submit(self, op: Intent, text: str = "") -> None:
        """Start a syscall (or apply a drain at once). Raises :class:`SessionError`."""
        if self._pending is not None:
            raise SessionError("a call is in progress: step or run it to the end first")
        snap = self._snapshot()
        index = len(self.history)
        label = text or O.op_name(op)
        if isinstance(op, (O.LruAddDrainAll, O.LruAddDrain)):
            rec = self.runner.apply(op, index, self.runner.proc)
            self._undo.append(snap)
            self._ops.append(op)
            self.history.append(rec)
            self.commands.append(label)
            self._note(f"# {label}: drained {rec.get('drained', 0)} pages")
            self.changed = Change.LRU | Change.PAGEVECS | Change.TRACE
            self.version += 1
            return
        try:
            addrs, nodes = self.runner.entries(op, index)
            # per-page events only for calls someone can watch one by one
            self.runner.detail = len(addrs) <= WATCH_MAX_ENTRIES
            pending = self.runner.start_syscall(op, index, self.runner.proc)
            flags = self.runner.flags(op.flags, index) if isinstance(op, O.MovePages) else 0
        except RunError as exc:
            raise SessionError(exc.message) from None
        self._undo.append(snap)
        self._ops.append(op)
        self._pending = pending
        self.call_events = []
        self.commands.append(label)
        self.vmstat_before = dict(self.view().vmstat)
        self.live = LiveCall(command=label, count=len(addrs), addrs=addrs, nodes=nodes,
                             flags=flags, status=[E.UNSET] * len(addrs),
                             query=isinstance(op, O.Query) or op.nodes_null, op=op)
        machine = self.view()
        self._observer = Observer(self.live, machine.label, machine.locate, self.runner.k)
        self._note(f"# {label}")
        self.changed = Change.REQUEST | Change.STATUS | Change.BATCH | Change.TRACE
        self.version += 1

    def step(self) -> ev.Event | None:
        """Advance the call by one event; None when it has just finished (or none runs)."""
        pending = self._pending
        if pending is None:
            return None
        live = self.live
        assert live is not None
        try:
            event = next(pending.events)
        except StopIteration as stop:
            rec: dict[str, Any] = {"i": len(self.history), "op": O.op_name(live.op)}
            rec.update(pending.finish(stop.value))
            self.history.append(rec)
            self.last_record = rec
            self._pending = None
            live.done = True
            live.ret, live.errno = rec["ret"], rec["errno"]
            live.cursor = None
            if rec.get("status"):
                live.status = list(rec["status"])
            self.last_call = CallRecord.from_history(rec, live.command, list(live.flushes))
            self.changed = Change.STATUS | Change.NODES | Change.ADDRESS | Change.VMSTAT \
                | Change.REQUEST | Change.BATCH | Change.LRU
            self.version += 1
            return None
        assert self._observer is not None
        self.changed = self._observer.observe(event)
        self.call_events.append(event)
        self.last_event = event
        self.trace.append(trace_line(event, kernel_version(self.runner.k.profile.name)))
        self.trace_count += 1
        self.version += 1
        return event

    @property
    def sandbox(self) -> bool:
        """No goal: the player may change the machine as well as call move_pages."""
        return self.goal_check is None

    def stage(self, ops: Sequence[O.Op], text: str) -> None:
        """Sandbox only: apply ops that change the machine (not syscalls).

        All or nothing: if one op fails, the machine is restored and the error
        is raised as :class:`SessionError`.
        """
        if not self.sandbox:
            raise SessionError("this level is played with move_pages, query and drain; "
                               "changing the machine is for the sandbox")
        if self._pending is not None:
            raise SessionError("a call is in progress: step or run it to the end first")
        snap = self._snapshot()
        try:
            results: list[str] = []
            for op in ops:
                rec = self.runner.apply(op, len(self._ops), self.runner.proc)
                self._ops.append(op)
                if rec["op"] in ("mbind", "migrate_pages"):  # they answer like syscalls
                    results.append(f"{rec['op']} = {rec['ret']}"
                                   + (f" ({rec['errno']})" if rec.get("errno") else ""))
        except RunError as exc:
            self._restore(snap)
            raise SessionError(f"{text}: {exc.message}") from None
        self._undo.append(snap)
        self.commands.append(text)
        self._note(f"# {text}" + (f"  -> {', '.join(results)}" if results else ""))
        self.changed = Change.ALL
        self.version += 1

    def predict(self, prediction: object, text: str) -> None:
        """Record the player's prediction, then start the level's request."""
        if self.predict_request is None:
            raise SessionError("this level has nothing to predict")
        if self._pending is not None:
            raise SessionError("a call is in progress: step or run it to the end first")
        self.prediction = prediction
        self.submit(self.predict_request, f"{text}  (then the level's request runs)")

    def explain(self, index: int) -> Explanation:
        """Why ``status[index]`` of the current or last call holds its value."""
        live = self.live
        if live is None:
            raise SessionError("no move_pages call to explain yet")
        try:
            return explain(index, live.status, self.call_events, self.runner.k.profile)
        except IndexError as exc:
            raise SessionError(str(exc)) from None

    def step_over(self, limit: int = 1_000_000) -> int:
        """Step to the end of the current batch (or call); returns events taken."""
        taken = 0
        changed = Change.NONE
        while self._pending is not None and taken < limit:
            event = self.step()
            taken += 1
            changed |= self.changed
            if event is None or event.kind in BOUNDARY:
                break
        self.changed = changed
        return taken

    def finish(self, limit: int | None = None) -> int:
        """Run the call in progress to its end (or ``limit`` events); returns events taken."""
        taken = 0
        changed = Change.NONE
        while self._pending is not None and (limit is None or taken < limit):
            self.step()
            changed |= self.changed
            taken += 1
        self.changed = changed
        return taken

    def undo(self) -> bool:
        """Restore the state from before the last syscall (aborting one in progress)."""
        if not self._undo:
            return False
        snap = self._undo.pop()
        if self._pending is not None:
            self._pending.events.close()
            self._pending = None
        self._restore(snap)
        self.live, self._observer = None, None  # the observer holds the call's world
        self.last_call = None
        self.last_record = self.history[-1] if self.history else None
        self._note("# undo")
        self.changed = Change.ALL
        self.version += 1
        return True

    def reset(self) -> None:
        """Start over from the level's initial state."""
        if self._pending is not None:
            self._pending.events.close()
            self._pending = None
        self.assisted = False
        self.runner = self._fresh()
        self.history.clear()
        self.commands.clear()
        self._undo.clear()
        self._ops.clear()
        self.live = self.last_call = self.last_record = self.last_event = None
        self._view = self._observer = None  # they hold the old world: let it go
        self._note("# reset")
        self.changed = Change.ALL
        self.version += 1
