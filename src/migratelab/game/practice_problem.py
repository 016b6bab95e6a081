"""A practice draft made into a level file, its answer, and its text for ``--print``.

The level file is the one source: the app plays it, ``--save`` writes it, and the
printed problem and answer are built from it and from one run of the simulated
kernel. The answer is what the engine of the chosen profile computes; each
``status[]`` cell's reason comes from :func:`migratelab.game.explain.explain`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec
import tomli_w

from migratelab.game.explain import explain
from migratelab.game.practice import TOPICS, Draft, draft
from migratelab.kernel import errno as E
from migratelab.kernel import events as ev
from migratelab.kernel.profiles import PROFILES
from migratelab.levels import Level, build_world, parse_level
from migratelab.scenario import ops as O

#: Where the answer starts in ``--print --answer`` output (a line of its own).
ANSWER_MARK = "-- answer --"
MEM_MB = 64


@dataclass(frozen=True)
class Problem:
    """One generated predict problem and its answer."""

    seed: int
    profile: str
    topic: str
    #: The problem as a level file (TOML text); ``migratelab check`` passes it.
    toml: str
    level: Level
    ret: int
    errno: str | None
    status: tuple[str, ...]
    #: One line per ``status[]`` cell: why the kernel wrote what it wrote.
    reasons: tuple[str, ...]

    @property
    def command(self) -> str:
        """The command line that gives this problem again."""
        return f"migratelab practice --seed {self.seed} --profile {self.profile} " \
               f"--topic {self.topic}"


def _request(d: Draft) -> dict[str, Any]:
    return {"op": "move_pages", "entries": d.entries, "flags": d.flags}


def _level_dict(d: Draft, seed: int, profile: str, topic: str) -> dict[str, Any]:
    ident = f"practice-{topic}-{profile.replace('.', '_')}-{seed}"
    story = "\n\n".join([
        f"A practice problem (topic *{topic}*, kernel profile {profile}, seed {seed}).",
        *d.facts,
        "Predict what `move_pages` returns: `ret`, `errno` and every `status[]` slot."])
    return {
        "schema_version": 1,
        "level": {"id": ident, "title": f"Practice: {topic} #{seed}", "chapter": 0,
                  "order": 0, "profile": profile, "story": story,
                  "source": f"migratelab practice --seed {seed} --profile {profile} "
                            f"--topic {topic}"},
        "machine": {"nodes": d.nodes, "mem_mb": MEM_MB, "cpus_per_node": 1,
                    "hugetlb_per_node": d.hugetlb_per_node, "thp": "madvise"},
        "setup": d.setup,
        "goal": {"text": "Predict ret, errno and status[] before the call runs.",
                 "predict": {"request": _request(d), "check": ["ret", "errno", "status"]}},
        "hints": [{"text": h} for h in d.hints[:5]],
    }


def _events_of_call(level: Level) -> tuple[dict[str, Any], list[ev.Event]]:
    runner = build_world(level)
    runner.detail = True
    goal = level.goal
    assert goal is not None and goal.predict is not None
    request = goal.predict.request
    pending = runner.start_syscall(request, len(level.setup), runner.proc)
    events: list[ev.Event] = []
    while True:
        try:
            events.append(next(pending.events))
        except StopIteration as stop:
            return pending.finish(stop.value), events


def generate(seed: int, profile: str = "v6.12", topic: str = "mixed") -> Problem:
    """The problem for ``(seed, profile, topic)``; raises ValueError on a bad value."""
    if seed < 0:
        raise ValueError("the seed must be zero or more")
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose one of "
                         f"{', '.join(PROFILES)}")
    if topic not in TOPICS:
        raise ValueError(f"unknown topic {topic!r}; choose one of {', '.join(TOPICS)}")
    d = draft(seed, topic)
    data = _level_dict(d, seed, profile, topic)
    # the answer comes from the kernel first; the file is validated once it has it
    rec, events = _events_of_call(msgspec.convert(data, Level))
    status = [E.status_str(v) for v in rec.get("status") or []]
    answer: dict[str, Any] = {"ret": rec["ret"], "status": status}
    if rec.get("errno"):
        answer["errno"] = rec["errno"]
    data["solution"] = {"prediction": answer}
    result: dict[str, Any] = {"profiles": [profile], "ret": rec["ret"], "status": status}
    if rec.get("errno"):
        result["errno"] = rec["errno"]
    data["expect"] = [{"name": "the predicted call", "request": _request(d),
                       "results": [result]}]
    text = tomli_w.dumps(data)
    level = parse_level(text.encode(), f"<practice {seed}>")
    raw = list(rec.get("status") or [])
    prof = PROFILES[profile]
    reasons = tuple(_reason(explain(i, raw, events, prof).lines) for i in range(len(raw)))
    return Problem(seed=seed, profile=profile, topic=topic, toml=text, level=level,
                   ret=int(rec["ret"]), errno=rec.get("errno"), status=tuple(status),
                   reasons=reasons)


def _reason(lines: tuple[str, ...]) -> str:
    return lines[0] if lines else ""


def _entry_text(entry: Any) -> str:
    if isinstance(entry, O.EntryObj):
        return f"{entry.id}[{entry.page}]"
    rid, page = entry[0], entry[1]
    return str(rid) if rid in ("UNMAPPED", "NULL") else f"{rid}[{page}]"


def _node_text(entry: Any) -> str:
    node = entry.node if isinstance(entry, O.EntryObj) else entry[2]
    return str(node)


def render(problem: Problem, answer: bool = False) -> str:
    """The problem as plain text; with ``answer`` the answer after :data:`ANSWER_MARK`."""
    lv = problem.level
    m = lv.machine
    goal = lv.goal
    assert goal is not None and goal.predict is not None
    req = goal.predict.request
    assert isinstance(req, O.MovePages) and req.entries is not None
    flags = "|".join(req.flags) if isinstance(req.flags, list) else str(req.flags)
    out = [f"migratelab practice: seed {problem.seed}, profile {problem.profile}, "
           f"topic {problem.topic}", "",
           f"Machine: {m.nodes} nodes of {m.mem_mb} MiB, {m.cpus_per_node} CPU per node, "
           f"THP {m.thp}" + (f", {m.hugetlb_per_node} hugetlb page(s) per node"
                             if m.hugetlb_per_node else "") + ".", ""]
    story = lv.level.story.split("\n\n")[1:-1]
    out += [f"  {fact}" for fact in story]
    out += ["", f"Request: move_pages(pid=self, count={len(req.entries)}, flags={flags})"]
    for i, e in enumerate(req.entries):
        out.append(f"  [{i}] pages[{i}] = {_entry_text(e):<10} nodes[{i}] = {_node_text(e)}")
    out += ["", "Predict: ret, errno and status[0.."
                f"{len(req.entries) - 1}]." if req.entries else "Predict: ret and errno."]
    if answer:
        out += ["", ANSWER_MARK,
                f"ret = {problem.ret}, errno = {problem.errno or 'none'}"]
        for i, (value, why) in enumerate(zip(problem.status, problem.reasons, strict=True)):
            out.append(f"  status[{i}] = {value:<8} {why}")
    return "\n".join(out) + "\n"
