"""Saved progress: which levels are solved, with how many syscalls and stars.

Stored as JSON under the XDG data directory (``platformdirs.user_data_dir``), or
under ``$MIGRATELAB_DATA_DIR`` when set (tests). The promise is that a player's
progress is never lost:

- the file is read with :func:`migratelab.inputfile.read_bounded` (a FIFO or a
  symlink to ``/dev/zero`` in its place cannot hang the app) and decoded into
  msgspec Structs with bounds, so no value is used unchecked;
- a file that cannot be read or decoded is moved aside under a unique name
  (``progress.json.corrupt-<time>-<random>``) and the player is warned; if it
  cannot be moved, saving is switched off for the session, so it is never
  overwritten;
- writes merge with what is on disk (another window may have saved meanwhile),
  go to a temporary file that is fsynced, replace the old one atomically, and
  the directory is fsynced so the rename survives a crash.

Keys: a shipped level is kept by its id; a level file opened with ``migratelab
play FILE`` whose bytes differ from every shipped file is kept by
``id@<hash of its content>`` (:func:`progress_key`), so an edited copy never marks
the shipped level solved. Nothing here raises on bad files.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import msgspec

from migratelab.inputfile import InputFileError, read_bounded, shorten

FILE_NAME = "progress.json"
VERSION = 1
MAX_PROGRESS_BYTES = 4 * 1024 * 1024
MAX_LEVELS = 100_000
#: ``first-move`` or ``first-move@0123456789abcdef`` (a level file's id and content hash).
KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}(@[0-9a-f]{16})?$"
HASH_CHARS = 16
_BOM = b"\xef\xbb\xbf"

Count = Annotated[int, msgspec.Meta(ge=0, le=1 << 40)]


class LevelRecord(msgspec.Struct):
    """Best result for one level (bounds are checked when a file is decoded)."""

    syscalls: Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]
    stars: Annotated[int, msgspec.Meta(ge=0, le=3)]
    pages_moved: Count = 0
    migrate_calls: Count = 0

    def better_than(self, other: LevelRecord) -> bool:
        """More stars, or as many with fewer syscalls."""
        return (self.stars, -self.syscalls) > (other.stars, -other.syscalls)


Key = Annotated[str, msgspec.Meta(pattern=KEY_PATTERN)]


class ProgressFile(msgspec.Struct):
    """The file as stored; unknown fields (from a newer migratelab) are ignored."""

    solved: Annotated[dict[Key, LevelRecord], msgspec.Meta(max_length=MAX_LEVELS)]
    version: Annotated[int, msgspec.Meta(ge=1)] = VERSION


class ProgressError(Exception):
    """A progress file that cannot be used: the message is one line."""


@dataclass(slots=True)
class Progress:
    """Every solved level, and a warning if the file had to be set aside.

    ``writable`` is False when the file on disk could be neither read nor moved
    aside: saving would destroy it, so :func:`save_progress` refuses.
    """

    solved: dict[str, LevelRecord] = field(default_factory=dict)
    warning: str | None = None
    path: Path | None = None
    writable: bool = True

    def record(self, level_id: str, rec: LevelRecord) -> bool:
        """Keep ``rec`` if it is the first or a better result; True when kept."""
        old = self.solved.get(level_id)
        if old is None or rec.better_than(old):
            self.solved[level_id] = rec
            return True
        return False

    def merge(self, other: dict[str, LevelRecord]) -> list[str]:
        """Take every record of ``other`` that is new or better; the keys taken."""
        return [key for key, rec in sorted(other.items()) if self.record(key, rec)]


def data_dir() -> Path:
    """Where progress lives: $MIGRATELAB_DATA_DIR or the platform's user data dir."""
    env = os.environ.get("MIGRATELAB_DATA_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("migratelab"))


def default_path() -> Path:
    """The progress file of this user."""
    return data_dir() / FILE_NAME


# -- decoding and encoding ---------------------------------------------------------------

def decode_progress(raw: bytes, name: str) -> dict[str, LevelRecord]:
    """Validated records from a file's bytes (a UTF-8 BOM is allowed); raises
    :class:`ProgressError` with one line naming ``name``."""
    if raw.startswith(_BOM):
        raw = raw[len(_BOM):]
    try:
        data = msgspec.json.decode(raw, type=ProgressFile)
    except msgspec.ValidationError as exc:
        raise ProgressError(shorten(f"{name}: {exc}")) from None
    except msgspec.DecodeError as exc:
        text = str(exc)
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as uexc:
            text = f"not UTF-8 text (byte {uexc.start})"
        raise ProgressError(shorten(f"{name}: not valid JSON: {text}")) from None
    except RecursionError:
        raise ProgressError(f"{name}: nested too deeply") from None
    if data.version > VERSION:
        raise ProgressError(f"{name}: version {data.version} is newer than this migratelab "
                            f"reads ({VERSION})")
    return dict(data.solved)


def encode_progress(solved: dict[str, LevelRecord]) -> bytes:
    """The file's bytes: sorted, indented JSON."""
    data = ProgressFile(solved=dict(sorted(solved.items())), version=VERSION)
    return msgspec.json.format(msgspec.json.encode(data), indent=1) + b"\n"


def read_progress_file(path: Path) -> dict[str, LevelRecord]:
    """Records of a progress (or export) file; :class:`ProgressError` if unusable."""
    try:
        raw = read_bounded(path, MAX_PROGRESS_BYTES)
    except InputFileError as exc:
        raise ProgressError(str(exc)) from None
    return decode_progress(raw, str(path))


# -- the player's file -------------------------------------------------------------------

def load_progress(path: Path | None = None) -> Progress:
    """Read progress; a missing file is empty progress, a bad one is set aside."""
    p = path or default_path()
    try:
        raw = read_bounded(p, MAX_PROGRESS_BYTES)
    except InputFileError as exc:
        if exc.missing:
            return Progress(path=p)
        return _set_aside(p, f"progress file could not be read ({exc})")
    try:
        solved = decode_progress(raw, p.name)
    except ProgressError as exc:
        return _set_aside(p, f"progress file was unreadable ({exc})")
    return Progress(solved=solved, path=p)


def _set_aside(p: Path, why: str) -> Progress:
    try:
        aside = move_aside(p)
    except OSError as exc:
        return Progress(path=p, writable=False, warning=(
            f"{why}; it could not be moved aside ({exc.strerror or exc}), so progress "
            f"will not be saved this session and the file is left untouched"))
    return Progress(path=p, warning=f"{why}; moved to {aside.name}, starting afresh")


def move_aside(p: Path, tag: str = "corrupt") -> Path:
    """Rename ``p`` to ``NAME.TAG-<time>-<random>``, a name no other call picks."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.localtime())
    while True:
        aside = p.with_name(f"{p.name}.{tag}-{stamp}-{secrets.token_hex(4)}")
        if not os.path.lexists(aside):
            break
    os.rename(p, aside)
    _fsync_dir(p.parent)
    return aside


def _fsync_dir(d: Path) -> None:
    """Make a rename in ``d`` durable; some filesystems cannot, which is fine."""
    try:
        fd = os.open(d, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def save_progress(progress: Progress, path: Path | None = None) -> str | None:
    """Merge with the file on disk and write atomically.

    Returns None, or one line for the player: why nothing was saved, or that the
    file on disk had gone bad and was set aside before saving.
    """
    p = path or progress.path or default_path()
    if not progress.writable:
        return f"progress not saved: {p} could not be read, and is left untouched"
    on_disk = load_progress(p)
    if not on_disk.writable:
        return f"progress not saved: {on_disk.warning}"
    progress.merge(on_disk.solved)
    error = write_atomic(p, encode_progress(progress.solved))
    return error or on_disk.warning


def write_atomic(p: Path, data: bytes) -> str | None:
    """Temp file + fsync + rename + directory fsync; an error message or None."""
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".progress-", suffix=".tmp", dir=p.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, p)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        return f"cannot save progress to {p}: {exc.strerror or exc}"
    _fsync_dir(p.parent)
    return None


# -- keys ----------------------------------------------------------------------------------

def content_hash(raw: bytes) -> str:
    """The first hex digits of the SHA-256 of a level file's bytes."""
    return hashlib.sha256(raw).hexdigest()[:HASH_CHARS]


def progress_key(level_id: str, raw: bytes, shipped: set[str] | None = None) -> str:
    """The key a level file's result is kept under: its id when its bytes are those
    of a shipped level file, else ``id@hash``. ``shipped`` is the set of hashes of
    the shipped files (default: computed from the installed levels)."""
    digest = content_hash(raw)
    if digest in (shipped if shipped is not None else shipped_hashes()):
        return level_id
    return f"{level_id}@{digest}"


def shipped_hashes() -> set[str]:
    """Content hashes of the installed level files."""
    from migratelab.levels import shipped_dir

    out: set[str] = set()
    for path in shipped_dir().glob("*.toml"):
        try:
            out.add(content_hash(read_bounded(path, MAX_PROGRESS_BYTES)))
        except InputFileError:
            continue
    return out
