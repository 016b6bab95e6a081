"""The play screen's compositor writes each frame exactly as Textual's own would.

Every partial frame of a played level is drawn twice from the same dirty
regions: by :class:`DirtyRowsCompositor` (which asks only the widgets a dirty
span crosses, for those rows) and by Textual's ``Compositor`` (which asks every
widget in the box around all of them for all its lines). The bytes the two
would write to the terminal must be the same, through steps, scrolling, tab
switches, the command line and the results panel laid over the panes.
"""

from __future__ import annotations

import pytest
from textual._compositor import ChopsUpdate, Compositor

from migratelab.tui.app import MigrateLabApp
from migratelab.tui.compositor import DirtyRowsCompositor, _runs
from migratelab.tui.screens.play import PlayScreen
from migratelab.tui.world import load_play_level

from .conftest import LEVELS_DIR


def test_runs_bridge_small_gaps_only() -> None:
    assert _runs([]) == []
    assert _runs([3]) == [(3, 4)]
    assert _runs([1, 2, 5, 9]) == [(1, 10)]  # gaps of 2 and 3 rows are rendered
    assert _runs([0, 20, 21, 40]) == [(0, 1), (20, 22), (40, 41)]


@pytest.mark.parametrize("size", [(80, 24), (200, 50)], ids=["80x24", "200x50"])
async def test_every_partial_frame_is_the_one_textual_would_write(
        size: tuple[int, int], monkeypatch: pytest.MonkeyPatch) -> None:
    frames: list[tuple[ChopsUpdate | None, ChopsUpdate | None]] = []
    ours = DirtyRowsCompositor.render_partial_update

    def both(self: DirtyRowsCompositor) -> ChopsUpdate | None:
        dirty = self._dirty_regions.copy()
        mine = ours(self)
        self._dirty_regions.update(dirty)
        frames.append((mine, Compositor.render_partial_update(self)))
        return mine

    monkeypatch.setattr(DirtyRowsCompositor, "render_partial_update", both)
    app = MigrateLabApp(level=load_play_level(LEVELS_DIR / "02_thp_tail_ebusy.toml"))
    async with app.run_test(size=size) as pilot:
        screen = app.screen
        assert isinstance(screen, PlayScreen)
        assert isinstance(screen._compositor, DirtyRowsCompositor)
        await pilot.press("down", "right", "v", "down", "escape", "t", "t")
        await pilot.press("colon", *"predict ret=0", "enter")
        for _ in range(12):
            await pilot.press("s")
        await pilot.press("n", "f", "f", "e")
        for _ in range(20):  # the results panel grows in over a few frames
            await pilot.pause(0.05)
        console = app.console
        written = [(mine.render_segments(console) if mine else None,
                    theirs.render_segments(console) if theirs else None)
                   for mine, theirs in frames]
    for i, (mine, theirs) in enumerate(written):
        assert mine == theirs, f"frame {i} differs"
    assert sum(1 for mine, _ in written if mine) > 20
    if size[0] >= 160:
        # the case the compositor is for, on the wide screen: a step dirties rows
        # near the top and near the bottom, few in between
        height = size[1]
        assert any(m and m.spans[0][0] < height // 4 and m.spans[-1][0] > height * 3 // 4
                   and len({y for y, _, _ in m.spans}) < height // 2 for m, _ in frames)
