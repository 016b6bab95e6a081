"""A pane's drawing as rows, and cutting a drawing into the rows it takes at a width.

A pane repaints the rows that changed since its last drawing, so it needs its
drawing as rows. A rich :class:`~rich.text.Text` made in one piece must be split
at each newline, and rich's split costs more than most drawings; a
:class:`Rows` is built row by row with the same calls (``append``,
``append_text``), so nothing is split.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Span, Text

if TYPE_CHECKING:
    from rich.console import Console, OverflowMethod

#: One run of a row: its characters, their style, and spans inside it (from a Text).
Part = tuple[str, "str | Style | None", tuple[Span, ...]]


class Rows:
    """A drawing built row by row; a newline in appended text starts a row.

    The parts are kept as plain strings and styles, and each row becomes one
    rich Text when the rows are first asked for: appending to a Text part by
    part costs more than the rest of most drawings.
    """

    __slots__ = ("_built", "_parts", "no_wrap", "overflow")

    def __init__(self, *, no_wrap: bool = False, overflow: OverflowMethod | None = None) -> None:
        self._parts: list[list[Part]] = [[]]
        self._built: list[Text] | None = None
        #: As rich's Text: cut a row too long (with ``overflow``) rather than wrap it.
        self.no_wrap = no_wrap
        self.overflow: OverflowMethod | None = overflow

    def append(self, text: str, style: str | Style | None = None) -> Rows:
        """Add ``text`` in ``style`` to the last row (a newline starts the next)."""
        self._built = None
        if "\n" not in text:
            self._parts[-1].append((text, style, ()))
            return self
        first, *rest = text.split("\n")
        self._parts[-1].append((first, style, ()))
        for part in rest:
            self._parts.append([(part, style, ())])
        return self

    def append_text(self, text: Text) -> Rows:
        """Add a styled text to the last row (a newline in it starts the next)."""
        self._built = None
        if "\n" not in text.plain:
            self._parts[-1].append(_part(text))
            return self
        for i, piece in enumerate(text.split("\n", allow_blank=True)):
            if i:
                self._parts.append([])
            self._parts[-1].append(_part(piece))
        return self

    @property
    def rows(self) -> list[Text]:
        """One Text per row."""
        if self._built is None:
            self._built = [_row(parts) for parts in self._parts]
        return self._built

    @property
    def plain(self) -> str:
        """The drawing's characters, rows joined by newlines."""
        return "\n".join(row.plain for row in self.rows)

    def __str__(self) -> str:
        return self.plain

    def reuse(self, last: Rows) -> bool:
        """Take ``last``'s built rows where a row's parts are the same; True if all are.

        A step changes a row or two of a pane: the other rows keep their Text
        objects, so building and comparing them costs nothing.
        """
        if (self.no_wrap, self.overflow) != (last.no_wrap, last.overflow):
            return False
        if self._parts == last._parts:
            self._built = last._built
            return True
        built, old = last._built, last._parts
        if built is not None:
            self._built = [built[i] if i < len(old) and parts == old[i] else _row(parts)
                           for i, parts in enumerate(self._parts)]
        return False

    def __rich__(self) -> Text:
        """One text (for anything that prints the drawing as a whole)."""
        return Text("\n", no_wrap=self.no_wrap, overflow=self.overflow).join(self.rows)


def _part(text: Text) -> Part:
    """A styled text as a part (compared with its style: rich's ``Text.__eq__``
    compares only the characters and the spans)."""
    return (text.plain, text.style or None, tuple(text.spans))


def _row(parts: list[Part]) -> Text:
    """One row's parts as a Text: the spans ``Text.append`` would have made."""
    pieces: list[str] = []
    spans: list[Span] = []
    at = 0
    for plain, style, inner in parts:
        if style and plain:
            spans.append(Span(at, at + len(plain), style))
        spans.extend(Span(at + s.start, at + s.end, s.style) for s in inner if s.end > s.start)
        pieces.append(plain)
        at += len(plain)
    return Text("".join(pieces), spans=spans)


def cells(text: str) -> int:
    """Terminal cells ``text`` takes (one per character when it is ASCII)."""
    return len(text) if text.isascii() else cell_len(text)


def fits(text: str, width: int) -> bool:
    """``text`` takes at most ``width`` cells (no character takes more than two)."""
    return 2 * len(text) <= width or cells(text) <= width


def text_rows(drawing: Text | Rows, width: int, console: Console) -> list[Text]:
    """The rows ``drawing`` takes at ``width``; a row that fits is left as drawn.

    The same rows as rich's ``Text.wrap``, for less: most rows of a pane fit,
    and rich's wrap divides and justifies every one. Rows are never changed in
    place (a drawing is compared with the next one).
    """
    lines = drawing.rows if isinstance(drawing, Rows) \
        else drawing.split("\n", allow_blank=True)
    rows: list[Text] = []
    for line in lines:
        if fits(line.plain, width):
            rows.append(line)
        elif drawing.no_wrap:
            cut = line.copy()
            cut.truncate(width, overflow=drawing.overflow or "ellipsis")
            rows.append(cut)
        else:
            rows.extend(line.wrap(console, width, overflow=drawing.overflow))
    return rows


def row_segments(row: Text, console: Console, under: Style | None = None) -> list[Segment]:
    """The segments rich's ``Text.render`` makes of one row, with ``under``
    beneath every style (as ``Segment.apply_style`` puts it), for less.

    A row built from parts has spans that follow each other without overlap;
    then each cell has the row's style plus at most one span's, and rich's
    general walk (sorting span edges, a stack of open spans) is not needed. A
    row uses a few styles many times, so each is combined once. Any other row
    (a span inside another, out of order) is rendered by rich.
    """
    text = row.plain
    spans = row.spans
    end = 0
    for span in spans:
        if span.start < end or span.end > len(text):
            return list(Segment.apply_style(row.render(console), under or None))
        end = max(end, span.end)
    if not spans:
        return [Segment(text, under or None)]
    null = Style.null()
    base = console.get_style(row.style, default=null)
    if under:
        base = under + base
    combined: dict[str | Style, Style] = {}
    out: list[Segment] = []
    at = 0
    for span in spans:
        if span.end <= span.start:
            continue
        if span.start > at:
            out.append(Segment(text[at:span.start], base))
        style = combined.get(span.style)
        if style is None:
            style = combined[span.style] = base + console.get_style(span.style, default=null)
        out.append(Segment(text[span.start:span.end], style))
        at = span.end
    if at < len(text):
        out.append(Segment(text[at:], base))
    return out
