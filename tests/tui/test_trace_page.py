"""The trace pane turns like a page while a call runs, and its lines keep their place."""

from __future__ import annotations

import itertools

from migratelab.game.tracefmt import TraceLine
from migratelab.tui.app import MigrateLabApp
from migratelab.tui.screens.play import PlayScreen
from migratelab.tui.widgets.trace_pane import fold, page_top
from migratelab.tui.world import load_play_level

from .conftest import LEVELS_DIR


def test_a_short_trace_starts_at_the_top() -> None:
    assert page_top([10, 11, 12], None, 5) == 0
    assert page_top([10, 11, 12], 11, 5) == 0


def test_the_page_stays_while_it_has_room_then_turns_to_half_way() -> None:
    starts = list(range(100, 108))  # 8 lines, a 6-line pane
    assert page_top(starts, 102, 6) == 2  # lines 102..107 fit: the page stays
    # a ninth line: no room below, so the newest goes half way down
    assert page_top([*starts, 108], 102, 6) == 9 - 3
    assert page_top(list(range(20)), None, 6) == 17  # (no page yet: the same)


def test_a_top_line_folded_away_turns_the_page() -> None:
    # 104 was a per-page line; its run folded into the line at 103
    assert page_top([100, 103, 109, 110, 111, 112, 113], 104, 6) == 7 - 3


def test_fold_gives_each_line_the_trace_index_of_its_first_event() -> None:
    lines = [TraceLine("batch_start: node=1"),
             TraceLine("isolate_lru_page: index=0", detail=True),
             TraceLine("isolate_lru_page: index=1", detail=True),
             TraceLine("batch_flush: node=1"),
             TraceLine("isolate_lru_page: index=2", detail=True)]
    folded = fold(lines, unfolded=False, first=40)
    assert [(kind, at) for _, kind, at in folded] == [
        ("event", 40), ("fold", 41), ("event", 43), ("detail", 44)]
    assert [at for _, _, at in fold(lines, unfolded=True, first=40)] == [40, 41, 42, 43, 44]


async def test_stepping_adds_lines_below_a_page_that_stays() -> None:
    app = MigrateLabApp(level=load_play_level(LEVELS_DIR / "02_thp_tail_ebusy.toml"))
    async with app.run_test(size=(200, 50)) as pilot:
        screen = app.screen
        assert isinstance(screen, PlayScreen)
        await pilot.press("colon", *"predict ret=0", "enter")
        pane = screen.query_one("#pane-trace")
        height = pane.content_size.height
        pages: list[tuple[str, int]] = []
        for _ in range(30):
            if not screen.session.busy:
                break
            await pilot.press("s")
            await pilot.pause()
            if not screen.session.busy:
                break  # (the call is over: the pane shows its last lines)
            rows = [r for r in str(pane.render()).split("\n") if r]
            pages.append((rows[0], len(rows)))
            assert rows[-1].startswith("▶ ")  # the newest line, marked
        assert len(pages) > height  # the call ran long enough to turn the page
        turns = 0
        for (top, count), (next_top, next_count) in itertools.pairwise(pages):
            if next_top == top:  # the page stays: a line more, or a run folded
                continue
            # it turns: the newest line half way down, the rest of the page free
            turns += 1
            assert count == height and next_count == (height + 1) // 2, (count, next_count)
        assert turns >= 1
