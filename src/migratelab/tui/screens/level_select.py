"""Level select: chapters, levels, solved marks and par stars."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from migratelab.tui.messages import LevelChosen
from migratelab.tui.screens.results import stars_text

if TYPE_CHECKING:
    from migratelab.game.progress import Progress
    from migratelab.tui.world import PlayLevel


class LevelSelectScreen(Screen[None]):
    """Levels grouped by chapter; the next unsolved one is highlighted."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "app.pop_screen", "Back", id="levels.back"),
    ]

    def __init__(self, levels: list[PlayLevel], progress: Progress) -> None:
        super().__init__()
        self.levels = levels
        self.progress = progress

    def compose(self) -> ComposeResult:
        """Heading, list, footer."""
        yield Static("Choose a level   (✔ solved, ★ par stars, · unsolved)", id="levels-head")
        yield OptionList(id="level-list")
        yield Footer()

    def on_mount(self) -> None:
        """Fill the list."""
        self.populate()

    def on_screen_resume(self) -> None:
        """Refresh marks after playing."""
        self.populate()

    def populate(self) -> None:
        """Rebuild the options and highlight the next unsolved level."""
        try:
            ol = self.query_one(OptionList)
        except NoMatches:  # resumed or mounted while being torn down (a key burst)
            return
        ol.clear_options()
        chapter = None
        target: int | None = None
        count = 0
        for i, lv in enumerate(self.levels):
            if lv.chapter != chapter:
                chapter = lv.chapter
                ol.add_option(Option(Text(f"── {chapter} ──", style="bold"), disabled=True))
                count += 1
            rec = self.progress.solved.get(lv.key())
            mark = Text()
            if rec is not None:
                mark.append(f"✔ {stars_text(rec.stars)} ", "green")
            else:
                mark.append("·  ☆☆☆ ", "bright_black")
            mark.append(lv.title)
            if rec is not None:
                mark.append(f"  ({rec.syscalls} syscalls)", "bright_black")
            ol.add_option(Option(mark, id=f"level-{i}"))
            if rec is None and target is None:
                target = count
            count += 1
        ol.highlighted = target if target is not None else (1 if count > 1 else 0)
        ol.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Open the chosen level."""
        oid = event.option.id or ""
        if oid.startswith("level-"):
            self.post_message(LevelChosen(self.levels[int(oid[6:])]))
