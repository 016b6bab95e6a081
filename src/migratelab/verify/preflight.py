"""Refusals: why a file cannot run on this machine, decided before anything runs.

Each refusal is one line naming the file and, where it is about an op, the op's
path in the file. The machine settings a file needs (THP mode, hugetlb pools)
are worked out here too, so that the privilege check knows whether anything
would have to change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from migratelab.scenario import ops as O
from migratelab.verify.cases import Case, walk
from migratelab.verify.host import THP_ENABLED, Files, Host, hugetlb_path

#: Ops a real run will not do, and why.
UNSUPPORTED = {
    "exec": "a shared file must not run commands",
}
#: Ops that change machine-wide settings (they need root).
MACHINE_OPS = frozenset({"hugetlb_pool", "sysctl", "drop_caches", "compact", "fill_node"})


class Refusal(Exception):
    """The one-line reason a file cannot run here."""


@dataclass(slots=True)
class Needs:
    """What a file needs from the machine."""

    nodes: int = 1
    #: THP mode to set (None: leave it as it is).
    thp: str | None = None
    #: hugetlb pool sizes to set, by node.
    hugetlb: dict[int, int] = field(default_factory=dict)
    #: Switch automatic NUMA balancing off for the run (root only: it moves pages too).
    balancing_off: bool = False


def settings(files: Files, host: Host, thp: str | None, hugetlb_per_node: int | None,
             nodes: int, cases: list[Case]) -> Needs:
    """The changes a file's run makes to the machine (only those that differ now)."""
    needs = Needs(nodes=nodes)
    if thp is not None and host.thp is not None and thp != host.thp:
        needs.thp = thp
    uses_hugetlb = any(isinstance(op, O.Mmap) and op.kind == "hugetlb"
                       for case in cases for _, op in walk(case.ops))
    if uses_hugetlb and hugetlb_per_node is not None:
        for n in range(min(nodes, host.node_count)):
            have = (files.read_file(hugetlb_path(n)) or "").strip()
            if have != str(hugetlb_per_node):
                needs.hugetlb[n] = hugetlb_per_node
    return needs


def refuse(name: str, host: Host, needs: Needs, cases: list[Case], privileged: bool,
           oldest: str | None) -> None:
    """Raise :class:`Refusal` with the first reason the file cannot run here."""
    if oldest is not None:
        raise Refusal(f"{name}: kernel {host.release} is older than every profile "
                      f"(the oldest is {oldest})")
    for case in cases:
        for where, op in walk(case.ops):
            _refuse_op(name, where, op)
    found = len(host.memory_nodes)
    if found < needs.nodes:
        raise Refusal(f"{name}: needs {needs.nodes} NUMA nodes with memory; this machine "
                      f"has {found}")
    if host.thp is None and needs.thp is not None:
        raise Refusal(f"{name}: needs THP ({needs.thp}); this kernel has no "
                      f"transparent hugepages")
    if privileged:
        return
    reason = _privileged_reason(needs, cases)
    if reason is not None:
        raise Refusal(f"{name}: {reason} needs root (run as root, or with CAP_SYS_NICE "
                      f"for MPOL_MF_MOVE_ALL alone)")


def _refuse_op(name: str, where: str, op: Any) -> None:
    tag = O.op_name(op)
    if tag in O.SIMULATOR_ONLY:
        raise Refusal(f"{name}: {where} is '{tag}', a simulator-only op: a real kernel "
                      f"offers no way to stage it")
    if tag in UNSUPPORTED:
        raise Refusal(f"{name}: {where} is '{tag}', which verify does not run: "
                      f"{UNSUPPORTED[tag]}")
    if isinstance(op, O.Mmap) and op.kind == "io":
        raise Refusal(f"{name}: {where} maps kind 'io', which only a driver can make")


def _privileged_reason(needs: Needs, cases: list[Case]) -> str | None:
    if needs.thp is not None:
        return f"setting THP to '{needs.thp}' (now different, {THP_ENABLED})"
    if needs.hugetlb:
        return "sizing the hugetlb pools (" + ", ".join(
            f"node {n}: {c}" for n, c in needs.hugetlb.items()) + ")"
    for case in cases:
        for where, op in walk(case.ops):
            tag = O.op_name(op)
            if tag in MACHINE_OPS:
                return f"{where} ('{tag}')"
            flags = getattr(op, "flags", None)
            if isinstance(op, (O.MovePages, O.Mbind)) and _has_move_all(flags):
                return f"{where} (MPOL_MF_MOVE_ALL)"
    return None


def _has_move_all(flags: Any) -> bool:
    if isinstance(flags, int):
        return bool(flags & 4)
    return isinstance(flags, list) and "MPOL_MF_MOVE_ALL" in flags
