"""``migratelab practice``: seeded problems, their text, their answers and their files.

The answers of a few topics are also checked against rules stated in the
reference (``move_pages-semantics.md``), independently of the engine: pages shared
after fork give -EACCES without MPOL_MF_MOVE_ALL; a page that lands in a per-CPU
pagevec during the call gives -EBUSY before 5.13 and migrates after; a node past
the last fails the call with ENODEV.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from mlhelp import PROFILES

from migratelab.cli import main
from migratelab.game.practice import TOPICS, draft
from migratelab.game.practice_problem import ANSWER_MARK, generate, render
from migratelab.levels.check import check_level

#: Seeds per topic in the default run; MIGRATELAB_PRACTICE_SEEDS=200 runs 200 per topic
#: *and* profile (the full soak).
SEEDS = int(os.environ.get("MIGRATELAB_PRACTICE_SEEDS", "0"))


def test_print_is_the_same_text_twice(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["practice", "--seed", "7", "--print"]) == 0
    first = capsys.readouterr().out
    assert main(["practice", "--seed", "7", "--print"]) == 0
    assert capsys.readouterr().out == first
    assert "seed 7" in first and ANSWER_MARK not in first


def test_same_problem_in_another_process_with_another_hash_seed() -> None:
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-m", "migratelab", "practice", "--seed", "7",
                          "--topic", "errors", "--print", "--answer"], env=env,
                         capture_output=True, text=True, check=True).stdout
    assert out == render(generate(7, "v6.12", "errors"), answer=True)


def test_answer_starts_on_a_marked_line_with_a_reason_per_cell() -> None:
    problem = generate(11, "v6.1", "batching")
    lines = render(problem, answer=True).splitlines()
    start = lines.index(ANSWER_MARK)
    cells = [ln for ln in lines[start:] if ln.strip().startswith("status[")]
    assert len(cells) == len(problem.status) > 0
    assert all(len(ln.split(None, 3)) == 4 for ln in cells)  # status[i] = value reason


@pytest.mark.parametrize("topic", TOPICS)
def test_different_seeds_give_different_problems(topic: str) -> None:
    texts = {render(generate(seed, "v6.12", topic)) for seed in range(40)}
    assert len(texts) >= 36


def test_one_seed_is_one_setup_on_every_profile() -> None:
    setups = {repr(draft(5, "thp").setup)}
    for profile in PROFILES:
        level = generate(5, profile, "thp").level
        assert level.level.profile == profile
        setups.add(repr([type(op).__name__ for op in level.setup]))
    assert len(setups) == 2  # the draft's dicts and one list of op types


@pytest.mark.parametrize(("value", "message"), [
    (["--profile", "v3.0"], "unknown profile"),
    (["--seed", "-1"], "zero or more"),
    (["--answer"], "goes with --print"),
])
def test_bad_options_give_one_line(value: list[str], message: str,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["practice", "--seed", "1", *value]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_an_unknown_topic_is_refused_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["practice", "--topic", "nope", "--print"])
    assert exit_.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_save_writes_a_level_that_check_passes_and_never_overwrites(tmp_path: Path) -> None:
    out = tmp_path / "p.toml"
    assert main(["practice", "--seed", "3", "--topic", "thp", "--save", str(out)]) == 0
    report = check_level(out)
    assert report.ok, report.items
    before = out.read_bytes()
    assert main(["practice", "--seed", "4", "--save", str(out)]) == 2
    assert out.read_bytes() == before


def _cases() -> list[tuple[str, str, int]]:
    if SEEDS:
        return [(t, p, s) for t in TOPICS for p in PROFILES for s in range(SEEDS)]
    # default: 40 seeds per topic, the profile rotating, so every pair is met
    return [(t, PROFILES[s % len(PROFILES)], s) for t in TOPICS for s in range(40)]


def test_saved_problems_pass_check(tmp_path: Path) -> None:
    failures = []
    for topic, profile, seed in _cases():
        path = tmp_path / f"{topic}-{profile}-{seed}.toml"
        path.write_text(generate(seed, profile, topic).toml, encoding="utf-8")
        report = check_level(path)
        if not report.ok:
            failures.append((path.name, [i for i in report.items if not i.ok]))
        path.unlink()
    assert failures == []


def _held_indices(seed: int) -> tuple[list[int], list[list[object]]]:
    d = draft(seed, "pagevec")
    hold = next(op for op in d.setup if op["op"] == "pagevec_hold")
    held = hold["pages"]
    return [i for i, e in enumerate(d.entries) if e[1] in held], d.entries


@pytest.mark.parametrize("profile", PROFILES)
def test_pagevec_answers_follow_the_lru_cache_disable_rule(profile: str) -> None:
    for seed in range(15):
        held, entries = _held_indices(seed)
        status = generate(seed, profile, "pagevec").status
        for i in held:
            if entries.index(entries[i]) != i:
                continue  # a repeated page: already isolated by its first entry
            # lru_cache_disable() (5.13) keeps pagevecs off for the whole call
            want = "1" if profile in ("v6.1", "v6.12") else "-EBUSY"
            assert status[i] == want, (seed, i, status)


@pytest.mark.parametrize("profile", PROFILES)
def test_shared_pages_without_move_all_give_eacces(profile: str) -> None:
    seen = 0
    for seed in range(20):
        d = draft(seed, "sharing")
        if d.flags != ["MPOL_MF_MOVE"]:
            continue
        fork = next(op for op in d.setup if op["op"] == "fork")
        written = set(fork["ops"][0]["pages"]) if fork["ops"] else set()
        status = generate(seed, profile, "sharing").status
        for i, (_, page, _node) in enumerate(d.entries):
            if page not in written:
                seen += 1
                assert status[i] == "-EACCES", (seed, i, status)
    assert seen > 10


def test_a_node_past_the_last_fails_the_call_with_enodev() -> None:
    found = 0
    for seed in range(40):
        d = draft(seed, "errors")
        if not any(e[2] == "N" for e in d.entries):
            continue
        found += 1
        p = generate(seed, "v6.12", "errors")
        assert (p.ret, p.errno) == (-1, "ENODEV")
        first_bad = next(i for i, e in enumerate(d.entries) if e[2] == "N")
        assert all(s == "UNSET" for s in p.status[first_bad:])
    assert found > 5
