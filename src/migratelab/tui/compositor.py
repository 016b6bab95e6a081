"""A compositor that asks each widget only for the rows of it that will be written.

Textual paints a partial frame in two halves. It decides which screen rows and
columns to write (the spans of the dirty regions), and it asks every widget that
overlaps the box around *all* dirty regions for *all* its visible lines. Only the
lines on a span are written; the rest are thrown away. A step on the play screen
dirties a row of the narration at the top and of the trace at the bottom, so that
box is the whole screen: every pane, column, scrollbar, footer and title bar
works out its backgrounds, walks its line cache and applies the line filters to
every line, about 0.1 to 0.8 ms a widget, for a frame that writes 10 to 20 rows.

:class:`DirtyRowsCompositor` writes the same spans with the same strips, but
asks a widget for its lines only if a span crosses it, and then only for the
rows from its first such span to its last. A widget's lines do not depend on
the crop it is asked for (each line is rendered on its own, from the widget's
line cache), so the frame written is the one Textual would write; a test
compares the two byte for byte.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from textual._compositor import ChopsUpdate, Compositor
from textual.geometry import Region
from textual.strip import Strip

#: Gaps of more rows than this between two dirty rows of one widget are not
#: rendered: the widget is asked twice instead (a call costs about as much as 8
#: cached lines).
_GAP = 8


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """``[start, end)`` runs covering the sorted ``rows``, bridging small gaps."""
    runs: list[tuple[int, int]] = []
    for y in rows:
        if runs and y - runs[-1][1] <= _GAP:
            runs[-1] = (runs[-1][0], y + 1)
        else:
            runs.append((y, y + 1))
    return runs


class DirtyRowsCompositor(Compositor):
    """Textual's compositor, rendering a partial frame one crossed widget at a time."""

    def render_partial_update(self) -> ChopsUpdate | None:
        """The rows and columns dirtied since the last frame, drawn again."""
        dirty = self._dirty_regions.copy()
        self._dirty_regions.clear()
        width, height = self.size
        spans = [(y, max(x1, 0), min(x2, width))
                 for y, x1, x2 in self._regions_to_spans(dirty)
                 if 0 <= y < height and x1 < width and x2 > 0]
        if not spans:
            return None
        on_row: dict[int, list[tuple[int, int]]] = {}
        for y, x1, x2 in spans:
            on_row.setdefault(y, []).append((x1, x2))
        cuts = self.cuts
        chops: list[dict[int, Strip | None]] = [{} for _ in range(height)]
        for y in on_row:
            chops[y] = dict.fromkeys(cuts[y][:-1])
        for widget, (region, clip) in self.visible_widgets.items():
            shown = region.intersection(clip)
            if not (shown.width and shown.height):
                continue
            left, right = shown.column_span
            rows = [y for y in shown.line_range
                    if any(x1 < right and x2 > left for x1, x2 in on_row.get(y, ()))]
            for top, bottom in _runs(rows):
                strips = widget.render_lines(Region(
                    left - region.x, top - region.y, shown.width, bottom - top))
                for y, strip in zip(range(top, bottom), strips, strict=False):
                    if y in on_row:
                        _place(chops[y], cuts[y], left, right, strip)
        chop_ends = [cut_set[1:] for cut_set in cuts]
        frame: Sequence[Mapping[int, Strip | None]] = chops
        return ChopsUpdate(frame, spans, chop_ends)


def _place(line: dict[int, Strip | None], cuts: list[int], left: int, right: int,
           strip: Strip) -> None:
    """Cut a widget's ``strip`` (columns ``[left, right)``) at the line's cuts.

    Widgets come front to back: a piece already placed by a widget in front stays.
    """
    inside = [cut for cut in cuts if left <= cut <= right]
    pieces = strip.divide([cut - left for cut in inside[1:]])
    for cut, piece in zip(inside, pieces, strict=False):
        if line.get(cut) is None:
            line[cut] = piece
