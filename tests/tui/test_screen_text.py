"""Screenshots read as the screen does: a glyph never runs into its label.

Rich writes every styled run of a screenshot as its own SVG ``<text>``. Under
SVG's default whitespace rule a renderer strips the spaces a run starts with
(rsvg-convert does, and so did the PNGs made with it), so ``T`` + `` THP``
was drawn ``TTHP``. :func:`drawn_lines` applies that rule unless the SVG asks
for ``xml:space="preserve"``, then rebuilds the lines from the runs' x
positions: what a viewer of the PNG reads.
"""

from __future__ import annotations

import html
import re

from textual.pilot import Pilot

from migratelab.tui.app import MigrateLabApp
from migratelab.tui.world import load_play_level

from .conftest import LEVELS_DIR

RUN = re.compile(r'<text [^>]*?x="([\d.]+)" y="([\d.]+)" textLength="([\d.]+)"[^>]*>'
                 r"([^<]*)</text>")
SPACES = " \u00a0"


def drawn_lines(svg: str) -> list[str]:
    """The screenshot's lines as an SVG renderer draws them."""
    preserve = 'xml:space="preserve"' in svg[:svg.index(">")]
    rows: dict[float, dict[int, str]] = {}
    cell = 0.0
    for x, y, length, body in RUN.findall(svg):
        raw = html.unescape(body)
        if not raw:
            continue
        cell = cell or float(length) / len(raw)
        drawn = raw if preserve else raw.strip(SPACES)
        rows.setdefault(float(y), {})[round(float(x) / cell)] = drawn.replace("\u00a0", " ")
    out = []
    for y in sorted(rows):
        line = ""
        for col in sorted(rows[y]):
            line = line.ljust(col)[:col] + rows[y][col]
        out.append(line)
    return out


async def _shot(pilot: Pilot[None]) -> str:
    await pilot.pause()
    return "\n".join(drawn_lines(pilot.app.export_screenshot()))


async def test_legends_and_labels_are_apart_in_a_screenshot() -> None:
    level = load_play_level(LEVELS_DIR / "02_thp_tail_ebusy.toml")
    app = MigrateLabApp(level=level, levels=[level])
    async with app.run_test(size=(200, 50)) as pilot:
        text = await _shot(pilot)
    # frame map legend
    for entry in ("· free 2M block", "░▒▓█ base pages", "T THP", "H hugetlb in use",
                  "h hugetlb pool, free", "# filler", "+ frame allocated", "- frame freed",
                  "÷ THP split"):
        assert entry in text, entry
    # address space legend
    for entry in ("0. base page on node 0", "T/t THP head/tail", "L mlocked", "P pinned",
                  "_ in your request", "0. your cursor"):
        assert entry in text, entry
    assert "node 1  all lists empty" in text  # LRU pane: an empty node
    assert re.search(r"\] 0/\d+ empty", text)  # pagevec pane: the count after the slots
    # right-aligned labels keep their place: the frame map's row offsets
    assert re.search(r" {4}0M ", text)
    for glued in ("TTHP", "Hhugetlb", "hhugetlb", "1all", "0.base", "Lmlocked", "]0/"):
        assert glued not in text, glued


async def test_an_open_batch_reads_apart_in_a_screenshot() -> None:
    level = load_play_level(LEVELS_DIR / "06_lost_in_the_pagevec.toml")
    app = MigrateLabApp(level=level, levels=[level])
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("colon", *"predict ret=0 status=1,-EBUSY,1,1", "enter", *["s"] * 4)
        text = await _shot(pilot)
    assert re.search(r"entries \[0, \d\)  open: more may join", text), text
    assert not re.search(r"\)open", text)
    assert not re.search(r"^ *(join|left)\b", text, re.M)  # no phrase wrapped mid-way


def test_without_preserve_a_renderer_glues_the_runs() -> None:
    """The rule the check relies on, shown on a two-run line."""
    run = ('<text class="r1" x="0" y="10" textLength="12.2">T</text>'
           '<text class="r2" x="12.2" y="10" textLength="48.8">&#160;THP</text>')
    assert drawn_lines(f"<svg>{run}</svg>") == ["TTHP"]
    assert drawn_lines(f'<svg xml:space="preserve">{run}</svg>') == ["T THP"]
