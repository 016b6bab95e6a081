"""The call being stepped, kept up to date from the engine's events alone.

:class:`Observer` folds each trace event into a :class:`~migratelab.game.records.LiveCall`
and says what it changed (a :class:`~migratelab.game.records.Change`). Folios are
named by address label (``A[3]``, ``T[0] (THP)``): an isolation event gives the
entry index, hence the address, and the observer remembers that label for the
folio's frame so later events about the frame (moved, failed, split) name it too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from migratelab.game.explain import narrate
from migratelab.game.records import (
    BatchRecord,
    Change,
    FrameChange,
    LiveCall,
    MigrateState,
    Outcome,
)
from migratelab.kernel import errno as E
from migratelab.kernel import events as ev
from migratelab.kernel.explanations import EXPLANATIONS
from migratelab.kernel.reasons import Reason

if TYPE_CHECKING:
    from migratelab.kernel.machine import Kernel

#: Address -> label (``A[3]``); pfn -> (node, 2 MiB block) or None.
AddrLabel = Callable[[int], str]
Locate = Callable[[int], "tuple[int, int] | None"]

#: Folios named in the batch pane and outcomes kept per migrate_pages() call.
KEEP = 64
#: 2 MiB in bytes: a THP's head is its address rounded down to this.
_HPAGE = 2 << 20

_CHANGE_OF: dict[str, Change] = {
    ev.SyscallEnter.kind: Change.REQUEST, ev.SyscallExit.kind: Change.STATUS,
    ev.LruDrain.kind: Change.LRU | Change.PAGEVECS,
    ev.LruCacheDisable.kind: Change.PAGEVECS, ev.LruCacheEnable.kind: Change.PAGEVECS,
    ev.ChunkStart.kind: Change.BATCH | Change.REQUEST | Change.ADDRESS,
    ev.BatchStart.kind: Change.BATCH | Change.REQUEST | Change.ADDRESS,
    ev.BatchFlush.kind: Change.BATCH | Change.REQUEST | Change.ADDRESS,
    ev.PageIsolated.kind: Change.LRU | Change.BATCH | Change.REQUEST | Change.ADDRESS,
    ev.EntryResult.kind: Change.STATUS | Change.REQUEST | Change.BATCH | Change.ADDRESS,
    ev.NodeInvalid.kind: Change.STATUS | Change.REQUEST,
    ev.StatusStore.kind: Change.STATUS,
    ev.MigrateStart.kind: Change.BATCH, ev.MigratePass.kind: Change.BATCH,
    ev.AllocTarget.kind: Change.NODES | Change.BATCH,
    ev.FolioMigrated.kind: Change.NODES | Change.BATCH | Change.LRU | Change.ADDRESS,
    ev.FolioFailed.kind: Change.BATCH,
    ev.ThpSplit.kind: Change.NODES | Change.ADDRESS | Change.BATCH | Change.LRU | Change.VMSTAT,
    ev.MigrateEnd.kind: Change.BATCH | Change.VMSTAT,
    ev.Putback.kind: Change.LRU | Change.BATCH,
}


def _why(reason: Reason) -> str:
    """The plain-words phrase for a reason, with the function that decides it."""
    x = EXPLANATIONS[reason]
    return f"{x.function}(): {x.text}"


def change_of(event: ev.Event) -> Change:
    """The parts of the picture an event changes (the trace always)."""
    return _CHANGE_OF.get(event.kind, Change.NONE) | Change.TRACE


def machine_fingerprint(k: Kernel) -> tuple[int, ...]:
    """Changes whenever frames or folios do: free pages per node, large folios
    (a split ends one), and the counters (every migration, split and fault ticks one).

    The engine hands a step's events out after the step's work (a folio is
    copied, then its pass, target and result are reported), so the event that
    comes out first may find the frames already moved. The panes that draw
    frames trust this, not the event's kind.
    """
    free = tuple(n.mem.nr_free if n.mem is not None else -1 for n in k.nodes)
    return (*free, len(k.large_folios), sum(k.vmstat.values()))  # cheap: every step


class Observer:
    """Folds events into one :class:`LiveCall`."""

    def __init__(self, live: LiveCall, addr_label: AddrLabel, locate: Locate,
                 kernel: Kernel | None = None) -> None:
        self.live = live
        #: The machine watched for frame changes (see :func:`machine_fingerprint`).
        self._kernel = kernel
        self._print = machine_fingerprint(kernel) if kernel is not None else ()
        self._addr_label = addr_label
        self._locate = locate
        #: pfn -> label of the folio last seen in that frame.
        self._by_pfn: dict[int, str] = {}
        #: pfn of an isolated THP -> the address of its head (to name split pieces).
        self._head_addr: dict[int, int] = {}

    # -- labels ----------------------------------------------------------------------
    def entry_label(self, index: int, large: bool = False) -> str:
        """Label of the page named by entry ``index`` (its head, for a large folio)."""
        addrs = self.live.addrs
        if not 0 <= index < len(addrs):
            return f"entry {index}"
        addr = addrs[index]
        if large:
            return self._addr_label(addr - addr % _HPAGE) + " (THP)"
        return self._addr_label(addr)

    def pfn_label(self, pfn: int) -> str:
        """Label of the folio in frame ``pfn`` (``pfn N`` when unknown)."""
        return self._by_pfn.get(pfn, f"pfn {pfn:#x}")

    def label(self, addr: int) -> str:
        """Label of an address (for narration)."""
        return self._addr_label(addr)

    # -- folding -----------------------------------------------------------------------
    def observe(self, event: ev.Event) -> Change:
        """Fold one event in; returns what changed."""
        live = self.live
        live.events += 1
        live.frames = []
        # named before folding: a split renames its frame after the head piece
        live.narration = narrate(event, self._addr_label, self.pfn_label)
        self._fold(live, event)
        changed = change_of(event)
        if self._kernel is not None:
            now = machine_fingerprint(self._kernel)
            if now != self._print:
                self._print = now
                changed |= Change.NODES | Change.ADDRESS
        return changed

    def _fold(self, live: LiveCall, event: ev.Event) -> None:
        if isinstance(event, ev.StatusStore):
            end = min(event.end, len(live.status))
            live.status[event.start:end] = [event.value] * max(end - event.start, 0)
            live.cursor = max(event.start, end - 1)
        elif isinstance(event, ev.BatchStart):
            self._open(live, (event.node, event.start, None), chunk=False)
        elif isinstance(event, ev.ChunkStart):
            self._open(live, (-1, event.start, event.start + event.count), chunk=True)
        elif isinstance(event, ev.PageIsolated):
            live.cursor = event.index
            large = event.nr_pages > 1
            name = self.entry_label(event.index, large)
            self._by_pfn[event.pfn] = name
            if large and 0 <= event.index < len(live.addrs):
                addr = live.addrs[event.index]
                self._head_addr[event.pfn] = addr - addr % _HPAGE
            live.queued_total += 1
            if len(live.queued) < KEEP:
                live.queued.append(name)
        elif isinstance(event, ev.EntryResult):
            live.cursor = event.index
            if event.status < 0 and len(live.refused) < KEEP:
                live.refused.append(f"{self.entry_label(event.index)}: "
                                    f"{E.status_str(event.status)} ({_why(event.reason)})")
        elif isinstance(event, ev.NodeInvalid):
            live.cursor = event.index
        elif isinstance(event, ev.BatchFlush):
            live.batch = (event.node, event.start, event.end)
            live.flushes.append(BatchRecord(event.node, event.start, event.end, event.why))
        else:
            self._fold_migrate(live, event)

    def _open(self, live: LiveCall, batch: tuple[int, int, int | None], chunk: bool) -> None:
        live.batch = batch
        live.chunk = chunk
        live.cursor = batch[1]
        live.queued = []
        live.queued_total = 0
        live.refused = []

    def _frame(self, pfn: int, sign: str, label: str) -> None:
        where = self._locate(pfn)
        if where is not None:
            self.live.frames.append(FrameChange(where[0], where[1], sign, label, pfn))

    def _fold_migrate(self, live: LiveCall, event: ev.Event) -> None:
        mig = live.migrate
        if isinstance(event, ev.MigrateStart):
            live.migrate_calls += 1
            live.migrate = MigrateState(node=event.node, folios=event.folios, mode=event.mode,
                                        reason=event.reason, number=live.migrate_calls,
                                        left=event.folios)
        elif mig is None:
            if isinstance(event, ev.SyscallExit):
                live.ret, live.errno = event.ret, event.errno
        elif isinstance(event, ev.MigratePass):
            mig.passes, mig.phase, mig.left = event.number, event.phase, event.folios
        elif isinstance(event, ev.AllocTarget):
            if event.ok:
                self._frame(event.pfn, "+", "frame")
        elif isinstance(event, ev.FolioMigrated):
            name = self.pfn_label(event.old_pfn)
            self._by_pfn[event.new_pfn] = name
            mig.moved += 1
            self._outcome(mig, Outcome(name, f"moved to node {event.dst}", True))
            self._frame(event.new_pfn, "+", name)
            self._frame(event.old_pfn, "-", name)
        elif isinstance(event, ev.FolioFailed):
            name = self.pfn_label(event.pfn)
            if not event.retry:
                mig.failed += 1
            self._outcome(mig, Outcome(name, f"-{event.errno}" + (", retry" if event.retry
                                                                    else "")
                                       + f" ({_why(event.reason)})", False))
        elif isinstance(event, ev.ThpSplit):
            name = self.pfn_label(event.pfn)
            head = self._head_addr.get(event.pfn)
            if head is not None:
                for i in range(event.pieces):
                    self._by_pfn[event.pfn + i] = self._addr_label(head + i * 4096)
            mig.split += 1
            self._outcome(mig, Outcome(name, f"split into {event.pieces} base pages "
                                             f"({_why(event.reason)})", False))
            self._frame(event.pfn, "÷", name)
        elif isinstance(event, ev.MigrateEnd):
            mig.done, mig.ret = True, event.ret
        elif isinstance(event, ev.SyscallExit):
            live.ret, live.errno = event.ret, event.errno

    @staticmethod
    def _outcome(mig: MigrateState, outcome: Outcome) -> None:
        mig.outcomes.append(outcome)
        if len(mig.outcomes) > KEEP:
            del mig.outcomes[0]
