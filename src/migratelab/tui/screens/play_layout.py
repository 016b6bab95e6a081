"""The play screen's three layouts, chosen by terminal width.

* ``wide`` (160 columns and more): every pane at once, no tabs. Left, the call:
  address space, request, status[], then the batch and migrate_pages (the pane
  that grows during a call goes last, so status[] stays in view). Middle, the
  machine: frame map, LRU lists, pagevecs. Right, the story and goal once,
  explain answers and vmstat. The trace runs full width underneath.
* ``medium`` (120-159): the same three columns; only trace and vmstat share a
  tab strip underneath.
* ``narrow`` (below 120): the address space beside tabs that follow what changed.

State shared by panes (the version, the request being composed, the fold of the
trace, the explain answer) lives on the screen and flows down by ``data_bind``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import TabbedContent, TabPane

from migratelab.tui.widgets.address_space import LEGEND, AddressSpace
from migratelab.tui.widgets.batch_pane import BatchPane
from migratelab.tui.widgets.frame_map import FrameMap
from migratelab.tui.widgets.goal_pane import GoalPane
from migratelab.tui.widgets.legend import Legend
from migratelab.tui.widgets.lru_pane import LruPane
from migratelab.tui.widgets.notes import ExplainPane
from migratelab.tui.widgets.pagevec_pane import PagevecPane
from migratelab.tui.widgets.request_pane import RequestPane
from migratelab.tui.widgets.status_pane import StatusPane
from migratelab.tui.widgets.trace_pane import TracePane
from migratelab.tui.widgets.vmstat_pane import VmstatPane

if TYPE_CHECKING:
    from migratelab.game.session import Session
    from migratelab.tui.screens.play import PlayScreen
    from migratelab.tui.world import PlayLevel

WIDE = 160
MEDIUM = 120
TITLES = {"pane-address": "address space", "pane-request": "request · move_pages()",
          "pane-batch": "batch · migrate_pages()", "pane-status": "status[]",
          "pane-nodes": "nodes · frame map (one cell = 2 MiB)",
          "pane-lru": "LRU lists, head → tail",
          "pane-pagevecs": "per-CPU LRU-add pagevecs", "pane-trace": "trace",
          "pane-vmstat": "/proc/vmstat", "pane-goal": "story · goal",
          "pane-explain": "explain"}
#: Tabs of the narrow layout, and the pane ids each shows.
TABS = {"tab-call": ("Call", ("request", "batch", "explain")),
        "tab-nodes": ("Nodes", ("nodes",)), "tab-lru": ("LRU", ("lru", "pagevecs")),
        "tab-trace": ("Trace", ("trace",)), "tab-vmstat": ("vmstat", ("vmstat",)),
        "tab-goal": ("Goal", ("goal",))}
MEDIUM_TABS = {"tab-trace": ("Trace", ("trace",)), "tab-vmstat": ("vmstat", ("vmstat",))}


def mode_for(width: int) -> str:
    """``wide``, ``medium`` or ``narrow`` for a terminal width."""
    return "wide" if width >= WIDE else ("medium" if width >= MEDIUM else "narrow")


def compose_panes(screen: PlayScreen, mode: str) -> ComposeResult:
    """Yield the panes of ``mode``, each bound to the screen's shared state."""
    from migratelab.tui.screens.play import PlayScreen

    s = screen.session
    address = AddressSpace(s, cursor=screen.cursor, id="pane-address", classes="pane")
    address.data_bind(PlayScreen.version, draft=PlayScreen.draft)
    request = RequestPane(s, id="pane-request").data_bind(
        PlayScreen.version, draft=PlayScreen.draft, move_all=PlayScreen.move_all)
    batch = BatchPane(s, id="pane-batch").data_bind(PlayScreen.version)
    status = StatusPane(s, id="pane-status").data_bind(PlayScreen.version)
    explain = ExplainPane(s, id="pane-explain").data_bind(answer=PlayScreen.answer)
    nodes = FrameMap(s, id="pane-nodes").data_bind(PlayScreen.version)
    lru = LruPane(s, id="pane-lru").data_bind(PlayScreen.version)
    pagevecs = PagevecPane(s, id="pane-pagevecs").data_bind(PlayScreen.version)
    trace = TracePane(s, id="pane-trace").data_bind(PlayScreen.version,
                                                    unfolded=PlayScreen.unfolded)
    vmstat = VmstatPane(s, id="pane-vmstat").data_bind(PlayScreen.version)
    goal = GoalPane(s, screen.level, id="pane-goal").data_bind(
        PlayScreen.version, hints_shown=PlayScreen.hints_shown)
    legend = Legend(LEGEND, id="legend-address")
    if mode == "narrow":
        with Horizontal(id="main"):
            with VerticalScroll(id="left"):
                yield address
                yield status
            with TabbedContent(id="tabs", initial="tab-call"):
                with TabPane("Call", id="tab-call"), VerticalScroll():
                    yield request
                    yield batch
                    yield explain
                with TabPane("Nodes", id="tab-nodes"):
                    yield nodes
                with TabPane("LRU", id="tab-lru"), VerticalScroll():
                    yield lru
                    yield pagevecs
                with TabPane("Trace", id="tab-trace"):
                    yield trace
                with TabPane("vmstat", id="tab-vmstat"):
                    yield vmstat
                with TabPane("Goal", id="tab-goal"), VerticalScroll():
                    yield goal
        return
    with Horizontal(id="main"):
        with VerticalScroll(id="col-call"):
            yield address
            yield legend
            yield request
            yield status  # above the batch, which grows as migrate_pages() runs
            yield batch
        with VerticalScroll(id="col-machine"):
            yield nodes
            yield lru
            yield pagevecs
        with VerticalScroll(id="col-side"):
            yield goal
            yield explain
            if mode == "wide":
                yield vmstat
    if mode == "wide":
        yield trace
        return
    with TabbedContent(id="tabs", initial="tab-trace"):
        with TabPane("Trace", id="tab-trace"):
            yield trace
        with TabPane("vmstat", id="tab-vmstat"):
            yield vmstat


def title_bar(level: PlayLevel, session: Session, running: bool, speed: int) -> str:
    """The title bar: the level, the engine's state and speed, syscalls against par."""
    state = "running" if running else ("in call" if session.busy else "idle")
    return (f" migratelab ─ {level.title}   [{state}, {speed} ev/s]"
            f"   syscalls {session.syscalls}" + (f"/par {level.par}" if level.par else ""))
