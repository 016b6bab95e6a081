"""The level's goal, par, score so far and the hints revealed."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rich.console import RenderableType
from rich.text import Text
from textual.reactive import reactive

from migratelab.game.commands import EXAMPLE_PREDICTION
from migratelab.tui.style import DIM
from migratelab.tui.widgets.pane import LivePane

if TYPE_CHECKING:
    from migratelab.game.session import Session
    from migratelab.tui.world import PlayLevel


def _reflow(markdown: str) -> str:
    """Plain text of a story: paragraphs kept, the file's line breaks inside them
    joined, emphasis and code marks dropped (the pane wraps to its own width)."""
    text = re.sub(r"\*(\S[^*]*)\*", r"\1", markdown.strip().replace("**", "").replace("`", ""))
    paragraphs = re.split(r"\n\s*\n", text)
    return "\n\n".join(" ".join(line.strip() for line in p.splitlines()) for p in paragraphs)


class GoalPane(LivePane):
    """Goal text, whether it is met, and the hint ladder so far."""

    def __init__(self, session: Session, level: PlayLevel, *,
                 id: str | None = None) -> None:
        super().__init__(session, id=id)
        self.level = level

    hints_shown: reactive[int] = reactive(0, repaint=False)

    def watch_hints_shown(self) -> None:
        self.redraw()

    def draw(self) -> RenderableType:
        """Goal panel."""
        t = Text()
        t.append(f"{self.level.title}\n", "bold")
        if self.level.story:
            t.append(_reflow(self.level.story) + "\n\n")
        t.append("Goal: ", "bold")
        t.append(self.level.goal_text + "\n")
        if self.session.predict_request is not None and self.session.prediction is None:
            t.append("Answer first on the command line, e.g. ", DIM)
            t.append(EXAMPLE_PREDICTION, "bold")
            t.append("; the request then runs step by step.\n", DIM)
        met, detail = self.session.goal() if not self.session.busy else (False, "running…")
        if self.level.goal_check is not None:  # no red "not yet" where there is no goal
            t.append("✔ met" if met else "✘ not yet", "bold green" if met else "bold red")
            t.append(f"  {detail}\n", DIM)
        par = self.level.par
        t.append(f"syscalls {self.session.syscalls}" + (f" / par {par}" if par else "") +
                 f"   moved {self.session.pages_moved}"
                 f"   migrate_pages calls {self.session.migrate_calls}\n")
        for i, hint in enumerate(self.level.hints[: self.hints_shown]):
            t.append(f"hint {i + 1}: ", "bold yellow")
            t.append(hint + "\n")
        if self.hints_shown < len(self.level.hints):
            t.append(f"(h: hint {self.hints_shown + 1} of {len(self.level.hints)})", DIM)
        return t
