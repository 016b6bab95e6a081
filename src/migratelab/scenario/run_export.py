"""Keep a run: the trace as JSON lines, the final screen as SVG, a Markdown summary.

Used by ``migratelab run --export DIR`` (headless: the "screen" is the text report
drawn as an SVG) and by the app's "export run" key (the real screen). A folder
holds ``trace.jsonl`` (one event per line, with its ``event`` tag), ``screen.svg``
and ``summary.md`` (per syscall: the request, ``ret``/errno, ``status[]``, the
vmstat counters that changed and the ``migrate_pages()`` calls; and the profile).
"""

from __future__ import annotations

import enum
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from migratelab.kernel.events import Event

#: status[] slots listed in the summary before it folds the rest into counts.
STATUS_SHOWN = 64
FILES = ("trace.jsonl", "screen.svg", "summary.md")


class ExportError(Exception):
    """The folder cannot be written; the message names it and why."""


@dataclass(frozen=True, slots=True)
class CallSummary:
    """One syscall of the run, as the summary prints it."""

    request: str
    record: dict[str, Any]


def _plain(value: object) -> object:
    """JSON for what events carry besides plain values (enums, tuples, sets)."""
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def trace_lines(events: Iterable[Event]) -> Iterable[str]:
    """One JSON object per event."""
    for event in events:
        yield json.dumps(event.as_dict(), default=_plain)


def request_json(op: object) -> str:
    """An op in the ops language, compact (what a scenario file would say)."""
    import msgspec

    plain = msgspec.to_builtins(op)
    if isinstance(plain, dict):  # defaults left out, as a person would write it
        plain = {k: v for k, v in plain.items() if v is not None and v != []}
    return json.dumps(plain, separators=(",", ":"))


def summary_markdown(title: str, profile: str, calls: Sequence[CallSummary],
                     note: str = "") -> str:
    """The Markdown summary of a run."""
    out = [f"# {title}", "", f"Kernel profile: `{profile}`", ""]
    if note:
        out += [note, ""]
    syscalls = [c for c in calls if c.record.get("op") in ("move_pages", "query")]
    if not syscalls:
        out.append("No move_pages call was made.")
    for n, call in enumerate(syscalls, 1):
        rec = call.record
        ret = f"{rec.get('ret')}" + (f" ({rec['errno']})" if rec.get("errno") else "")
        out += [f"## Call {n}: {rec.get('op')}", "", f"- request: `{call.request}`",
                f"- ret: `{ret}`"]
        status = list(rec.get("status_str") or [])
        if status:
            shown = ", ".join(status[:STATUS_SHOWN])
            more = f", … ({len(status) - STATUS_SHOWN} more)" if len(status) > STATUS_SHOWN else ""
            out.append(f"- status[{len(status)}]: `[{shown}{more}]`")
        elif rec.get("status_hist"):
            out.append(f"- status[] counts: `{rec['status_hist']}`")
        delta = {k: v for k, v in (rec.get("vmstat_delta") or {}).items() if v}
        out.append("- vmstat deltas: " + (", ".join(f"`{k} {v:+d}`" for k, v in delta.items())
                                           or "none"))
        if rec.get("op") == "move_pages":
            out.append(f"- migrate_pages() calls: {rec.get('migrate_calls', 0)}")
        out.append("")
    return "\n".join(out)


def text_svg(text: str, title: str) -> str:
    """A terminal-style SVG of a text report (the headless run's "final screen")."""
    from rich.console import Console

    width = min(160, max(80, *(len(line) for line in text.splitlines())))
    console = Console(record=True, width=width, file=io.StringIO(), color_system="truecolor")
    console.print(text, markup=False, highlight=False)
    return console.export_svg(title=title)


def slug(name: str) -> str:
    """A folder name for a scenario or level name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "run"


def write_export(folder: Path, *, title: str, profile: str, calls: Sequence[CallSummary],
                 events: Iterable[Event], svg: str, note: str = "") -> list[Path]:
    """Write the three files into ``folder`` (created; our files in it are replaced)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        paths = [folder / name for name in FILES]
        with paths[0].open("w", encoding="utf-8") as out:
            for line in trace_lines(events):
                out.write(line + "\n")
        paths[1].write_text(svg, encoding="utf-8")
        paths[2].write_text(summary_markdown(title, profile, calls, note), encoding="utf-8")
    except OSError as exc:
        raise ExportError(f"{folder}: {exc.strerror or exc}") from None
    return paths


def export_scenario_run(folder: str | Path, result: dict[str, Any], scenario: Any,
                        events: Sequence[Event]) -> str | None:
    """``migratelab run --export DIR``: one scenario's run on one profile, into
    ``DIR/<scenario name>/``; the "screen" is the summary drawn as a terminal.
    Returns an error message, or None."""
    ops = list(getattr(scenario, "ops", []))
    calls = [CallSummary(request_json(ops[rec["i"]]) if 0 <= rec.get("i", -1) < len(ops)
                         else "", rec) for rec in result["ops"]]
    name = str(result["name"])
    text = summary_markdown(name, str(result["kernel"]), calls)
    try:
        write_export(Path(folder) / slug(name), title=name, profile=str(result["kernel"]),
                     calls=calls, events=events, svg=text_svg(text, name))
    except ExportError as exc:
        return str(exc)
    return None
