"""The player's prediction beside the kernel's answer, cell by cell.

A differing cell is marked by a glyph (``✘``) as well as by colour, so the table
reads the same without colour (a projector, a monochrome terminal, a colour-blind
player). Long arrays show every differing cell and fold the equal ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from migratelab.tui.style import DIM

#: What a prediction field is called in the table.
FIELD_LABELS = {"ret": "ret", "errno": "errno", "status": "status", "after_nodes": "after"}
#: Arrays up to this long are shown whole; longer ones show their differing cells only.
SHOW_ALL = 16
NOT_GIVEN = "—"


class PredictionLike(Protocol):
    """The command line's ``predict`` answer (``migratelab.game.commands.Predict``)."""

    @property
    def ret(self) -> int | None: ...
    @property
    def errno(self) -> str | None: ...
    @property
    def status(self) -> tuple[str, ...] | None: ...
    @property
    def after_nodes(self) -> tuple[str, ...] | None: ...


@dataclass(frozen=True, slots=True)
class PredictionCell:
    """One cell: ``status[1]`` predicted ``1``, the kernel wrote ``-EBUSY``."""

    label: str
    predicted: str
    actual: str

    @property
    def same(self) -> bool:
        """The prediction was right for this cell."""
        return self.predicted == self.actual


def compare(prediction: PredictionLike, record: Mapping[str, Any],
            check: Sequence[str]) -> tuple[PredictionCell, ...]:
    """Cells of the checked fields: ``ret``, ``errno`` and one per array slot.

    ``record`` is the finished call's record (``ret``, ``errno``, ``status_str``,
    ``after_nodes_str``). A field the player left out shows as ``—`` and differs.
    """
    cells: list[PredictionCell] = []
    for name in check:
        if name == "ret":
            cells.append(PredictionCell(
                "ret", NOT_GIVEN if prediction.ret is None else str(prediction.ret),
                str(record.get("ret"))))
        elif name == "errno":
            cells.append(PredictionCell("errno", prediction.errno or "none",
                                        str(record.get("errno") or "none")))
        elif name in ("status", "after_nodes"):
            given = getattr(prediction, name)
            actual = list(record.get(f"{name}_str") or [])
            n = max(len(actual), len(given or ()))
            for i in range(n):
                cells.append(PredictionCell(
                    f"{FIELD_LABELS[name]}[{i}]",
                    given[i] if given is not None and i < len(given) else NOT_GIVEN,
                    actual[i] if i < len(actual) else "(none)"))
    return tuple(cells)


def verdict(cells: Sequence[PredictionCell]) -> str:
    """``✔ every cell matches`` or ``✘ 2 of 5 cells differ``."""
    wrong = sum(1 for c in cells if not c.same)
    if not wrong:
        return f"✔ every cell matches ({len(cells)} of {len(cells)})"
    return f"✘ {wrong} of {len(cells)} cell{'s' if len(cells) != 1 else ''} differ"


def table(cells: Sequence[PredictionCell]) -> RenderableType:
    """A Rich table: cell, your prediction, the kernel's answer, a mark."""
    t = Table(box=None, padding=(0, 2, 0, 0), show_edge=False, pad_edge=False)
    t.add_column("cell", style="bold", no_wrap=True)
    t.add_column("you", no_wrap=True)
    t.add_column("kernel", no_wrap=True)
    t.add_column("", no_wrap=True)
    folded = 0
    array_len = sum(1 for c in cells if "[" in c.label)
    for c in cells:
        if c.same and "[" in c.label and array_len > SHOW_ALL:
            folded += 1
            continue
        style = "" if c.same else "bold red"
        t.add_row(c.label, Text(c.predicted, style), Text(c.actual, "green" if c.same else
                                                             "bold"),
                  Text("✔", "green") if c.same else Text("✘ differs", "bold red"))
    if folded:
        t.add_row(Text(f"… {folded} more cells, all equal", DIM), "", "", "")
    return t


class PredictionTable(Static):
    """The comparison as a widget: a verdict line above the table."""

    DEFAULT_CSS = """
    PredictionTable { height: auto; }
    """

    def __init__(self, cells: Sequence[PredictionCell], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cells = tuple(cells)

    def show(self, cells: Sequence[PredictionCell]) -> None:
        """Compare these cells instead."""
        self.cells = tuple(cells)
        self.refresh(layout=True)

    def render(self) -> RenderableType:
        """Verdict, then the table."""
        from rich.console import Group

        ok = all(c.same for c in self.cells)
        head = Text(verdict(self.cells), "bold green" if ok else "bold red")
        return Group(head, table(self.cells))
