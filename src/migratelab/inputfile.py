"""Bounded reading of files a user hands us (levels, scenarios, progress, imports).

A path can name anything: a FIFO that blocks ``open()`` forever, ``/dev/zero``
behind a symlink that never ends, a directory, a 6 GB log. :func:`read_bounded`
opens without blocking, checks on the *opened* descriptor (so a swap between the
check and the read cannot fool it) that it is a regular file, and reads at most
``limit + 1`` bytes, so a file that grows while we read is still refused.

Every failure is an :class:`InputFileError` whose message is the whole one-line
report, naming the file. This module sits below every layer and imports nothing
from the project.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path

__all__ = ["InputFileError", "clip", "read_bounded", "shorten"]

#: How many characters of a user's value an error message quotes.
CLIP = 60
#: Longest error line kept whole.
MAX_MESSAGE = 400
# longer than a cut value (CLIP characters and "..."), so shortening twice changes nothing
_LONG = re.compile(rf"'[^'\n]{{{CLIP + 4},}}'|\"[^\"\n]{{{CLIP + 4},}}\"|\S{{{4 * CLIP},}}")


class InputFileError(Exception):
    """A file that cannot be used: the message is the whole one-line report.

    ``missing`` is True when the file does not exist (a missing progress file is
    empty progress, not an error).
    """

    def __init__(self, message: str, *, missing: bool = False) -> None:
        super().__init__(shorten(message))
        self.missing = missing


def clip(value: object, limit: int = CLIP) -> str:
    """``repr(value)`` cut to ``limit`` characters, saying how much was cut."""
    text = value if isinstance(value, str) else repr(value)
    text = text.replace("\n", "\\n").replace("\r", "\\r")
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text)} characters)"


def shorten(message: str) -> str:
    """One readable line: long quoted values and long words cut to a few dozen
    characters (saying how long they were), newlines escaped, the whole capped."""
    text = message.replace("\r", "\\r").replace("\n", "\\n")
    text = _LONG.sub(lambda m: _cut(m.group(0)), text)
    if len(text) > MAX_MESSAGE:
        text = f"{text[:MAX_MESSAGE]}... ({len(text)} characters)"
    return text


def _cut(token: str) -> str:
    quote = token[0] if token[0] in "'\"" and token[-1] == token[0] else ""
    body = token[1:-1] if quote else token
    keep = CLIP if quote else 2 * CLIP
    return f"{quote}{body[:keep]}...{quote} ({len(body)} characters)"


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def read_bounded(path: str | Path, limit: int) -> bytes:
    """The bytes of the regular file at ``path``, at most ``limit`` of them.

    Symlinks are followed, but only to a regular file. Raises
    :class:`InputFileError` for a missing or unreadable file, anything that is not
    a regular file (FIFO, device, socket, directory), or a file over ``limit``
    bytes; a missing file has ``missing`` set.
    """
    p = Path(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(p, flags)
    except OSError as exc:
        raise _os_error(p, exc) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise InputFileError(f"{p}: {_kind(st.st_mode)}, not a regular file")
        if st.st_size > limit:
            raise _too_big(p, limit)
        # A regular file never blocks, but O_NONBLOCK is harmless to leave on.
        chunks: list[bytes] = []
        got = 0
        while got <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - got))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        if got > limit:
            raise _too_big(p, limit)
        return b"".join(chunks)
    except OSError as exc:
        raise _os_error(p, exc) from None
    finally:
        os.close(fd)


def _too_big(p: Path, limit: int) -> InputFileError:
    return InputFileError(f"{p}: file is larger than {limit} bytes")


def _os_error(p: Path, exc: OSError) -> InputFileError:
    return InputFileError(f"{p}: cannot read: {exc.strerror or exc}",
                          missing=exc.errno == errno.ENOENT)
