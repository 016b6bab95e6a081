"""Levels built by demonstration: what the player did becomes a level file.

The file holds the ops the player ran, never a dump of kernel state, so it stays
readable and, where its ops allow, runs on a real kernel:

- ``[[setup]]``: the world's own setup ops, then every op the player applied up to
  the trailing run of calls and drains (a staged op after a call makes that call
  part of the setup, since a solution holds only calls and drains);
- ``[solution].ops``: that trailing run of calls and drains;
- ``[goal]``: *placement* (where the requested pages ended), *predict* (the last
  call's ``ret``, ``errno`` and ``status[]``) or *provoke* (the first notable
  outcome of the calls: an errno, an error status, a positive return, a THP split);
- ``[[expect]]``: each call's observed result on the current profile, and on
  request on every profile (profiles with equal results share one entry).

The draft is rejected, with one clear line, when its goal would already hold
before the solution runs or the calls provoked nothing notable.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import msgspec
import tomli_w

from migratelab.kernel.profiles import PROFILES
from migratelab.levels import (
    Goal,
    Level,
    build_world,
    evaluate,
    page_folio,
    parse_level,
    record_as_result,
    request_text,
)
from migratelab.levels.format import toml_builtins
from migratelab.scenario import ops as O
from migratelab.scenario.loading import InputError

GoalKind = Literal["placement", "predict", "provoke"]
GOAL_KINDS: tuple[str, ...] = ("placement", "predict", "provoke")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_PLAYER_OPS = (O.MovePages, O.Query, O.LruAddDrain, O.LruAddDrainAll)


class AuthoringError(Exception):
    """The draft cannot become a level; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class LevelDraft:
    """What the author says about the level to save."""

    id: str
    title: str
    goal: GoalKind
    profile: str = "v6.12"
    #: Record the calls' results on every profile, not only the current one.
    all_profiles: bool = False


def split_solution(applied: Sequence[O.Op]) -> tuple[list[O.Op], list[O.Op]]:
    """(setup tail, solution): the solution is the trailing run of calls and drains."""
    cut = len(applied)
    while cut > 0 and isinstance(applied[cut - 1], _PLAYER_OPS):
        cut -= 1
    return list(applied[:cut]), list(applied[cut:])


def _calls(ops: Sequence[O.Op]) -> list[int]:
    return [i for i, op in enumerate(ops) if isinstance(op, (O.MovePages, O.Query))]


def _run(level: Level, ops: Sequence[O.Op], profile: str) -> tuple[Any, list[dict[str, Any]]]:
    runner = build_world(level, profile)
    records = [runner.apply(op, i, runner.proc) for i, op in enumerate(ops)]
    return runner, records


def _placement_goal(ops: Sequence[O.Op], runner: Any) -> dict[str, Any]:
    pages: dict[tuple[str, int], None] = {}
    for op in ops:
        if not isinstance(op, O.MovePages) or op.nodes_null:
            continue
        if op.range is not None:
            count = runner.region(op.range.id, 0).pages
            sel = op.range.pages
            start, n = (0, count) if sel == "all" else sel
            pages.update({(op.range.id, p): None for p in range(start, start + n)})
        for e in op.entries or []:
            rid, page = (e.id, e.page) if isinstance(e, O.EntryObj) else (e[0], e[1])
            if rid not in ("UNMAPPED", "NULL"):
                pages[(str(rid), int(page))] = None
    by_node: dict[tuple[str, int], list[int]] = {}
    for rid, page in pages:
        node = _node_of(runner, rid, page)
        if node is None:
            continue
        by_node.setdefault((rid, node), []).append(page)
    if not by_node:
        raise AuthoringError("none of the requested pages is present: nothing to place")
    return {"text": "Put the pages where the author's calls put them.",
            "placement": [{"id": rid, "node": node, "pages": sorted(ps)}
                          for (rid, node), ps in sorted(by_node.items())]}


def _node_of(runner: Any, rid: str, page: int) -> int | None:
    folio = page_folio(runner, rid, page)
    return None if folio is None else int(folio.node)


def _provoke_goal(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    for rec in records:
        if rec.get("errno"):
            return {"provoke": [{"errno": rec["errno"]}]}
        bad = [s for s in rec.get("status_str") or [] if s.startswith("-E")]
        if bad:
            return {"provoke": [{"status": bad[0]}]}
        if rec.get("ret", 0) > 0:
            return {"provoke": [{"positive_return": True}]}
        if rec.get("vmstat_delta", {}).get("thp_split_page", 0):
            return {"provoke": [{"thp_split": True}]}
    raise AuthoringError("the calls provoked nothing to ask for (no errno, no error "
                         "status, no positive return, no THP split)")


def _expects(level: Level, solution: Sequence[O.Op], draft: LevelDraft
             ) -> list[dict[str, Any]]:
    profiles = list(PROFILES) if draft.all_profiles else [draft.profile]
    runs = {p: _run(level, solution, p)[1] for p in profiles}
    out = []
    for n, i in enumerate(_calls(solution)):
        groups: dict[str, list[str]] = {}
        results: dict[str, dict[str, Any]] = {}
        for p in profiles:
            res = record_as_result(runs[p][i], [])
            key = repr(sorted(res.items()))
            groups.setdefault(key, []).append(p)
            results[key] = res
        out.append({
            "name": f"call {n + 1} of the solution",
            "setup": toml_builtins(list(solution[:i])),
            "request": toml_builtins(solution[i]),
            "results": [{**results[k], "profiles": ps} for k, ps in groups.items()],
        })
        if not out[-1]["setup"]:
            del out[-1]["setup"]
    return out


def build_level(draft: LevelDraft, machine: dict[str, Any], base_setup: Sequence[O.Op],
                applied: Sequence[O.Op], source: str = "") -> str:
    """The level file (TOML text) for what was done; raises :class:`AuthoringError`."""
    if not _ID.match(draft.id):
        raise AuthoringError("the id must be lower case letters, digits, - and _ "
                             "(at most 64), starting with a letter or digit")
    if not draft.title.strip():
        raise AuthoringError("the title must not be empty")
    if draft.goal not in GOAL_KINDS:
        raise AuthoringError(f"the goal must be one of {', '.join(GOAL_KINDS)}")
    tail, solution = split_solution(applied)
    if not _calls(solution):
        raise AuthoringError("make at least one move_pages call (after your last setup "
                             "command) before saving: it becomes the solution")
    data: dict[str, Any] = {
        "schema_version": 1,
        "level": {"id": draft.id, "title": draft.title.strip(), "chapter": 0, "order": 0,
                  "profile": draft.profile,
                  "story": "A level saved by demonstration. Edit this story to tell "
                           "players what to look for.",
                  "source": source or "saved from migratelab by demonstration"},
        "machine": machine,
        "setup": toml_builtins([*base_setup, *tail]),
    }
    level = msgspec.convert(data, Level)
    runner, records = _run(level, solution, draft.profile)
    calls = _calls(solution)
    last = solution[calls[-1]]
    if draft.goal == "predict":
        rec = records[calls[-1]]
        data["goal"] = {"text": "Predict what the last call returns.",
                        "predict": {"request": toml_builtins(last),
                                    "check": ["ret", "errno", "status"]}}
        prediction: dict[str, Any] = {"ret": rec["ret"],
                                      "status": rec.get("status_str") or []}
        if rec.get("errno"):
            prediction["errno"] = rec["errno"]
        data["solution"] = {"ops": toml_builtins(solution[:calls[-1]]), "prediction": prediction}
        if not data["solution"]["ops"]:
            del data["solution"]["ops"]
    else:
        goal = (_placement_goal(solution, runner) if draft.goal == "placement"
                else _provoke_goal([records[i] for i in calls]))
        data["goal"] = goal
        data["solution"] = {"ops": toml_builtins(solution), "par": len(calls)}
        fresh = build_world(msgspec.convert(data, Level), draft.profile)
        if evaluate(msgspec.convert(goal, Goal), fresh, []).met:
            raise AuthoringError("the goal already holds before any call: move something "
                                 "first")
    data["hints"] = [{"text": h} for h in _hints(draft.goal, last)]
    data["expect"] = _expects(level, solution, draft)
    text = tomli_w.dumps(data)
    try:
        parse_level(text.encode(), f"<{draft.id}>")
    except InputError as exc:
        raise AuthoringError(f"the saved level would not load: {exc}") from None
    return text


def _hints(goal: str, last: object) -> list[str]:
    request = request_text(last) if isinstance(last, (O.MovePages, O.Query)) else ""
    return [
        {"placement": "Look at where each requested page sits now, and where it must go.",
         "predict": "Walk the request entry by entry, as do_pages_move does.",
         "provoke": "Which state of the machine makes the kernel answer this way?"}[goal],
        "The setup is the whole story: read every [[setup]] op.",
        f"The author's last call was {request}." if request else
        "Replay the author's calls.",
    ]


__all__ = ["GOAL_KINDS", "AuthoringError", "LevelDraft", "build_level",
           "split_solution"]
