"""The request being composed: ``pages[]``, ``nodes[]`` and ``flags``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import RenderableType
from rich.text import Text

from migratelab.game.commands import request_command
from migratelab.tui.style import DIM, node_style
from migratelab.tui.widgets.pane import LivePane

if TYPE_CHECKING:
    from migratelab.game.session import Session


def runs(draft: dict[tuple[str, int], int]) -> list[tuple[str, int, int, int]]:
    """Collapse (region, page) -> node into (region, start, end, node) runs, in order."""
    out: list[tuple[str, int, int, int]] = []
    for (rid, page), node in draft.items():
        if out and out[-1][0] == rid and out[-1][2] == page and out[-1][3] == node:
            r = out[-1]
            out[-1] = (r[0], r[1], page + 1, r[3])
        else:
            out.append((rid, page, page + 1, node))
    return out


def draft_command(draft: dict[tuple[str, int], int], move_all: bool) -> str:
    """The command line that the composed request stands for."""
    parts = [f"{rid}[{a}]" if b == a + 1 else f"{rid}[{a}:{b}]" for rid, a, b, _ in runs(draft)]
    nodes = [n for *_, n in runs(draft)]
    body = ", ".join(f"{p} -> {n}" for p, n in zip(parts, nodes, strict=True))
    return f"move {body}" + (" all" if move_all else "")


class RequestPane(LivePane):
    """Shows the draft (or the call in progress) the way move_pages receives it."""

    def __init__(self, session: Session, **kwargs: object) -> None:
        super().__init__(session, **kwargs)
        self.draft: dict[tuple[str, int], int] = {}
        self.move_all = False

    def draw(self) -> RenderableType:
        """pages[] / nodes[] / flags."""
        t = Text()
        live = self.session.live
        if self.session.busy and live is not None:
            t.append("▶ in progress: ", "bold")
            # the request itself, not the command that started it (a prediction)
            t.append(request_command(live.op, self.session.regions()), "bold")
            t.append(f"\n  count={live.count} flags={live.flags:#x} "
                     f"events so far {live.events}\n")
            return t
        if not self.draft:
            t.append("request: (empty)\n", "bold")
            t.append("select pages (v to mark a range), press a node number,\n"
                     "then Enter to call move_pages; or type a command below.", DIM)
            t.append(f"\nflags: MPOL_MF_MOVE{'_ALL' if self.move_all else ''}  (a toggles)")
            return t
        t.append(f"request: {len(self.draft)} pages\n", "bold")
        t.append("pages[] = ")
        t.append(" ".join(f"{r}[{a}]" if b == a + 1 else f"{r}[{a}:{b}]"
                          for r, a, b, _ in runs(self.draft)[:12]))
        t.append("\nnodes[] = ")
        for _, a, b, n in runs(self.draft)[:12]:
            t.append(f"{n}" + (f"×{b - a}" if b - a > 1 else "") + " ", node_style(n))  # noqa: RUF001
        t.append(f"\nflags   = MPOL_MF_MOVE{'_ALL' if self.move_all else ''}  (a toggles)")
        t.append("\nEnter: call  c: clear", DIM)
        return t
