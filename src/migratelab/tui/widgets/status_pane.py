"""``status[]`` filling in as store_status() runs, with errno names.

Each slot shows its index and value: a node number, a ``-ERRNO`` name, or
``?`` (not written yet). The entry being processed is in reverse video behind
``▶``; long arrays show a window around it and a histogram of the whole.
"""

from __future__ import annotations

from collections import Counter

from rich.console import RenderableType
from rich.text import Text

from migratelab.kernel import errno as E
from migratelab.tui.style import BOLD, DIM, ERROR, NOW, OK, node_style
from migratelab.tui.widgets.pane import LivePane

#: Slots drawn around the cursor.
WINDOW = 32


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
        t = Text()
        live = self.session.live
        if live is None:
            t.append("no call yet: each entry's answer (its node, or -ERRNO) appears here",
                     DIM)
            return t
        status = live.status
        cur = live.cursor
        lo = 0 if cur is None else max(0, cur - WINDOW // 4)
        hi = min(len(status), lo + WINDOW)
        if lo:
            t.append(f"… [0, {lo})  ", DIM)
        for i in range(lo, hi):
            s = status[i]
            if i == cur:
                t.append("▶", BOLD)
            t.append(f"{i}:", DIM)
            if s == E.UNSET:
                cell = Text("?", DIM)
            elif s >= 0:
                cell = Text(str(s), node_style(s) + BOLD)
            else:
                cell = Text(E.status_str(s), ERROR)
            if i == cur:
                cell.stylize(NOW)
            t.append_text(cell)
            t.append(" ")
        if hi < len(status):
            t.append(f"… {len(status) - hi} more", DIM)
        if len(status) > WINDOW:
            counts = Counter(status)  # ints first: fast on a 262,144-entry request
            hist = sorted(("?" if k == E.UNSET else E.status_str(k), v)
                          for k, v in counts.items())
            t.append("\nall: " + "  ".join(f"{k}×{v}" for k, v in hist), DIM)  # noqa: RUF001
        t.append("\nreturn: ", BOLD)
        t.append_text(ret_text(live.ret, live.errno) if live.done else Text("(running)", DIM))
        return t
