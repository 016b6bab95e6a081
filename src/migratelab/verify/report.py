"""What ``migratelab verify`` prints: the check-style report, JSON, and ``--record`` TOML."""

from __future__ import annotations

import json
import re
from typing import Any

from migratelab.kernel.machine import AGREEMENT_COUNTERS
from migratelab.levels import record_as_result
from migratelab.levels.cli_check import report_lines
from migratelab.levels.format import toml_builtins
from migratelab.scenario import ops as O
from migratelab.verify.check import FileResult
from migratelab.verify.host import Host


def header(host: Host, profile: str | None, privileged: bool) -> str:
    """The first line: which kernel answered, and which profile judges it."""
    nodes = len(host.memory_nodes)
    line = (f"kernel {host.release}, {nodes} NUMA node{'s' if nodes != 1 else ''} with "
            f"memory, profile {profile or '(none)'}")
    if host.numa_balancing:
        line += (" (NUMA balancing is switched off while verify runs)" if privileged else
                 " (NUMA balancing is on and only root may switch it off: it may move "
                 "pages during a run)")
    return line


def text_lines(result: FileResult, verbose: bool) -> list[str]:
    """One file in ``migratelab check``'s shape (a refusal is one REFUSED line)."""
    lines = report_lines(result.report, verbose)  # an unreadable file: ERROR ...
    if result.refused:
        lines = [f"REFUSED {result.report.load_error}"]
    lines.extend(f"  restore: {p}" for p in result.restore_problems)
    return lines


def summary(results: list[FileResult]) -> str:
    """The closing line."""
    agree = sum(1 for r in results if r.report.ok and not r.could_not_run)
    refused = sum(1 for r in results if r.could_not_run)
    differ = len(results) - agree - refused
    return f"{agree} agree, {differ} differ, {refused} could not run"


def as_json(host: Host, profile: str | None, results: list[FileResult]) -> dict[str, Any]:
    """One JSON document for ``--json``."""
    return {
        "kernel": host.release, "nodes": list(host.memory_nodes), "profile": profile,
        "files": [{**r.report.as_dict(), "could_not_run": r.could_not_run,
                   "restore_problems": r.restore_problems} for r in results],
        "summary": summary(results),
    }


#: Counters besides the six that ``--record`` writes: the migration's own.
RECORDED_VMSTAT = ("pgmigrate", "thp_migration", "thp_split", "htlb_buddy_alloc")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def toml_value(value: Any) -> str:
    """One value in the level files' compact style (inline tables, one-line arrays)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def _key(name: str) -> str:
    return name if _BARE_KEY.match(name) else json.dumps(name)


def record_toml(result: FileResult, release: str) -> str:
    """Every call that ran, as ``[[expect]]`` tables for the chosen profile."""
    profile = result.profile or "?"
    blocks: list[str] = [f"# {result.report.path}: what kernel {release} answered "
                         f"(profile {profile})"]
    for check, rec in result.records:
        if not isinstance(check.request, (O.MovePages, O.Query)):
            continue  # a level's [[expect]] asks move_pages only
        res = record_as_result(rec, [profile])
        res.pop("migrate_calls", None)  # a real kernel does not show it
        if "vmstat" in res:  # the rest of the machine moves pgfault, nr_free_pages...
            res["vmstat"] = {k: v for k, v in res["vmstat"].items()
                             if k in AGREEMENT_COUNTERS or k.startswith(RECORDED_VMSTAT)}
        if not res.get("vmstat") and rec.get("nodes_null"):
            res.pop("vmstat", None)  # a query moves nothing
        head: dict[str, Any] = {}
        if check.label:
            head["name"] = check.label
        if check.setup:
            head["setup"] = toml_builtins(check.setup)
        head["request"] = toml_builtins(check.request)
        lines = ["[[expect]]", *(f"{k} = {toml_value(v)}" for k, v in head.items()), "",
                 "[[expect.results]]", *(f"{k} = {toml_value(v)}" for k, v in res.items())]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"
