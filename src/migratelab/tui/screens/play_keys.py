"""The play screen's keys: one table, read by the screen, the help and the footer.

Each binding has an id (``play.*``) so a presenter or a test can name it; keys
are written the way Textual names them (help shows them as people write them).

The keys are *priority* bindings: Textual runs one as the key arrives, instead
of sending the key down to the focused widget and letting it bubble back up
through every container to the app (five hops, about 1 ms of a step). The
command line still gets the characters typed into it: the screen's
``check_action`` declines these keys while an ``Input`` has the focus.
"""

from __future__ import annotations

import dataclasses

from textual.binding import Binding, BindingType

_KEYS: list[Binding] = [
    Binding("enter", "call", "Call move_pages", id="play.call", priority=False),
    Binding("s", "step", "Step", id="play.step"),
    Binding("n", "step_over", "Batch", id="play.over", tooltip="Step over the batch"),
    Binding("r", "run", "Run", id="play.run", tooltip="Run/pause"),
    Binding("e", "finish", "Run to end", id="play.finish", show=False),
    Binding("plus,equals_sign", "speed(1)", "Faster", id="play.faster", show=False),
    Binding("minus", "speed(-1)", "Slower", id="play.slower", show=False),
    Binding("u", "undo", "Undo", id="play.undo"),
    Binding("R", "reset", "Reset", id="play.reset", show=False),
    Binding("a", "toggle_all", "Toggle MPOL_MF_MOVE_ALL", id="play.moveall", show=False),
    Binding("c", "clear", "Clear request", id="play.clear", show=False),
    Binding("f", "fold", "Fold/unfold per-page trace", id="play.fold", show=False),
    Binding("colon,slash", "command", "Type", id="play.command", tooltip="Command line"),
    Binding("t", "next_tab", "Next tab", id="play.tab", show=False),
    Binding("h", "hint", "Hint", id="play.hint"),
    Binding("C", "compare", "Compare two kernels", id="play.compare", show=False),
    Binding("S", "solution", "Show solution", id="play.solution", show=False),
    Binding("G", "goal", "Show goal", id="play.goal", show=False),
    Binding("W", "save", "Save as level", id="play.save", show=False),
    Binding("q", "leave", "Levels", id="play.leave", show=False),
    Binding("space", "present_next", "Next", id="play.next",
            tooltip="Presenter mode: the next step of the level's solution, batch by batch"),
    Binding("P", "toggle_presenter", "Presenter mode", id="play.presenter", show=False),
    Binding("x", "export", "Export run", id="play.export", show=False,
            tooltip="Export run: trace (JSON lines), this screen (SVG), a Markdown summary"),
]

#: Enter stays an ordinary binding: the command line and the address space
#: both have their own use for it.
PLAY_KEYS: list[BindingType] = [
    key if key.id == "play.call" else dataclasses.replace(key, priority=True) for key in _KEYS]
