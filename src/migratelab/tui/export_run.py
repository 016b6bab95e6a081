"""The app's "export run" key: keep what the screen shows, in a terminal or a browser.

Writes ``trace.jsonl`` (the events of the last call), ``screen.svg`` (this very
screen) and ``summary.md`` (every syscall of the session) with
:func:`migratelab.scenario.run_export.write_export`. In a terminal the folder is
``./migratelab-runs/<level>-<time>/`` (or under ``$MIGRATELAB_EXPORT_DIR``); in a
served browser tab the same folder is also delivered to the browser as a zip.
"""

from __future__ import annotations

import io
import os
import time
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from migratelab.game.request_text import request_command
from migratelab.scenario.run_export import CallSummary, ExportError, slug, write_export

if TYPE_CHECKING:
    from migratelab.tui.screens.play import PlayScreen


def export_folder(level_id: str) -> Path:
    """Where this export goes (a new folder per export)."""
    base = Path(os.environ.get("MIGRATELAB_EXPORT_DIR") or Path.cwd() / "migratelab-runs")
    return base / f"{slug(level_id)}-{time.strftime('%Y%m%d-%H%M%S')}"


def session_calls(screen: PlayScreen) -> list[CallSummary]:
    """Each finished syscall with the request it made, as the player would type it."""
    session, level = screen.session, screen.level
    history = session.history
    commands = session.commands[: len(history)]
    aligned = len(session.commands) - len(history) in (0, 1)  # sandbox staging adds lines
    out: list[CallSummary] = []
    for i, rec in enumerate(history):
        text = commands[i] if aligned and i < len(commands) else str(rec.get("op"))
        if text.startswith("predict") and level.predict_request is not None:
            answer = text.split("  (")[0]
            text = f"{request_command(level.predict_request, session.regions())}  ({answer})"
        out.append(CallSummary(text, dict(rec)))
    return out


def export_run(screen: PlayScreen) -> str:
    """Write the export; the line the message bar shows."""
    app = screen.app
    folder = export_folder(screen.level.id)
    try:
        write_export(folder, title=screen.level.title, profile=screen.level.profile or "?",
                     calls=session_calls(screen), events=screen.session.last_call_events(),
                     svg=app.export_screenshot(title=screen.level.title),
                     note="trace.jsonl holds the events of the last call.")
    except ExportError as exc:
        return f"export failed: {exc}"
    if app.is_web:
        data = io.BytesIO()
        with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(folder.iterdir()):
                zf.write(path, f"{folder.name}/{path.name}")
        data.seek(0)
        app.deliver_binary(data, save_filename=f"{folder.name}.zip",
                           mime_type="application/zip")
        return f"exported: {folder.name}.zip is on its way to your browser"
    return f"exported to {folder} (trace.jsonl, screen.svg, summary.md)"
