"""One-line and short panes: the narration of the last event, and explain answers."""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text
from textual.reactive import reactive

from migratelab.tui.style import BOLD, DIM
from migratelab.tui.widgets.pane import LivePane
from migratelab.tui.widgets.rows import Rows


class Narration(LivePane):
    """The last event in plain words, with the kernel function that did it."""

    DEFAULT_CLASSES = ""
    FIXED_HEIGHT = True

    def draw(self) -> RenderableType:
        """``▸ add_page_for_migration(): A[100] ...``."""
        live = self.session.live
        t = Rows(no_wrap=True, overflow="ellipsis")
        if live is None or (not live.narration and not live.done):
            t.append("▸ ", BOLD)
            t.append("compose a request and press Enter; then s steps one event, "
                     "n to the end of the batch, r runs, e runs to the end", DIM)
        elif live.done:
            t.append("▸ ", BOLD)
            t.append(f"move_pages() returned {live.ret}"
                     + (f" with errno {live.errno}" if live.errno else "")
                     + ": status[] holds each entry's answer; explain N says why")
        else:
            t.append(f"▸ event {live.events}: ", BOLD)
            t.append(live.narration)
        return t


class ExplainPane(LivePane):
    """The answer to ``explain N``: why status[N] holds its value."""

    answer: reactive[str] = reactive("", repaint=False)

    def watch_answer(self, answer: str) -> None:
        self.display = bool(answer)
        self.redraw()

    def on_mount(self) -> None:
        """Hidden until there is an answer."""
        self.display = bool(self.answer)

    def draw(self) -> RenderableType:
        """Title line bold, then the reasons."""
        title, _, rest = self.answer.partition("\n")
        t = Text()
        t.append(title, BOLD)
        if rest:
            t.append("\n" + rest)
        return t
