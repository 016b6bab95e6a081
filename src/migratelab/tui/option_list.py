"""An OptionList whose page keys work before it has a size (a Textual 8.2.8 workaround).

``OptionList._move_page`` (Textual 8.2.8, the newest release) looks the highlighted
option up in its line map, which ``OptionList._update_lines`` fills only once the
list has a non-empty content region. On a list that has no height, because the
terminal is short (level select at 80x12) or because it has just been filled and
not laid out yet, PgUp or PgDn raised ``KeyError`` and the app died. Reproducers:
``tests/tui/test_reliability_tui.py``.
"""

from __future__ import annotations

from textual._widget_navigation import Direction
from textual.widgets import OptionList


class PagedOptionList(OptionList):
    """An OptionList where paging a list that shows no line does nothing."""

    def _move_page(self, direction: Direction) -> None:
        """Page only when the highlighted option has a line to page from."""
        if (self.highlighted or 0) not in self._index_to_line:
            return  # no line laid out: there is no page to move by
        super()._move_page(direction)
