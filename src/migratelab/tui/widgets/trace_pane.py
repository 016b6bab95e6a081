"""The trace: one line per event in the kernel's tracepoint format, newest last.

Per-page events (isolations, each folio's move) are folded under their batch
into one ``▸ N per-page events`` line unless unfolded (``f``), so a THP split or
a 512-entry batch does not flood the pane. The current event is highlighted
and marked ``▶``. Lines are not wrapped.
"""

from __future__ import annotations

from collections import Counter

from rich.console import RenderableType
from textual.reactive import reactive

from migratelab.game.tracefmt import TraceLine
from migratelab.tui.style import DIM, LAST
from migratelab.tui.widgets.pane import LivePane
from migratelab.tui.widgets.rows import Rows


def fold(lines: list[TraceLine], unfolded: bool) -> list[tuple[str, str]]:
    """(text, kind) display lines; kind is ``note``, ``detail``, ``fold`` or ``event``.

    A finished run of per-page events folds to one line; the trailing run (the
    batch being built now) stays open.
    """
    out: list[tuple[str, str]] = []
    run: list[TraceLine] = []

    def flush(last: bool = False) -> None:
        if not run:
            return
        if unfolded or last or len(run) == 1:
            out.extend(("  " + line.text, "detail") for line in run)
        else:
            kinds = Counter(line.text.split(":", 1)[0] for line in run)
            what = ", ".join(f"{k}×{n}" for k, n in kinds.items())  # noqa: RUF001
            out.append((f"  ▸ {len(run)} per-page events ({what}); f unfolds", "fold"))
        run.clear()

    for line in lines:
        if line.detail:
            run.append(line)
            continue
        flush()
        out.append((line.text, "note" if line.note else "event"))
    flush(last=True)  # the run being built is what the player is watching
    return out


class TracePane(LivePane):
    """As many trailing trace lines as fit."""

    FIXED_HEIGHT = True
    unfolded: reactive[bool] = reactive(False, repaint=False)

    def watch_unfolded(self) -> None:
        self.redraw()

    def on_resize(self) -> None:
        """The height decides how many lines are shown."""
        super().on_resize()
        self.refresh()

    def draw(self) -> RenderableType:
        """Last lines of the trace."""
        height = max(1, self.content_size.height or 10)
        trace = self.session.trace
        # enough raw lines to fill the pane once folded (detail runs fold to one line)
        tail = list(trace)[-(height * 40):]
        shown = fold(tail, self.unfolded)[-height:]
        t = Rows(no_wrap=True, overflow="ellipsis")
        if not shown:
            t.append("trace: nothing yet (events appear as you step)", DIM)
        last = len(shown) - 1
        for i, (text, kind) in enumerate(shown):
            if i:
                t.append("\n")
            if i == last and self.session.busy:
                t.append("▶ " + text, LAST)
            elif kind in ("note", "fold"):
                t.append(text, DIM)
            else:
                t.append(text)
        return t
