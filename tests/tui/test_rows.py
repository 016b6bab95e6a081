"""Rows, text_rows, Flow and window_start, checked against rich itself.

A pane's drawing is built as Rows and cut into rows by ``text_rows`` instead
of rich's Text and ``Text.wrap``; the screen must not change by it. Rich's own
appending and wrapping are the independent answer here.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from migratelab.tui.style import Flow, window_start
from migratelab.tui.widgets.rows import Rows, row_segments, text_rows

CONSOLE = Console(width=200)
STYLES = [None, "", "bold", Style(color="red"), Style(underline=True, bold=True)]
#: Words with the characters panes draw (wide "⟦" is one cell; "→" too).
WORDS = st.text(alphabet="ab ▶⟦⟧→[]:0\n", max_size=14)
PARTS = st.lists(st.tuples(WORDS, st.sampled_from(STYLES), st.booleans()), max_size=20)


def _spans(line: Text) -> list[object]:
    """The spans that style a cell (rich keeps some empty ones, which style nothing)."""
    return [span for span in line.spans if span.end > span.start]


def _both(parts: list[tuple[str, object, bool]]) -> tuple[Rows, Text]:
    rows, text = Rows(), Text()
    for s, style, as_text in parts:
        if as_text:  # append_text of a styled piece, as ret_text() is appended
            piece = Text(s, style=style or "")  # type: ignore[arg-type]
            rows.append_text(piece)
            text.append_text(piece)
        else:
            rows.append(s, style)  # type: ignore[arg-type]
            text.append(s, style)  # type: ignore[arg-type]
    return rows, text


@given(PARTS)
def test_rows_are_the_lines_of_the_same_text_appended(
        parts: list[tuple[str, object, bool]]) -> None:
    rows, text = _both(parts)
    lines = list(text.split("\n", allow_blank=True))
    assert [r.plain for r in rows.rows] == [line.plain for line in lines]
    assert [_spans(r) for r in rows.rows] == [_spans(line) for line in lines]
    assert rows.plain == text.plain


@given(PARTS, st.integers(min_value=1, max_value=30), st.booleans())
def test_text_rows_are_the_lines_rich_wraps_to(parts: list[tuple[str, object, bool]],
                                               width: int, no_wrap: bool) -> None:
    rows, text = _both(parts)
    rows.no_wrap = text.no_wrap = no_wrap
    expected = text.wrap(CONSOLE, width, overflow="ellipsis" if no_wrap else None,
                         no_wrap=no_wrap)
    for drawing in (rows, text):
        got = text_rows(drawing, width, CONSOLE)
        assert [r.plain for r in got] == [line.plain for line in expected]
        assert [_spans(r) for r in got] == [_spans(line) for line in expected]


def test_text_rows_never_changes_the_drawing() -> None:
    rows = Rows(no_wrap=True).append("x" * 40 + "\nshort")
    text_rows(rows, 10, CONSOLE)
    assert rows.plain == "x" * 40 + "\nshort"  # cut rows are copies


@given(st.lists(st.integers(min_value=0, max_value=12), max_size=40),
       st.integers(min_value=1, max_value=40), st.integers(min_value=0, max_value=20))
def test_flow_never_splits_an_item_nor_passes_the_width(sizes: list[int], width: int,
                                                        spare: int) -> None:
    t = Text()
    flow = Flow(t, width)
    for i, size in enumerate(sizes):
        flow.item([(str(i % 10) * size, "")], spare=spare)
    for line in t.plain.split("\n"):
        # a row holds whole items; only an item wider than the row passes it
        assert len(line) <= width or len(set(line)) == 1


@given(st.integers(min_value=0, max_value=500), st.integers(min_value=1, max_value=64),
       st.integers(min_value=0, max_value=600))
def test_the_window_shows_the_cursor_and_turns_by_half_a_window(cursor: int, size: int,
                                                                extra: int) -> None:
    count = cursor + 1 + extra
    start = window_start(cursor, size, count)
    assert 0 <= start <= cursor < start + size
    if start + size < count and cursor >= size:
        assert start % max(1, size // 2) == (-(size // 4)) % max(1, size // 2)
    # the next entry moves the window only when it crosses a half-window line
    if cursor + 1 < count and (cursor + 1) % max(1, size // 2):
        assert window_start(cursor + 1, size, count) == start
    assert window_start(None, size, count) == 0


SPAN_STYLES = st.sampled_from(["bold", "red on blue", Style(italic=True), "", "not a style"])


UNDER = st.sampled_from([None, Style.null(), Style(bgcolor="black"), Style(color="red", bold=True)])


def _rich(row: Text, under: Style | None) -> list[Segment]:
    """What the pane drew before: rich's render, then the pane's style beneath."""
    return list(Strip(list(row.render(CONSOLE))).apply_style(under or Style.null()))


def _cells(segments: list[Segment]) -> list[Segment]:
    """The same characters in the same styles, however they are cut into segments
    (rich cuts at an empty span; the screen shows no difference)."""
    return list(Segment.simplify(segments))


@given(st.text(alphabet="ab ▶⟦→:0", max_size=24), st.sampled_from(["", "dim", "bold red"]),
       st.lists(st.tuples(st.integers(0, 26), st.integers(0, 8), SPAN_STYLES), max_size=8),
       UNDER)
def test_row_segments_are_the_segments_rich_renders(text: str, style: str,
                                                    spans: list[tuple[int, int, object]],
                                                    under: Style | None) -> None:
    from rich.text import Span

    row = Text(text, style=style,
               spans=[Span(min(a, len(text)), min(a + n, len(text)), s)  # type: ignore[arg-type]
                      for a, n, s in spans])  # (rich fails on a span past the end)
    assert _cells(row_segments(row, CONSOLE, under)) == _cells(_rich(row, under))


@given(PARTS, UNDER)
def test_row_segments_of_rows_built_from_parts(parts: list[tuple[str, object, bool]],
                                               under: Style | None) -> None:
    rows, _ = _both(parts)
    for row in rows.rows:
        assert _cells(row_segments(row, CONSOLE, under)) == _cells(_rich(row, under))


@given(PARTS, PARTS)
def test_a_drawing_reusing_the_last_has_the_rows_it_would_build(
        last_parts: list[tuple[str, object, bool]],
        parts: list[tuple[str, object, bool]]) -> None:
    last, _ = _both(last_parts)
    last_rows = last.rows
    fresh, _ = _both(parts)
    same = fresh.reuse(last)
    assert same or parts != last_parts  # (different inputs can make the same parts)
    built = fresh.rows if not same else last_rows
    assert [(r.plain, _spans(r)) for r in built] == [
        (r.plain, _spans(r)) for r in _both(parts)[0].rows]
    # a row whose parts did not change keeps the last drawing's Text (compared by identity)
    if not same:
        for i, row in enumerate(fresh.rows):
            if i < len(last._parts) and fresh._parts[i] == last._parts[i]:
                assert row is last_rows[i]
