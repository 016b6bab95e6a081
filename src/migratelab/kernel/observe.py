"""Observability in the kernel's own terms: numa_maps lines and node histograms."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from migratelab.kernel.folio import HUGE_ZERO_PAGE, ZERO_PAGE, Folio

if TYPE_CHECKING:
    from migratelab.kernel.machine import Kernel
    from migratelab.kernel.mm import Process


def numa_maps(k: Kernel, proc: Process, addr: int) -> str:
    """A /proc/pid/numa_maps style line for the VMA containing ``addr``."""
    assert proc.mm is not None
    vma = proc.mm.find_vma(addr)
    if vma is None:
        return f"{addr:x} (unmapped)"
    policy = (vma.policy or proc.policy).describe()
    per_node: Counter[int] = Counter()
    anon = dirty = mapped = 0
    thp = hugetlb = 0
    seen: set[Folio] = set()
    for entry in vma.pt:
        if isinstance(entry, Folio):
            mapped += 1
            per_node[entry.node] += 1
            if entry.kind == "anon":
                anon += 1
            if entry not in seen:
                seen.add(entry)
                thp += entry.is_thp
                hugetlb += entry.is_hugetlb
            if entry.flags & (1 << 5):
                dirty += 1
        elif entry is ZERO_PAGE or entry is HUGE_ZERO_PAGE:
            pass
    parts = [f"{vma.start:x}", policy, vma.kind]
    if anon:
        parts.append(f"anon={anon}")
    if dirty:
        parts.append(f"dirty={dirty}")
    if mapped:
        parts.append(f"mapped={mapped}")
    if thp:
        parts.append(f"thp={thp}")
    if hugetlb:
        parts.append(f"huge={hugetlb}")
    parts.extend(f"N{n}={c}" for n, c in sorted(per_node.items()))
    return " ".join(parts)
