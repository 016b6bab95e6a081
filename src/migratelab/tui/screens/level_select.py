"""Level select: chapters, levels, solved marks and par stars, and a preview of the
highlighted level (its chapter, profile, source and the start of its story), so a
player knows what they pick."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar

from rich.console import Group, RenderableType
from rich.markdown import Markdown
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from migratelab.tui.messages import LevelChosen
from migratelab.tui.option_list import PagedOptionList
from migratelab.tui.screens.results import stars_text
from migratelab.tui.style import DIM
from migratelab.tui.widgets.footer import KeysFooter

if TYPE_CHECKING:
    from migratelab.game.progress import Progress
    from migratelab.tui.world import PlayLevel

#: How much of the story and of the source (which can be a whole paragraph) the
#: preview shows, in characters: below the list (narrow) and beside it (wide).
NARROW = (420, 120)
WIDE = (2400, 600)


def _calls(n: int) -> str:
    return f"{n} syscall" if n == 1 else f"{n} syscalls"


def _clip(text: str, limit: int) -> str:
    """``text`` cut at a word boundary near ``limit``, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + " …"


def story_start(story: str, limit: int) -> str:
    """The first paragraphs of a Markdown story that fit in ``limit`` characters
    (always at least the first, clipped); the file's line breaks inside a paragraph
    are joined so the preview wraps to its own width."""
    paragraphs = [" ".join(line.strip() for line in p.splitlines())
                  for p in re.split(r"\n\s*\n", story.strip()) if p.strip()]
    out: list[str] = []
    used = 0
    for para in paragraphs:
        if out and used + len(para) > limit:
            out.append("…")
            break
        out.append(_clip(para, limit) if not out else para)
        used += len(para)
    return "\n\n".join(out)


def preview(level: PlayLevel, progress: Progress, sizes: tuple[int, int] = NARROW
            ) -> RenderableType:
    """What level select shows about ``level``: chapter, title, profile and score,
    source, and the start of the story (``sizes``: characters of story and source)."""
    story_chars, source_chars = sizes
    head = Text()
    head.append(f"{level.chapter}\n", DIM)
    head.append(f"{level.title}\n", "bold")
    rec = progress.solved.get(level.key())
    if level.profile:
        head.append("profile ", DIM)
        head.append(level.profile, "bold")
        head.append("   ")
    if rec is not None:
        head.append(f"✔ solved {stars_text(rec.stars)} ({_calls(rec.syscalls)})", "green")
    else:
        head.append("not solved yet", DIM)
    if level.par:
        head.append(f"   par {level.par}", DIM)
    head.append("\n")
    if level.source:
        head.append("Source: ", "bold")
        head.append(_clip(" ".join(level.source.split()), source_chars) + "\n")
    return Group(head, Markdown(story_start(level.story, story_chars)))


class LevelSelectScreen(Screen[None]):
    """Levels grouped by chapter; the next unsolved one is highlighted and previewed."""

    DEFAULT_CSS = """
    LevelSelectScreen #level-body { height: 1fr; }
    LevelSelectScreen #level-list { height: 1fr; }
    LevelSelectScreen #level-preview {
        height: 11; padding: 0 1; border-top: solid $primary; overflow: hidden;
    }
    LevelSelectScreen.-wide #level-body { layout: horizontal; }
    LevelSelectScreen.-wide #level-list { width: 56; }
    LevelSelectScreen.-wide #level-preview {
        width: 1fr; height: 1fr; border-top: none; padding: 0 2;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "app.pop_screen", "Back", id="levels.back"),
    ]

    def __init__(self, levels: list[PlayLevel], progress: Progress) -> None:
        super().__init__()
        self.levels = levels
        self.progress = progress

    def compose(self) -> ComposeResult:
        """Heading, list beside (wide) or above (narrow) the preview, footer."""
        yield Static("Choose a level   (✔ solved, ★ par stars, · unsolved)", id="levels-head")
        with Container(id="level-body"):
            yield PagedOptionList(id="level-list")
            yield Static(id="level-preview")
        yield KeysFooter()

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
                mark.append(f"  ({_calls(rec.syscalls)})", "bright_black")
            ol.add_option(Option(mark, id=f"level-{i}"))
            if rec is None and target is None:
                target = count
            count += 1
        ol.highlighted = target if target is not None else (1 if count > 1 else 0)
        self.show_preview(ol.highlighted)
        ol.focus()

    def _level_at(self, index: int | None) -> PlayLevel | None:
        ol = self.query_one(OptionList)
        if index is None or not 0 <= index < ol.option_count:
            return None
        oid = ol.get_option_at_index(index).id or ""
        return self.levels[int(oid[6:])] if oid.startswith("level-") else None

    def show_preview(self, index: int | None) -> None:
        """Preview the level at option ``index`` (nothing for a chapter heading)."""
        level = self._level_at(index)
        pane = self.query_one("#level-preview", Static)
        sizes = WIDE if self.has_class("-wide") else NARROW
        pane.update(preview(level, self.progress, sizes) if level is not None else "")

    def on_resize(self) -> None:
        """The breakpoint decides how much the preview shows."""
        ol = self.query_one(OptionList)
        self.show_preview(ol.highlighted)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """Follow the highlight."""
        self.show_preview(event.option_index)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Open the chosen level."""
        level = self._level_at(event.option_index)
        if level is not None:
            self.post_message(LevelChosen(level))
