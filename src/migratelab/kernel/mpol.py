"""``struct mempolicy`` (include/linux/mempolicy.h): which node a new page comes from.

Modes: ``default`` (the faulting CPU's node, then the others), ``local`` (same),
``bind`` (only the listed nodes), ``preferred`` (the first listed node, then the
others) and ``interleave`` (round robin by page offset). Zones, distances and
``MPOL_F_*`` mode flags are not modelled: "the others" are taken in node order.

The system calls that set a policy and migrate to it (mbind, migrate_pages)
live in :mod:`migratelab.kernel.mempolicy`; this module holds only the record,
so the address-space code can use it without importing the migration engine.
"""

from __future__ import annotations

from dataclasses import dataclass

MODES = ("default", "local", "bind", "preferred", "interleave")


@dataclass(frozen=True, slots=True)
class MemPolicy:
    """A task or VMA memory policy."""

    mode: str = "default"
    nodes: tuple[int, ...] = ()

    def candidates(self, local: int, nr_nodes: int, ilx: int) -> list[int]:
        """Nodes to try, in order, for a page whose interleave index is ``ilx``."""
        every = list(range(nr_nodes))
        if self.mode == "bind":
            ordered = sorted(self.nodes, key=lambda n: (n != local, n))
            return [n for n in ordered if n < nr_nodes]
        if self.mode == "preferred" and self.nodes:
            first = self.nodes[0]
            return [first] + [n for n in every if n != first]
        if self.mode == "interleave" and self.nodes:
            target = self.nodes[ilx % len(self.nodes)]
            return [target] + [n for n in every if n != target]
        return [local] + [n for n in every if n != local]

    def describe(self) -> str:
        """numa_maps style: ``bind:0`` or ``default``."""
        if not self.nodes or self.mode in ("default", "local"):
            return self.mode
        return f"{self.mode}:{','.join(map(str, self.nodes))}"


DEFAULT_POLICY = MemPolicy()
