"""Values a pane works out once per version of a part of the session.

The address space and the frame map key each row on what it shows (its pages'
kinds, its blocks). Reading that from the machine view costs a pass over the
row; the machine view is new at every step, but most steps move no page. Kept
per version of the nodes' part, the rows are read again only after a step that
moved, split or made a page.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class PerVersion(Generic[V]):
    """Values by key, dropped all at once when the version changes."""

    def __init__(self) -> None:
        self._version = -1
        self._values: dict[Hashable, V] = {}

    def get(self, version: int, key: Hashable, make: Callable[[], V]) -> V:
        """The value kept for ``key`` at ``version``, made if there is none."""
        if version != self._version:
            self._version, self._values = version, {}
        hit = self._values.get(key)
        if hit is None:
            hit = self._values[key] = make()
        return hit
