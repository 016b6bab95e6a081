"""The trace: one line per event in the kernel's tracepoint format, newest last.

Per-page events (isolations, each folio's move) are folded under their batch
into one ``▸ N per-page events`` line unless unfolded (``f``), so a THP split or
a 512-entry batch does not flood the pane. The current event is highlighted
and marked ``▶``. Lines are not wrapped.

While a call runs the pane turns like a page, as the request and status[] do:
new lines fill it downwards, and when it is full it turns so the newest line
is half way down, with the half page before it still in view. A log that
scrolled by a line per step would repaint every row of the pane at every step.
Between calls the pane shows the last lines.
"""

from __future__ import annotations

import bisect
from collections import Counter
from typing import TYPE_CHECKING

from rich.console import RenderableType
from textual.reactive import reactive

from migratelab.game.tracefmt import TraceLine
from migratelab.tui.style import DIM, LAST
from migratelab.tui.widgets.pane import LivePane
from migratelab.tui.widgets.rows import Rows

if TYPE_CHECKING:
    from migratelab.game.session import Session


def fold(lines: list[TraceLine], unfolded: bool,
         first: int = 0) -> list[tuple[str, str, int]]:
    """(text, kind, index) display lines; kind is ``note``, ``detail``, ``fold`` or
    ``event``, index the place in the trace of the line's first event (``lines[0]``
    is at ``first``).

    A finished run of per-page events folds to one line; the trailing run (the
    batch being built now) stays open.
    """
    out: list[tuple[str, str, int]] = []
    run: list[tuple[int, TraceLine]] = []

    def flush(last: bool = False) -> None:
        if not run:
            return
        if unfolded or last or len(run) == 1:
            out.extend(("  " + line.text, "detail", at) for at, line in run)
        else:
            kinds = Counter(line.text.split(":", 1)[0] for _, line in run)
            what = ", ".join(f"{k}×{n}" for k, n in kinds.items())  # noqa: RUF001
            out.append((f"  ▸ {len(run)} per-page events ({what}); f unfolds", "fold",
                        run[0][0]))
        run.clear()

    for at, line in enumerate(lines, first):
        if line.detail:
            run.append((at, line))
            continue
        flush()
        out.append((line.text, "note" if line.note else "event", at))
    flush(last=True)  # the run being built is what the player is watching
    return out


def page_top(starts: list[int], top: int | None, height: int) -> int:
    """The first of ``starts`` (display lines, by trace index) to show.

    The page stays while the line at its top (``top``) is still a display line
    and everything from it fits; otherwise it turns, putting the newest line
    half way down. (Not :func:`~migratelab.tui.style.window_start`, which the
    request and status[] use: it places a window by the cursor's position, and a
    trace line's position moves when the run before it folds into one line. The
    page is kept by its top line's trace index instead.)
    """
    count = len(starts)
    if count <= height:
        return 0
    if top is not None:
        i = bisect.bisect_left(starts, top)
        if i < count and starts[i] == top and count - i <= height:
            return i
    return count - (height + 1) // 2


class TracePane(LivePane):
    """The trace lines that fit, a page at a time while a call runs."""

    FIXED_HEIGHT = True
    unfolded: reactive[bool] = reactive(False, repaint=False)

    def __init__(self, session: Session, *, id: str | None = None) -> None:
        super().__init__(session, id=id)
        #: Trace index of the line at the top of the page (None: none shown yet).
        self._top: int | None = None

    def watch_unfolded(self) -> None:
        self.redraw()

    def on_resize(self) -> None:
        """The height decides how many lines are shown."""
        super().on_resize()
        self.refresh()

    def draw(self) -> RenderableType:
        """The page of the trace that holds the newest line."""
        height = max(1, self.content_size.height or 10)
        session = self.session
        # enough raw lines to fill the pane once folded (detail runs fold to one line)
        tail = list(session.trace)[-(height * 40):]
        lines = fold(tail, self.unfolded, session.trace_count - len(tail))
        if session.busy:
            start = page_top([at for _, _, at in lines], self._top, height)
        else:
            start = max(0, len(lines) - height)
        shown = lines[start:start + height]
        self._top = shown[0][2] if shown else None
        t = Rows(no_wrap=True, overflow="ellipsis")
        if not shown:
            t.append("trace: nothing yet (events appear as you step)", DIM)
        last = len(shown) - 1
        for i, (text, kind, _) in enumerate(shown):
            if i:
                t.append("\n")
            if i == last and session.busy:
                t.append("▶ " + text, LAST)
            elif kind in ("note", "fold"):
                t.append(text, DIM)
            else:
                t.append(text)
        return t
