"""Stepping shipped levels: after each step, each pane shows where it happened.

Expected values come from the level's story and the real kernels' answers its
file records (02: [1, -EBUSY]; 06: A[1] waits in CPU 0's pagevec), not from
the panes themselves.
"""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import TabbedContent

from migratelab.tui.app import MigrateLabApp
from migratelab.tui.screens.play import PlayScreen
from migratelab.tui.widgets.address_space import AddressSpace
from migratelab.tui.world import PlayLevel, load_play_level

from .conftest import LEVELS_DIR, split_level

THP_TAIL = LEVELS_DIR / "02_thp_tail_ebusy.toml"
PAGEVEC = LEVELS_DIR / "06_lost_in_the_pagevec.toml"
NO_ROOM = LEVELS_DIR / "09_no_room_for_a_thp.toml"
FIRST = LEVELS_DIR / "01_first_move.toml"


def text(screen: PlayScreen, wid: str) -> str:
    """What a pane shows, as plain text."""
    return str(screen.query_one(f"#{wid}").render())


def row(screen: PlayScreen, wid: str, needle: str) -> str:
    """The first line of a Line API pane (address space, frame map) holding ``needle``."""
    widget = screen.query_one(f"#{wid}")
    for y in range(widget.size.height):
        line = "".join(seg.text for seg in widget.render_line(y))  # type: ignore[attr-defined]
        if needle in line:
            return line
    return ""


def reversed_cells(screen: PlayScreen) -> list[str]:
    """Cells of the address space drawn in reverse video (the kernel's cursor)."""
    address = screen.query_one(AddressSpace)
    return [seg.text for y in range(address.size.height) for seg in address.render_line(y)
            if seg.style is not None and seg.style.reverse]


async def step_to(pilot: Pilot[None], screen: PlayScreen, kind: str, limit: int = 50) -> None:
    """Press ``s`` until the last event is of ``kind``."""
    for _ in range(limit):
        await pilot.press("s")
        await pilot.pause()
        last = screen.session.last_event
        if last is not None and last.kind == kind:
            return
    raise AssertionError(f"no {kind} event within {limit} steps")


async def start(pilot: Pilot[None], command: str) -> PlayScreen:
    await pilot.pause()
    await pilot.press("colon", *command, "enter")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, PlayScreen)
    return screen


def app_for(level: PlayLevel) -> MigrateLabApp:
    return MigrateLabApp(level=level, levels=[level])


async def test_thp_tail_every_step_on_its_pane() -> None:
    app = app_for(load_play_level(THP_TAIL))
    async with app.run_test(size=(200, 50)) as pilot:
        screen = await start(pilot, "predict ret=0 status=1,-EBUSY")
        assert "move_pages(count=2" in text(screen, "pane-request")
        assert "predict" not in text(screen, "pane-request")
        assert "0:? 1:?" in text(screen, "pane-status")

        await step_to(pilot, screen, "isolate_lru_page")
        batch = text(screen, "pane-batch")
        assert "batch → node 1 entries [0, 1)" in batch and "open" in batch
        assert "on the migration list: A[0] (THP)" in batch
        lru = text(screen, "pane-lru")
        assert "A[0] (THP)" in lru.split("isolated", 1)[1]  # joined the isolated set
        assert "inactive anon   0p (empty)" in lru  # ... and left its list
        assert "⟦A[0]→1 ▶" not in text(screen, "pane-request")
        assert "▶⟦A[0]→1" in text(screen, "pane-request")
        assert "isolate_lru_page(): A[0] was taken off its LRU list" in text(screen, "narration")

        await step_to(pilot, screen, "add_page_for_migration")
        assert "not queued: A[100]: -EBUSY" in text(screen, "pane-batch")
        assert "A[100]" in text(screen, "narration") and "-EBUSY" in text(screen, "narration")
        assert "▶A[100]→1" in text(screen, "pane-request")
        assert reversed_cells(screen) == ["0t"]  # the kernel is on A[100], a THP tail

        await step_to(pilot, screen, "store_status")
        assert "▶1:-EBUSY" in text(screen, "pane-status")

        await step_to(pilot, screen, "mm_migrate_pages_start")
        assert "migrate_pages() #1: 1 folios → node 1" in text(screen, "pane-batch")
        await step_to(pilot, screen, "mm_migrate_folio_move")
        assert "✔ A[0] (THP): moved to node 1" in text(screen, "pane-batch")
        assert "+A[0] (THP) pfn 0x4000" in row(screen, "pane-nodes", "pfn 0x4000")  # under node 1
        assert "-A[0] (THP) pfn 0x0" in row(screen, "pane-nodes", "-A[0]")  # under node 0
        assert row(screen, "pane-nodes", "+A[0]") != row(screen, "pane-nodes", "-A[0]")
        await step_to(pilot, screen, "mm_migrate_pages")
        trace = text(screen, "pane-trace")
        assert ("mm_migrate_pages: nr_succeeded=512 nr_failed=0 nr_thp_succeeded=1 "
                "nr_thp_failed=0 nr_thp_split=0 nr_split=0 mode=MIGRATE_SYNC "
                "reason=syscall_or_cpuset") in trace
        await pilot.press("e")
        await pilot.pause()
        status = text(screen, "pane-status")
        assert "0:1 1:-EBUSY" in status and "return: ✔ 0" in status


async def test_pagevec_slot_and_the_refusal_say_why() -> None:
    app = app_for(load_play_level(PAGEVEC))
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await start(pilot, "predict ret=0 status=1,-EBUSY,1,1")
        await step_to(pilot, screen, "note")
        assert "1:A[1]" in text(screen, "pane-pagevecs")
        await step_to(pilot, screen, "add_page_for_migration")
        refused = text(screen, "pane-batch")
        assert "not queued: A[1]: -EBUSY (add_page_for_migration(): sits in a per-CPU " \
            "LRU-add pagevec" in refused.replace("\n", " ")
        await step_to(pilot, screen, "batch_flush")
        assert "entries [0, 1)  flushed" in text(screen, "pane-batch")
        # the second batch opens after the refused entry
        await step_to(pilot, screen, "batch_start")
        assert "entries [2, 3)" in text(screen, "pane-batch")
        assert "▶⟦A[2]→1" in text(screen, "pane-request")


async def test_thp_split_shows_in_frames_batch_and_vmstat() -> None:
    app = app_for(split_level())
    async with app.run_test(size=(200, 50)) as pilot:
        screen = await start(pilot, "predict ret=0 status=1,1")
        await step_to(pilot, screen, "thp_split")
        assert "÷ A[0] (THP): split into 512 base pages" in text(screen, "pane-batch")
        assert "÷A[0] (THP) pfn 0x200" in row(screen, "pane-nodes", "pfn 0x200")
        vmstat = text(screen, "pane-vmstat")
        assert any(line.startswith("thp_split_page") and line.endswith("+1")
                   for line in vmstat.splitlines())
        narration = text(screen, "narration")
        assert "split_huge_page_to_list(): A[0] (THP) is a THP with no THP free" in narration
        assert "512 pieces" in narration
        # the pieces are named by address as they move. 6.3+ unmaps all 512 (a
        # target each) before it moves the first: step the session, not the keys
        moves = 0
        for _ in range(1200):
            screen.session.step()
            last = screen.session.last_event
            moves += last is not None and last.kind == "mm_migrate_folio_move"
            if moves == 2:
                break
        screen.after_step()
        await pilot.pause()
        assert "✔ A[1]: moved to node 1" in text(screen, "pane-batch")


async def test_v414_chunk_and_a_failed_call() -> None:
    """Level 09 (v4.14): one fixed chunk; ENOMEM for the THP, so the call fails."""
    app = app_for(load_play_level(NO_ROOM))
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await start(pilot, "predict ret=-1 errno=ENOMEM")
        await step_to(pilot, screen, "chunk_start")
        assert "chunk (each entry to its own node) entries [0, 2)" in text(screen, "pane-batch")
        request = text(screen, "pane-request")
        assert "▶⟦B[0]→1" in request and "A[0]→1⟧" in request  # the whole chunk is marked
        await step_to(pilot, screen, "mm_migrate_pages")
        assert "returned -12" in text(screen, "pane-batch")
        await pilot.press("e")
        await pilot.pause()
        assert "return: ✘ -1 errno=ENOMEM" in text(screen, "pane-status")
        assert "0:? 1:?" in text(screen, "pane-status")  # a failed run never stores status


async def test_composed_request_batch_in_the_address_space() -> None:
    app = app_for(load_play_level(FIRST))
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, PlayScreen)
        await pilot.press("home", "v", *["right"] * 3, "1")
        await pilot.pause()
        assert "pages[] = A[0:4]" in text(screen, "pane-request")
        await pilot.press("enter")
        await step_to(pilot, screen, "isolate_lru_page")
        await step_to(pilot, screen, "isolate_lru_page")
        batch = text(screen, "pane-batch")
        assert "entries [0, 2)" in batch and "A[0], A[1]" in batch
        assert reversed_cells(screen) == ["0."]  # A[1], still a base page on node 0
        await pilot.press("e")
        await pilot.pause()
        assert "return: ✔ 0" in text(screen, "pane-status")


async def test_wide_layouts_show_every_pane_at_once() -> None:
    for size in ((160, 45), (200, 50)):
        app = app_for(load_play_level(THP_TAIL))
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            screen = pilot.app.screen
            assert not screen.query(TabbedContent), size
            for wid in ("pane-address", "pane-request", "pane-batch", "pane-status",
                        "pane-nodes", "pane-lru", "pane-pagevecs", "pane-trace",
                        "pane-goal", "narration"):
                widget = screen.query_one(f"#{wid}")
                region = widget.region
                assert widget.display and region.height >= 1, (size, wid)
                assert region.bottom <= size[1] and region.right <= size[0], (size, wid)
            assert len(screen.query("GoalPane")) == 1  # the goal once


async def test_medium_layout_tabs_only_trace_and_vmstat() -> None:
    app = app_for(load_play_level(THP_TAIL))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await start(pilot, "predict ret=0 status=1,-EBUSY")
        await step_to(pilot, screen, "store_status")
        tabs = screen.query_one(TabbedContent)
        assert {p.id for p in tabs.query("TabPane")} == {"tab-trace", "tab-vmstat"}
        for wid in ("pane-request", "pane-batch", "pane-status", "pane-nodes", "pane-lru",
                    "pane-pagevecs"):
            widget = screen.query_one(f"#{wid}")
            assert widget.region.height >= 3, wid
            assert widget.region.bottom <= tabs.region.y, wid  # not scrolled away


async def test_narrow_tabs_follow_what_changed() -> None:
    app = app_for(load_play_level(THP_TAIL))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(pilot, "predict ret=0 status=1,-EBUSY")
        tabs = screen.query_one(TabbedContent)
        assert tabs.active == "tab-call"
        await step_to(pilot, screen, "isolate_lru_page")
        assert tabs.active == "tab-lru"
        await step_to(pilot, screen, "store_status")
        assert tabs.active == "tab-call"
        await step_to(pilot, screen, "mm_migrate_folio_move")
        assert tabs.active == "tab-nodes"
