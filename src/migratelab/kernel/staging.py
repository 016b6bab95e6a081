"""Staging: what the simulator-only ops do to kernel state.

A real kernel gives user space no deterministic way to hold a page in a per-CPU
pagevec, to lock a page "from elsewhere" for the length of one syscall or to take
a long-term GUP pin. Levels need those situations, so the ops language has ops
that stage them (``shared/conformance/FORMAT.md``, "Ops only a simulator can
stage"). Every such op is one function here; the scenario runner only resolves
names and calls it. The engine sees the staged state through ordinary folio
fields (``pins``, ``refcount``, ``PG_LOCKED``...) and through :class:`Pending`,
which :func:`replay_pagevec_holds` and :func:`end_of_syscall` consume while a
syscall runs.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from migratelab.kernel.events import Event, Note
from migratelab.kernel.folio import PG_LOCKED, PG_LRU, PG_WRITEBACK, Folio

if TYPE_CHECKING:
    from migratelab.kernel.machine import Kernel
    from migratelab.kernel.mm import Process


@dataclass(slots=True)
class Pending:
    """Staged state that the next syscall (or a later ``unpin``) consumes."""

    #: (base folios, cpu): re-enter that CPU's pagevec right after the entry drain.
    pagevec_holds: list[tuple[list[Folio], int]] = field(default_factory=list)
    #: Folios locked or under writeback "by someone else" until the next syscall ends.
    locks: list[Folio] = field(default_factory=list)
    #: (folio, references) taken by ``pin`` / ``vmsplice``, dropped by ``unpin``.
    pins: list[tuple[Folio, int]] = field(default_factory=list)


def pin(k: Kernel, folios: Iterable[Folio], count: int) -> None:
    """Take ``count`` extra references on each folio, as a long-term GUP pin or an
    unread vmsplice pipe would. Migration then cannot meet the expected refcount."""
    for folio in folios:
        folio.pins += count
        folio.refcount += count
        k.pending.pins.append((folio, count))


def unpin(k: Kernel) -> None:
    """Drop every reference taken by :func:`pin` (a folio whose last reference
    this was is freed, as ``put_page`` would)."""
    for folio, count in k.pending.pins:
        folio.pins -= count
        for _ in range(count):
            k.put_folio(folio)
    k.pending.pins.clear()


def pagevec_hold(k: Kernel, folios: Iterable[Folio], cpu: int, during_call: bool) -> None:
    """Put base folios in ``cpu``'s LRU-add pagevec (PG_lru clear).

    With ``during_call`` they are only recorded: they re-enter the pagevec after the
    next syscall's entry drain (:func:`replay_pagevec_holds`), as a concurrent fault
    or putback on that CPU would make them do. Large folios never wait in a pagevec.
    """
    base = [f for f in folios if not f.is_large]
    if during_call:
        k.pending.pagevec_holds.append((base, cpu))
        return
    for folio in base:
        if folio.flags & PG_LRU:
            k.lru.vecs[folio.node].remove(folio)
            k.lru.lru_cache_add(folio, cpu)


def lru_add_drain(k: Kernel, cpu: int) -> int:
    """``lru_add_drain()`` on one CPU; returns the pages moved to the LRU lists."""
    return k.lru.drain_cpu(cpu)


def lru_add_drain_all(k: Kernel) -> int:
    """``lru_add_drain_all()``; returns the pages moved to the LRU lists."""
    return k.lru.drain_all()[1]


def hold_page_lock(k: Kernel, folios: Iterable[Folio], writeback: bool) -> None:
    """Someone else holds the page lock (or has the page under writeback) until the
    next syscall ends; a forced or synchronous migration attempt waits it out."""
    bit = PG_WRITEBACK if writeback else PG_LOCKED
    for folio in folios:
        folio.flags |= bit
        k.pending.locks.append(folio)


def set_cpuset(task: Process, nodes: Iterable[int]) -> None:
    """Restrict the task's cpuset to these memory nodes (``cpuset.mems``)."""
    task.cpuset = frozenset(nodes)


def set_credentials(task: Process, uid: int, caps: Iterable[str]) -> None:
    """Change the task's uid; every capability not listed is dropped."""
    task.uid = uid
    task.caps = frozenset(caps)


def replay_pagevec_holds(k: Kernel) -> Generator[Event, None, None]:
    """After the syscall's entry drain: staged ``during_call`` holds take effect.

    Under ``lru_cache_disable()`` (5.13+) the re-added pages go straight to the LRU,
    so nothing lands in a pagevec; before it, they sit in the pagevec again.
    """
    for folios, cpu in k.pending.pagevec_holds:
        if k.lru.disabled:
            yield Note(text=f"{len(folios)} page(s) re-added on CPU {cpu} during the call go "
                            "straight to the LRU: lru_cache_disable() closed the pagevec window")
            continue
        held = 0
        for folio in folios:
            if folio.flags & PG_LRU and not folio.is_large:
                k.lru.vecs[folio.node].remove(folio)
                k.lru.lru_cache_add(folio, cpu)
                held += 1
        yield Note(text=f"{held} page(s) entered CPU {cpu}'s pagevec after the entry drain "
                        "(a concurrent fault or putback on that CPU)")
    k.pending.pagevec_holds.clear()


def end_of_syscall(k: Kernel) -> None:
    """The syscall is over: whoever held page locks or writeback lets go."""
    for folio in k.pending.locks:
        folio.flags &= ~(PG_LOCKED | PG_WRITEBACK)
    k.pending.locks.clear()
