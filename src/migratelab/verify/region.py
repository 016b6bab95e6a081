"""A real run's named regions, and the error an op that cannot run raises."""

from __future__ import annotations

from dataclasses import dataclass


class RealRunError(Exception):
    """An op the kernel refused or that cannot run here; the message says which."""


@dataclass(slots=True)
class Region:
    """A named mapping: where the kernel put it, and each page's protection."""

    id: str
    addr: int
    pages: int
    kind: str
    #: Per page: "rw", "r", "none", or None once unmapped.
    prot: list[str | None]
    fd: int = -1
    path: str | None = None
