"""Forked children of a real-kernel run (the ``fork``, ``child`` and ``child_exit`` ops).

A child is a real ``fork(2)`` of the verify process, so it shares every page the
parent has mapped (copy-on-write) and keeps mapcount 2 while it lives. It runs the
ops it is sent over a pipe (JSON, decoded with the same ops union) and answers
with their records. It changes nothing machine-wide and never restores anything:
only the parent does. Whatever happens in the child ends in ``os._exit``.
"""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING, Any

import msgspec

from migratelab.scenario import ops as O
from migratelab.verify.region import RealRunError

if TYPE_CHECKING:
    from migratelab.verify.runner import RealRunner

_OPS = msgspec.json.Decoder(list[O.Op])


class ChildProcess:
    """The parent's handle on one live child."""

    def __init__(self, pid: int, to_child: int, from_child: int) -> None:
        self.pid = pid
        self._w = os.fdopen(to_child, "wb")
        self._r = os.fdopen(from_child, "rb")

    @classmethod
    def start(cls, parent: RealRunner) -> ChildProcess:
        """Fork; the child waits for ops."""
        r1, w1 = os.pipe()
        r2, w2 = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child
            code = 1
            try:
                os.close(w1)
                os.close(r2)
                for other in parent.children.values():
                    other.close_files()
                _serve(parent, r1, w2)
                code = 0
            except BaseException:  # the child must never unwind into the parent's code
                code = 1
            finally:
                os._exit(code)
        os.close(r1)
        os.close(w2)
        return cls(pid, w1, r2)

    def run(self, ops: list[Any]) -> list[dict[str, Any]]:
        """Have the child apply ``ops``; returns their records."""
        self._w.write(msgspec.json.encode(ops) + b"\n")
        self._w.flush()
        line = self._r.readline()
        if not line:
            raise RealRunError("the child process died")
        answer = msgspec.json.decode(line)
        if isinstance(answer, dict) and "error" in answer:
            raise RealRunError(f"in the child: {answer['error']}")
        records: list[dict[str, Any]] = answer
        return records

    def close_files(self) -> None:
        """Close this handle's pipe ends (a later child must not hold them open)."""
        for fh in (self._w, self._r):
            with contextlib.suppress(OSError):
                fh.close()

    def end(self) -> None:
        """Let the child go and wait for it (end of file on its pipe ends its loop)."""
        self.close_files()
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


def _serve(parent: RealRunner, r: int, w: int) -> None:
    from migratelab.verify.runner import RealRunner

    me = RealRunner(parent.sys, parent.host, parent.restorer, is_child=True,
                    regions=dict(parent.regions))
    with os.fdopen(r, "rb") as rf, os.fdopen(w, "wb") as wf:
        for line in rf:
            try:
                answer: Any = [me.apply(op, i) for i, op in enumerate(_OPS.decode(line))]
            except (RealRunError, msgspec.DecodeError) as exc:
                answer = {"error": str(exc)}
            wf.write(msgspec.json.encode(answer) + b"\n")
            wf.flush()
