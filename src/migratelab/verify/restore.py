"""Undo what a real-kernel run changed, whatever way the run ends.

A run may set sysctls, the THP mode and hugetlb pool sizes (machine-wide), and the
task's memory policy. :class:`Restorer` remembers each old value before the first
change and puts every one back, newest first, when its ``with`` block ends:
normally, on an error, on Ctrl+C (``KeyboardInterrupt``) and on SIGTERM or SIGHUP,
which it turns into :class:`Interrupted` for the length of the block so that the
same unwinding runs.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Sequence
from types import FrameType, TracebackType
from typing import Any, Protocol

from migratelab.verify.host import Files


class Policies(Protocol):
    """The memory-policy side of :class:`~migratelab.verify.syscalls.Syscalls`."""

    def get_mempolicy(self) -> tuple[int, list[int]]: ...

    def set_mempolicy(self, mode: int, nodes: Sequence[int]) -> tuple[int, int]: ...


class Interrupted(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived during a run (unwinds like Ctrl+C)."""


_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
#: Mode flags get_mempolicy reports in the high bits (MPOL_F_STATIC_NODES...).
_MODE_MASK = 0xFF


class Restorer:
    """Remembers old values and restores them when the ``with`` block ends."""

    def __init__(self, files: Files, policies: Policies) -> None:
        self.files = files
        self.policies = policies
        self._undo: list[tuple[str, Callable[[], None]]] = []
        self._saved: set[str] = set()
        self._old_handlers: dict[int, Any] = {}
        #: Problems met while restoring (one line each), for the report.
        self.problems: list[str] = []

    # -- changes ------------------------------------------------------------------
    def write(self, path: str, value: str) -> None:
        """Write a sysfs/procfs file, remembering its old value the first time."""
        if path not in self._saved:
            old = self.files.read_file(path)
            if old is None:
                raise OSError(f"cannot read {path}")
            self._saved.add(path)
            self._undo.append((path, self._rewriter(path, _old_value(path, old))))
        self.files.write_file(path, value)

    def _rewriter(self, path: str, old: str) -> Callable[[], None]:
        return lambda: self.files.write_file(path, old)

    def keep_mempolicy(self) -> None:
        """Remember the task's memory policy (once) so that it can be put back."""
        if "mempolicy" in self._saved:
            return
        mode, nodes = self.policies.get_mempolicy()
        self._saved.add("mempolicy")

        def put_back() -> None:
            rc, err = self.policies.set_mempolicy(mode & _MODE_MASK, nodes)
            if rc < 0:
                raise OSError(err, "set_mempolicy")

        self._undo.append(("memory policy", put_back))

    # -- the block ------------------------------------------------------------------
    def restore(self) -> None:
        """Undo every change, newest first; a failing undo is noted, the rest still run."""
        while self._undo:
            what, fn = self._undo.pop()
            try:
                fn()
            except OSError as exc:
                self.problems.append(f"could not restore {what}: {exc}")
        self._saved.clear()

    def __enter__(self) -> Restorer:
        for sig in _SIGNALS:
            # off the main thread no handler can be set: Ctrl+C still unwinds
            with contextlib.suppress(ValueError):
                self._old_handlers[sig] = signal.signal(sig, _raise_interrupted)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        # a second signal while restoring must not stop the restore half-way
        for sig in self._old_handlers:
            signal.signal(sig, signal.SIG_IGN)
        old_int = _set(signal.SIGINT, signal.SIG_IGN)
        try:
            self.restore()
        finally:
            _set(signal.SIGINT, old_int)
            for sig, handler in self._old_handlers.items():
                signal.signal(sig, handler)
            self._old_handlers.clear()


def _set(sig: int, handler: Any) -> Any:
    """signal.signal that does nothing off the main thread (returns the old handler)."""
    try:
        return signal.signal(sig, handler)
    except ValueError:
        return signal.getsignal(sig)


def _raise_interrupted(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(f"signal {signal.Signals(signum).name}")


def _old_value(path: str, text: str) -> str:
    """The value to write back: THP's ``always [madvise] never`` gives ``madvise``."""
    if "[" in text and "]" in text:
        return text[text.index("[") + 1: text.index("]")]
    return text.strip()
