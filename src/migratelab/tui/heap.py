"""Keep Python's cycle collector off the simulated machine while a level is played.

A 1 GiB world is millions of long-lived Python objects. CPython's collector
scans every tracked object on a full (generation 2) collection, which took up
to 0.3 s on such a world and landed in the middle of a keypress. The world
changes only through the session, so each time the play screen shows a change
it moves everything alive into the permanent generation (:func:`gc.freeze`,
which costs next to nothing): later collections scan only what the next step
creates.

The price: a reference cycle that dies while frozen is not reclaimed until
:func:`release` (leaving the play screen) hands the objects back to the
collector. Reference counting still frees everything that is not a cycle.
"""

from __future__ import annotations

import gc


def settle() -> None:
    """The screen shows a new state: stop scanning what exists now."""
    gc.freeze()


def release() -> None:
    """The level is left: let the collector see (and reclaim) the old world."""
    gc.unfreeze()
