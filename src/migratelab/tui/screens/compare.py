"""Compare: the current request on two kernel profiles, in two columns.

Each column is a session of its own (:class:`migratelab.game.compare.Comparison`)
and can be stepped alone or with the other. Once both calls have ended the table
under the columns lists ``ret``, the runs handed to ``migrate_pages()``, the
number of those calls, the vmstat counters that moved and every ``status[]``
slot, with ``≠`` (and colour) on each row where the kernels differ: the same rows
``migratelab run --compare`` prints.
"""

from __future__ import annotations

from typing import ClassVar

from rich import box
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from migratelab.game.compare import CallComparison, Comparison
from migratelab.game.session import Session
from migratelab.kernel import errno as E
from migratelab.tui.widgets.footer import KeysFooter

#: Slots listed in a column while the calls run (the table lists every one at the end).
COLUMN_SLOTS = 24


def side_text(profile: str, side: Session) -> Text:
    """One column: the profile, the call's progress, ``status[]`` as it fills in."""
    out = Text()
    live = side.live
    if live is None:
        return out
    state = "ended" if live.done else f"running, {live.events} event(s)"
    out.append(f"{state} · migrate_pages() calls: {live.migrate_calls}\n")
    if live.batch is not None and not live.done:
        node, start, end = live.batch
        where = f"chunk [{start}:{end})" if node < 0 else \
            f"run [{start}:{'…' if end is None else end}) -> node {node}"
        out.append(f"open: {where}\n")
    for i, value in enumerate(live.status[:COLUMN_SLOTS]):
        shown = E.status_str(value)
        out.append(f"  status[{i}] = {shown}\n", style="red" if shown.startswith("-E") else "")
    if len(live.status) > COLUMN_SLOTS:
        out.append(f"  ... {len(live.status) - COLUMN_SLOTS} more\n", style="dim")
    if live.done:
        errno = f" ({live.errno})" if live.errno else ""
        out.append(f"ret = {live.ret}{errno}\n", style="bold")
    return out


def comparison_table(cmp: CallComparison) -> Table:
    """The rows, one column per profile, ``≠`` on each row that differs."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=False)
    table.add_column("", no_wrap=True)
    table.add_column("what", no_wrap=True)
    for p in cmp.profiles:
        table.add_column(p, no_wrap=True)
    for row in (*cmp.summary, *cmp.status):
        style = "bold yellow" if row.differs else ""
        table.add_row("≠" if row.differs else " ", row.label, *row.values, style=style)
    return table


class CompareScreen(Screen[None]):
    """Two profiles side by side; ``s`` steps both, ``[``/``]`` one, ``e`` ends both."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "step", "Step", id="compare.step"),
        Binding("left_square_bracket", "step(0)", "Left", id="compare.left"),
        Binding("right_square_bracket", "step(1)", "Right", id="compare.right"),
        Binding("e", "finish", "To the end", id="compare.finish"),
        Binding("escape,q", "close", "Back", id="compare.close"),
    ]

    def __init__(self, comparison: Comparison, request_text: str) -> None:
        super().__init__()
        self.comparison = comparison
        self.request_text = request_text

    def compose(self) -> ComposeResult:
        """Title, the two columns, the table."""
        a, b = self.comparison.profiles
        yield Static(f"compare {a} and {b}: {self.request_text}", id="compare-title")
        with Horizontal(id="compare-sides"):
            yield Static(id="compare-left", classes="compare-side")
            yield Static(id="compare-right", classes="compare-side")
        with VerticalScroll(id="compare-table-box"):
            yield Static(id="compare-table")
        yield KeysFooter()

    def on_mount(self) -> None:
        """Draw the starting state."""
        self.refresh_view()

    def refresh_view(self) -> None:
        """Repaint both columns and, once both calls ended, the table."""
        cmp = self.comparison
        for wid, i in (("#compare-left", 0), ("#compare-right", 1)):
            box = self.query_one(wid, Static)
            box.border_title = cmp.profiles[i]
            box.update(side_text(cmp.profiles[i], cmp.sides[i]))
        table = cmp.table()
        self.query_one("#compare-table-box").border_title = "differences"
        box = self.query_one("#compare-table", Static)
        if table is None:
            box.update(Text("s steps both kernels, [ and ] one of them, e runs both to "
                            "the end; the table of differences appears when both calls "
                            "have ended.", style="dim"))
        else:
            n = table.differences
            head = Text(f"{n} row(s) differ (≠)" if n else "the two kernels agree on "
                        "every row", style="bold")
            box.update(_with_head(head, table))

    def action_step(self, side: int | None = None) -> None:
        """One event on one side, or on both."""
        self.comparison.step(side)
        self.refresh_view()

    def action_finish(self) -> None:
        """Both calls to their end."""
        self.comparison.finish()
        self.refresh_view()

    def action_close(self) -> None:
        """Back to the play screen."""
        self.app.pop_screen()


def _with_head(head: Text, table: CallComparison) -> Table:
    outer = Table.grid()
    outer.add_row(head)
    outer.add_row(comparison_table(table))
    return outer
