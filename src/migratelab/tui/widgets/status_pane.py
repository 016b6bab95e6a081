"""``status[]`` filling in live, with errno names."""

from __future__ import annotations

from collections import Counter

from rich.console import RenderableType
from rich.text import Text

from migratelab.kernel import errno as E
from migratelab.tui.style import DIM, node_style
from migratelab.tui.widgets.pane import LivePane

MAX_SHOWN = 64


class StatusPane(LivePane):
    """Each slot: a node number, a -ERRNO name, or ``?`` (UNSET: not written yet)."""

    def draw(self) -> RenderableType:
        """status[] as a row of slots plus a histogram."""
        t = Text()
        live = self.session.live
        if live is None:
            t.append("status[]: no call yet", DIM)
            return t
        status = live.status
        t.append(f"status[{len(status)}]", "bold")
        if live.ret is not None:
            t.append(f"  ret={live.ret}" + (f" {live.errno}" if live.errno else ""))
        t.append("\n")
        for i, s in enumerate(status[:MAX_SHOWN]):
            if s == E.UNSET:
                t.append("?", DIM)
            elif s >= 0:
                t.append(str(s), node_style(s))
            else:
                t.append(E.status_str(s), "bold red")
            t.append(" " if (i + 1) % 16 else "\n")
        if len(status) > MAX_SHOWN:
            t.append(f"… {len(status) - MAX_SHOWN} more\n", DIM)
        counts = Counter(status)  # ints first: fast on a 262,144-entry request
        hist = sorted(("?" if k == E.UNSET else E.status_str(k), v) for k, v in counts.items())
        t.append("\n" + "  ".join(f"{k}×{v}" for k, v in hist), DIM)  # noqa: RUF001
        return t
