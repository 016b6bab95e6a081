"""``status[]`` filling in as store_status() runs, with errno names.

Each slot shows its index and value: a node number, a ``-ERRNO`` name, or
``?`` (not written yet). The entry being processed is in reverse video behind
``▶``; long arrays show a window around it (turned a half window at a time)
and a histogram of the whole.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from rich.console import RenderableType
from rich.text import Text

from migratelab.kernel import errno as E
from migratelab.tui.style import BOLD, DIM, ERROR, NOW, OK, Flow, node_style, window_start
from migratelab.tui.widgets.pane import LivePane
from migratelab.tui.widgets.rows import Rows

if TYPE_CHECKING:
    from migratelab.game.session import Session

#: Slots drawn around the cursor.
WINDOW = 32


def _counts(session: Session) -> list[tuple[str, int]]:
    live = session.live
    counts = Counter(live.status if live is not None else [])  # ints: fast on 262,144
    return sorted(("?" if k == E.UNSET else E.status_str(k), v) for k, v in counts.items())


def histogram(session: Session) -> list[tuple[str, int]]:
    """``(value, entries)`` of the call's whole status[], kept for one version.

    Counting 262,144 entries takes 20 ms: the engine thread counts them before it
    hands a big call back, so the final redraw on the UI's loop does not.
    """
    return session.per_version(_counts)


def ret_text(ret: int | None, errno: str | None) -> Text:
    """``0`` or ``-1 ENOMEM``, styled (``✔``/``✘`` as well as colour)."""
    if ret is None:
        return Text("(running)", DIM)
    if ret < 0:
        return Text(f"✘ {ret}" + (f" errno={errno}" if errno else ""), ERROR)
    return Text(f"✔ {ret}" + (" (pages not migrated)" if ret > 0 else ""), OK)


class StatusPane(LivePane):
    """status[] as ``index:value`` slots plus a histogram."""

    def draw(self) -> RenderableType:
        """status[] slots."""
        t = Rows()
        live = self.session.live
        if live is None:
            t.append("no call yet: each entry's answer (its node, or -ERRNO) appears here",
                     DIM)
            return t
        status = live.status
        cur = live.cursor
        lo = window_start(cur, WINDOW, len(status))
        hi = min(len(status), lo + WINDOW)
        flow = Flow(t, self.inner_width)
        if lo:
            flow.item([(f"… [0, {lo}) ", DIM)])
        for i in range(lo, hi):
            s = status[i]
            if s == E.UNSET:
                cell = ("?", DIM)
            elif s >= 0:
                cell = (str(s), node_style(s) + BOLD)
            else:
                cell = (E.status_str(s), ERROR)
            now = i == cur
            # the gutter before a slot is where the cursor shows
            flow.item([("▶" if now else " ", BOLD), (f"{i}:", DIM + NOW if now else DIM),
                       (cell[0], cell[1] + NOW if now else cell[1])])
        if hi < len(status):
            flow.item([(f" … {len(status) - hi} more", DIM)])
        if len(status) > WINDOW:
            hist = histogram(self.session)
            t.append("\nall: " + "  ".join(f"{k}×{v}" for k, v in hist), DIM)  # noqa: RUF001
        t.append("\nreturn: ", BOLD)
        t.append_text(ret_text(live.ret, live.errno) if live.done else Text("(running)", DIM))
        return t
