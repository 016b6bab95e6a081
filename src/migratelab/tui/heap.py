"""Keep Python's cycle collector off the simulated machine while a level is played.

A 1 GiB world is millions of long-lived Python objects. CPython's collector
scans every tracked object on a full (generation 2) collection, which took up
to 0.3 s on such a world and landed in the middle of a keypress. The world
changes only through the session, so each time the play screen shows a change
it moves everything alive into the permanent generation (:func:`gc.freeze`,
which costs next to nothing): later collections scan only what the next step
creates.

A long run in a thread also pauses the collector (:func:`collector_paused`).

The price: a reference cycle that dies while frozen is not reclaimed until the
objects go back to the collector. Reference counting frees everything that is
not a cycle; the cycles that die are whole worlds (undo and reset drop one),
so those collect at once (:func:`reclaim`), and leaving the play screen hands
everything back (:func:`release`).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


def settle() -> None:
    """The screen shows a new state: stop scanning what exists now."""
    gc.freeze()


def reclaim() -> None:
    """A world was dropped (undo, reset): collect it now. A world is all cycles
    (its LRU lists are doubly linked), so frozen it would never be freed: about
    13 MiB per undo of a 256 MiB world."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def release() -> None:
    """The level is left: let the collector see (and reclaim) the old world."""
    gc.unfreeze()


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cycle collection while a long engine run (``e`` on a 1 GiB call, in a
    thread) makes millions of objects: each collection would scan them all and
    hold the interpreter lock from the UI for up to 0.1 s. At the end, what the
    run made is frozen like the rest of the world."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_on:
            gc.enable()
