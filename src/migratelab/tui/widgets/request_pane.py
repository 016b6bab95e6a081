"""The request: ``pages[]``, ``nodes[]`` and ``flags`` being composed, or the call running.

While a call runs, each entry is drawn as ``A[3]→1``: the entry being processed
in reverse video behind ``▶``, the open batch (or v4.14 chunk) between ``⟦ ⟧``
and underlined, entries already decided dimmed. Long requests show a window
around the cursor, turned a half window at a time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import RenderableType
from rich.style import Style
from textual.reactive import reactive

from migratelab.game.request_text import request_command
from migratelab.scenario import ops as O
from migratelab.tui.style import DIM, NOW, Flow, node_style, window_start
from migratelab.tui.widgets.pane import LivePane
from migratelab.tui.widgets.rows import Rows

if TYPE_CHECKING:
    from migratelab.game.records import LiveCall

Draft = dict[tuple[str, int], int]
#: Entries drawn around the cursor of a long request.
WINDOW = 24
BATCH = Style(underline=True, bold=True)


def runs(draft: Draft) -> list[tuple[str, int, int, int]]:
    """Collapse (region, page) -> node into (region, start, end, node) runs, in order."""
    out: list[tuple[str, int, int, int]] = []
    for (rid, page), node in draft.items():
        if out and out[-1][0] == rid and out[-1][2] == page and out[-1][3] == node:
            r = out[-1]
            out[-1] = (r[0], r[1], page + 1, r[3])
        else:
            out.append((rid, page, page + 1, node))
    return out


def assigned(draft: Draft, picks: list[tuple[str, int]], node: int) -> Draft:
    """``draft`` with ``picks`` sent to ``node``: each moves to the end of the
    request, as a page picked again is asked for again, after the others."""
    again = set(picks)
    out = {pick: n for pick, n in draft.items() if pick not in again}
    out.update(dict.fromkeys(picks, node))
    return out


def draft_command(draft: Draft, move_all: bool) -> str:
    """The command line that the composed request stands for."""
    parts = [f"{rid}[{a}]" if b == a + 1 else f"{rid}[{a}:{b}]" for rid, a, b, _ in runs(draft)]
    nodes = [n for *_, n in runs(draft)]
    body = ", ".join(f"{p} -> {n}" for p, n in zip(parts, nodes, strict=True))
    return f"move {body}" + (" all" if move_all else "")


def draft_request(draft: Draft, move_all: bool) -> O.MovePages | None:
    """The composed request as the scenario op it makes (None when empty)."""
    if not draft:
        return None
    return O.MovePages(entries=[O.EntryObj(id=rid, page=page, node=node)
                                for (rid, page), node in draft.items()],
                       flags=[flags_text(move_all)])


def flags_text(move_all: bool) -> str:
    """The flags word of a request."""
    return "MPOL_MF_MOVE_ALL" if move_all else "MPOL_MF_MOVE"


class RequestPane(LivePane):
    """Shows the draft (or the call in progress) the way move_pages receives it."""

    draft: reactive[Draft] = reactive(dict, repaint=False)
    move_all: reactive[bool] = reactive(False, repaint=False)

    def watch_draft(self) -> None:
        self.redraw()

    def watch_move_all(self) -> None:
        self.redraw()

    def draw(self) -> RenderableType:
        """pages[] / nodes[] / flags."""
        live = self.session.live
        if live is not None and not live.done:
            return self._live(live)
        t = Rows()
        if not self.draft:
            t.append("(empty) ", "bold")
            t.append("select pages (v marks a range), press a node number, Enter calls "
                     "move_pages; or type a command below.", DIM)
            t.append(f"\nflags = {flags_text(self.move_all)}  (a toggles)")
            return t
        t.append(f"{len(self.draft)} pages", "bold")
        t.append("  Enter: call  c: clear\n", DIM)
        t.append("pages[] = ")
        t.append(" ".join(f"{r}[{a}]" if b == a + 1 else f"{r}[{a}:{b}]"
                          for r, a, b, _ in runs(self.draft)[:12]))
        t.append("\nnodes[] = ")
        for _, a, b, n in runs(self.draft)[:12]:
            t.append(f"{n}" + (f"×{b - a}" if b - a > 1 else "") + " ", node_style(n))  # noqa: RUF001
        t.append(f"\nflags   = {flags_text(self.move_all)}  (a toggles)")
        return t

    def _live(self, live: LiveCall) -> Rows:
        t = Rows()
        t.append("▶ ", "bold")
        # the request itself, not the command that started it (a prediction)
        t.append(request_command(live.op, self.session.regions()), "bold")
        t.append("\n  move_pages(", "bold")
        t.append(f"count={live.count}, pages[], "
                 + ("nodes=NULL" if live.query else "nodes[]")
                 + f", status[], flags={live.flags:#x}")
        t.append(")", "bold")
        if live.query:
            t.append("  a query: nothing moves", DIM)
        cur = live.cursor
        lo = window_start(cur, WINDOW, live.count)
        hi = min(live.count, lo + WINDOW)
        batch = live.batch
        b_lo, b_hi = -1, -1
        if batch is not None:
            b_lo = batch[1]
            b_hi = batch[2] if batch[2] is not None else (cur + 1 if cur is not None else b_lo)
        t.append("\n")
        flow = Flow(t, self.inner_width)
        if lo:
            flow.item([(f"… {lo} before ", DIM)])
        for i in range(lo, hi):
            style = BATCH if b_lo <= i < b_hi else Style()
            if i == cur:
                style = style + NOW
            elif cur is not None and i < cur and not b_lo <= i < b_hi:
                style = style + DIM
            # the gutter before an entry is where the cursor shows; the room of a
            # closing bracket is kept, as it moves along with the open batch
            closes = i == b_hi - 1
            flow.item([("▶" if i == cur else " ", "bold"),
                       ("⟦" if i == b_lo else "", "bold"), (self._entry(live, i), style),
                       ("⟧" if closes else "", "bold")], spare=0 if closes else 1)
        if hi < live.count:
            flow.item([(f" … {live.count - hi} more", DIM)])
        return t

    def _entry(self, live: LiveCall, i: int) -> str:
        name = self.session.view().label(live.addrs[i])
        return name if live.query or i >= len(live.nodes) else f"{name}→{live.nodes[i]}"
