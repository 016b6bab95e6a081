"""Help: generated from the key bindings, plus a move_pages primer and glossary."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.screen import ModalScreen
from textual.widgets import Footer, Markdown

from migratelab.tui.assets import read_asset


def bindings_markdown(groups: Iterable[tuple[str, list[BindingType]]]) -> str:
    """A Markdown table per group of bindings (only those with a description)."""
    out: list[str] = []
    for title, bindings in groups:
        rows = [b for b in bindings if isinstance(b, Binding) and b.description]
        if not rows:
            continue
        out.append(f"### {title}\n\n| keys | what | id |\n|---|---|---|")
        for b in rows:
            keys = ", ".join(k.strip() for k in b.key.split(","))
            out.append(f"| `{keys}` | {b.description} | {b.id or ''} |")
        out.append("")
    return "\n".join(out)


def help_markdown() -> str:
    """The whole help page."""
    from migratelab.tui.app import MigrateLabApp
    from migratelab.tui.screens.play import PlayScreen
    from migratelab.tui.widgets.address_space import LEGEND as AS_LEGEND
    from migratelab.tui.widgets.address_space import AddressSpace
    from migratelab.tui.widgets.frame_map import LEGEND as FM_LEGEND

    keys = bindings_markdown([
        ("Everywhere", list(MigrateLabApp.BINDINGS)),
        ("Play screen", list(PlayScreen.BINDINGS)),
        ("Address space pane", list(AddressSpace.BINDINGS)),
    ])
    return (f"# migratelab help\n\n## Keys\n\n{keys}\n"
            f"## Glyphs\n\n* address space: `{AS_LEGEND}`\n* nodes: `{FM_LEGEND}`\n\n"
            + read_asset("help.md"))


class HelpScreen(ModalScreen[None]):
    """Scrollable help."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,f1", "app.pop_screen", "Close help", id="help.close"),
    ]

    def compose(self) -> ComposeResult:
        """The generated Markdown."""
        yield Markdown(help_markdown(), id="help-md")
        yield Footer()

    def on_mount(self) -> None:
        """Focus the document so it scrolls with the keys."""
        try:
            self.query_one(Markdown).focus()
        except NoMatches:  # popped before it mounted (F1 then Escape in one burst)
            return
