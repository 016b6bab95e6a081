"""Saved progress: which levels are solved, with how many syscalls and stars.

Stored as JSON under the XDG data directory (``platformdirs.user_data_dir``), or
under ``$MIGRATELAB_DATA_DIR`` when set (tests). Writes are atomic (temp file +
``os.replace``). A file that cannot be read is renamed aside and reported as a
warning; progress then starts empty. Nothing here raises on bad files.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

FILE_NAME = "progress.json"
VERSION = 1


@dataclass(slots=True)
class LevelRecord:
    """Best result for one level."""

    syscalls: int
    stars: int
    pages_moved: int = 0
    migrate_calls: int = 0


@dataclass(slots=True)
class Progress:
    """Every solved level, and a warning if the file had to be set aside."""

    solved: dict[str, LevelRecord] = field(default_factory=dict)
    warning: str | None = None
    path: Path | None = None

    def record(self, level_id: str, rec: LevelRecord) -> bool:
        """Keep ``rec`` if it is the first or a better result; True when kept."""
        old = self.solved.get(level_id)
        if old is None or (rec.stars, -rec.syscalls) > (old.stars, -old.syscalls):
            self.solved[level_id] = rec
            return True
        return False


def data_dir() -> Path:
    """Where progress lives: $MIGRATELAB_DATA_DIR or the platform's user data dir."""
    env = os.environ.get("MIGRATELAB_DATA_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("migratelab"))


def load_progress(path: Path | None = None) -> Progress:
    """Read progress; a missing file is empty progress, a corrupt one is set aside."""
    p = path or data_dir() / FILE_NAME
    try:
        raw = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Progress(path=p)
    except OSError as exc:
        return Progress(path=p, warning=f"cannot read {p}: {exc.strerror or exc}")
    try:
        data = json.loads(raw)
        if not isinstance(data, dict) or not isinstance(data.get("solved"), dict):
            raise ValueError("no 'solved' table")
        solved = {str(k): LevelRecord(int(v["syscalls"]), int(v["stars"]),
                                      int(v.get("pages_moved", 0)),
                                      int(v.get("migrate_calls", 0)))
                  for k, v in data["solved"].items()}
    except (ValueError, TypeError, KeyError) as exc:
        aside = p.with_name(f"{p.name}.corrupt-{int(time.time())}")
        try:
            os.replace(p, aside)
            where = f"moved to {aside.name}"
        except OSError:
            where = "left in place"
        return Progress(path=p, warning=f"progress file was unreadable ({exc}); {where}")
    return Progress(solved=solved, path=p)


def save_progress(progress: Progress, path: Path | None = None) -> str | None:
    """Write atomically; returns an error message instead of raising."""
    p = path or progress.path or data_dir() / FILE_NAME
    data = {"version": VERSION, "solved": {
        k: {"syscalls": r.syscalls, "stars": r.stars, "pages_moved": r.pages_moved,
            "migrate_calls": r.migrate_calls} for k, r in sorted(progress.solved.items())}}
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".progress-", suffix=".tmp", dir=p.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, indent=1)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, p)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        return f"cannot save progress to {p}: {exc.strerror or exc}"
    return None
