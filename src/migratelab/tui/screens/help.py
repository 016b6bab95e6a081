"""Help: generated from the key bindings, plus a move_pages primer and glossary."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.style import Style
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.keys import format_key, key_to_character
from textual.screen import ModalScreen
from textual.widgets import Markdown

from migratelab.game.commands import EXAMPLE_PREDICTION
from migratelab.tui.assets import read_asset
from migratelab.tui.widgets.footer import KeysFooter

#: How people write the keys Textual names (``question_mark`` is ``?``).
KEY_NAMES = {
    "enter": "Enter", "escape": "Esc", "tab": "Tab", "space": "Space",
    "backspace": "Backspace", "delete": "Del", "home": "Home", "end": "End",
    "pageup": "PgUp", "pagedown": "PgDn", "up": "↑", "down": "↓", "left": "←", "right": "→",
}


def key_name(key: str) -> str:
    """``question_mark`` -> ``?``, ``ctrl+q`` -> ``Ctrl+Q``, ``f1`` -> ``F1``, ``R`` -> ``R``."""
    *mods, base = key.strip().split("+") if key.strip() != "+" else ["+"]
    if base in KEY_NAMES:
        name = KEY_NAMES[base]
    elif len(base) == 1:
        name = base
    elif base[0] == "f" and base[1:].isdigit():
        name = base.upper()
    else:
        shown = key_to_character(base) or format_key(base)
        name = shown if len(shown) == 1 else base.replace("_", " ")
    if mods:
        return "+".join(m.capitalize() for m in mods) + "+" + (name.upper() if len(name) == 1
                                                                else name)
    return name


def _keys(binding: Binding) -> str:
    return ", ".join(f"`{key_name(k)}`" for k in binding.key.split(",") if k.strip())


def bindings_markdown(groups: Iterable[tuple[str, list[BindingType]]]) -> str:
    """A Markdown table per group of bindings (those with a description).

    Keys are written as people write them; a run of bindings that differ only in
    a digit (``0`` .. ``9``: send to node N) is one row; a key and description
    already listed in an earlier group is not repeated.
    """
    out: list[str] = []
    seen: set[tuple[str, str]] = set()
    for title, bindings in groups:
        rows: list[tuple[str, str]] = []
        for b in bindings:
            if not isinstance(b, Binding) or not b.description:
                continue
            keys, what = _keys(b), b.tooltip or b.description
            if b.key.isdigit() and rows and rows[-1][1] == what.replace(b.key, "N"):
                first = rows[-1][0].split(" ")[0]
                rows[-1] = (f"{first} … `{b.key}`", rows[-1][1])
                continue
            if b.key.isdigit():
                what = what.replace(b.key, "N")
            if (keys, what) not in seen:
                seen.add((keys, what))
                rows.append((keys, what))
        if not rows:
            continue
        out.append(f"### {title}\n\n| keys | what |\n|---|---|")
        out.extend(f"| {keys} | {what} |" for keys, what in rows)
        out.append("")
    return "\n".join(out)


def _look(style: Style) -> str:
    """What a glyph's style adds that plain text cannot show."""
    words = []
    if style.reverse:
        words.append("reverse video")
    if style.underline:
        words.append("underlined")
    if style.bgcolor is not None:
        words.append(f"on {style.bgcolor.name}")
    return f" ({', '.join(words)})" if words else ""


def legend_markdown(entries: Iterable[tuple[str, Style, str]]) -> str:
    """A pane's legend as Markdown: ``` `T` THP · `H` hugetlb ...```."""
    return " · ".join(f"`{glyph}` {words}{_look(style)}" for glyph, style, words in entries)


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
            f"## Glyphs\n\n* address space: {legend_markdown(AS_LEGEND)}\n"
            f"* nodes (one cell = 2 MiB): {legend_markdown(FM_LEGEND)}\n\n"
            + read_asset("help.md").replace("{example_prediction}", EXAMPLE_PREDICTION))


class HelpScreen(ModalScreen[None]):
    """Scrollable help."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,f1", "app.pop_screen", "Close help", id="help.close"),
    ]

    def compose(self) -> ComposeResult:
        """The generated Markdown."""
        yield Markdown(help_markdown(), id="help-md")
        yield KeysFooter()

    def on_mount(self) -> None:
        """Focus the document so it scrolls with the keys."""
        try:
            self.query_one(Markdown).focus()
        except NoMatches:  # popped before it mounted (F1 then Escape in one burst)
            return
