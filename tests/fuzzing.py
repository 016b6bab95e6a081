"""Mutation fuzzing of level files (check, play) and scenarios (run --json).

Used by ``tests/test_reliability_fuzz.py`` (short runs) and, for the long run,
``python -m tests.fuzzing levels|scenarios N`` or the same tests with
``MIGRATELAB_FUZZ_LONG=1``. Every mutated file goes through the real command
(``migratelab.cli.main``) in-process with a watchdog; a run fails on an exception
escaping the command (a traceback), a watchdog expiry (a hang), an exit status
other than 0/1/2, an error that is not exactly one line, or, under ``--json``, a
line of stdout that is not JSON.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import re
import signal
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LEVELS = sorted((ROOT / "src" / "migratelab" / "levels").glob("*.toml"))
SCENARIOS = sorted((ROOT / "tests" / "conformance" / "scenarios").glob("*.json"))
WATCHDOG_S = 30
MAX_ERROR_CHARS = 600

INTERESTING: list[Any] = [0, -1, 1, 7, 511, 512, 513, 65536, 65537, 262144, 2**31 - 1,
                          2**31, 2**32, 2**63, -(2**63), 10**30, 1e400, -0.0, 1.5, True,
                          "", "x", "N", "N+99", "last", "all", "A", "UNSET", "-EBUSY",
                          [], [0], [[0, 2**40]], {}, None, "[a=b", "\u202e", "a" * 5000]
TOML_VALUES = ["0", "-1", "2147483648", "9223372036854775808", "1e400", "inf", "nan",
               "true", '""', '"x"', "[]", "[[0, 1099511627776]]", "{}", '"' + "a" * 3000 + '"',
               "99999999999999999999999999999", "0x7fffffffffffffff", "-0", '"N+999"']


class Hang(Exception):
    """The watchdog fired."""


@dataclass
class Counts:
    """What a fuzz run saw."""

    files: int = 0
    ok: int = 0
    refused: int = 0
    failures: list[str] = field(default_factory=list)

    def line(self, what: str) -> str:
        return (f"{what}: {self.files} runs, {self.ok} accepted, {self.refused} refused "
                f"with one line, {len(self.failures)} failures")


@contextlib.contextmanager
def watchdog(seconds: int) -> Iterator[None]:
    """Raise :class:`Hang` in the main thread after ``seconds``."""
    def fire(_sig: int, _frame: object) -> None:
        raise Hang(f"no answer after {seconds} s")

    old = signal.signal(signal.SIGALRM, fire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """``migratelab ARGV`` in-process: (status, stdout, stderr); exceptions propagate."""
    from migratelab.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(argv)
        except SystemExit as exc:  # argparse
            status = int(exc.code or 0)
    return status, out.getvalue(), err.getvalue()


# -- mutations -------------------------------------------------------------------------

def mutate_bytes(raw: bytes, rng: random.Random) -> bytes:
    """One to four byte-level edits."""
    data = bytearray(raw)
    for _ in range(rng.randint(1, 4)):
        if not data:
            data += b"["
        pos = rng.randrange(len(data))
        kind = rng.randrange(7)
        if kind == 0:
            data[pos] = rng.randrange(256)
        elif kind == 1:
            del data[pos:pos + rng.randint(1, 64)]
        elif kind == 2:
            data[pos:pos] = rng.choice([b"[", b"]", b"{", b"}", b'"', b"=", b"\n", b"\x00",
                                        b"\xff", b"\xef\xbb\xbf", b"[[setup]]\n", b"'''"])
        elif kind == 3:
            end = min(len(data), pos + rng.randint(1, 400))
            data[pos:pos] = data[pos:end] * rng.randint(1, 50)
        elif kind == 4:
            del data[pos:]
        elif kind == 5:
            data[pos:pos] = rng.choice([b"[" * 5000, b"{" * 3000, b"a" * 100_000])
        else:
            lines = bytes(data).split(b"\n")
            i = rng.randrange(len(lines))
            lines.insert(rng.randrange(len(lines) + 1), lines[i])
            data = bytearray(b"\n".join(lines))
    return bytes(data)


_TOML_NUMBER = re.compile(rb"(?<=[=\[, ])-?\d+(?=[\],\s}])")
_TOML_STRING = re.compile(rb'"[^"\n]*"')


def mutate_level(raw: bytes, rng: random.Random) -> bytes:
    """Value-level edits of a TOML level (numbers, strings, repeated blocks), else bytes."""
    kind = rng.randrange(4)
    if kind == 0:
        spots = list(_TOML_NUMBER.finditer(raw))
        if spots:
            m = rng.choice(spots)
            return raw[:m.start()] + rng.choice(TOML_VALUES).encode() + raw[m.end():]
    if kind == 1:
        spots = list(_TOML_STRING.finditer(raw))
        if spots:
            m = rng.choice(spots)
            return raw[:m.start()] + rng.choice(TOML_VALUES).encode() + raw[m.end():]
    if kind == 2:
        blocks = raw.split(b"\n[[setup]]")
        if len(blocks) > 1:
            i = rng.randrange(1, len(blocks))
            extra = [blocks[i]] * rng.choice([2, 10, 100, 1200])
            return b"\n[[setup]]".join([*blocks[:i], *extra, *blocks[i:]])
    return mutate_bytes(raw, rng)


def _mutate_json_value(value: Any, rng: random.Random, depth: int = 0) -> Any:
    if isinstance(value, dict) and value and rng.random() < 0.8:
        key = rng.choice(list(value))
        out = dict(value)
        roll = rng.random()
        if roll < 0.15:
            del out[key]
        elif roll < 0.25:
            out[rng.choice(["count", "pages", "node", "cpu", "extra", "op"])] = \
                rng.choice(INTERESTING)
        else:
            out[key] = _mutate_json_value(value[key], rng, depth + 1)
        return out
    if isinstance(value, list) and value and rng.random() < 0.8:
        out_list = list(value)
        i = rng.randrange(len(out_list))
        roll = rng.random()
        if roll < 0.1:
            out_list.extend([out_list[i]] * rng.choice([2, 50, 1500]))
        elif roll < 0.2:
            del out_list[i]
        else:
            out_list[i] = _mutate_json_value(out_list[i], rng, depth + 1)
        return out_list
    if isinstance(value, int) and not isinstance(value, bool) and rng.random() < 0.5:
        return rng.choice([value + 1, value - 1, value * 2, value * 64, 0, -value])
    return rng.choice(INTERESTING)


def mutate_scenario(raw: bytes, rng: random.Random) -> bytes:
    """A structural edit of the JSON (most runs), or byte-level edits."""
    if rng.random() < 0.75:
        try:
            data = json.loads(raw)
        except ValueError:
            return mutate_bytes(raw, rng)
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            data = _mutate_json_value(data, rng)
        return json.dumps(data).encode()
    return mutate_bytes(raw, rng)


# -- the runs --------------------------------------------------------------------------

def _one_error_line(err: str) -> str | None:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    if len(lines) != 1:
        return f"{len(lines)} lines on stderr: {err[:300]!r}"
    if len(lines[0]) > MAX_ERROR_CHARS:
        return f"error line of {len(lines[0])} characters: {lines[0][:200]!r}"
    return None


def _attempt(counts: Counts, name: str, data: bytes, body: Callable[[], str | None]) -> None:
    counts.files += 1
    try:
        with watchdog(WATCHDOG_S):
            problem = body()
    except Hang as exc:
        problem = f"hang: {exc}"
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        problem = f"traceback: {type(exc).__name__}: {str(exc)[:200]}"
    if problem:
        counts.failures.append(f"{name}: {problem}")
        keep = Path(tempfile.gettempdir()) / "migratelab-fuzz-failures"
        keep.mkdir(exist_ok=True)
        (keep / f"{counts.files}-{Path(name).name}").write_bytes(data)


def check_one(path: Path, counts: Counts) -> str | None:
    """``migratelab check FILE``: 0/1 with a report, or 2 with one ERROR line."""
    status, out, _err = run_cli(["check", str(path)])
    if status not in (0, 1, 2):
        return f"exit status {status}"
    errors = [ln for ln in out.splitlines() if ln.startswith("ERROR")]
    if status == 2:
        if len(errors) != 1 or len(errors[0]) > MAX_ERROR_CHARS:
            return f"expected one ERROR line, got {out[:300]!r}"
        counts.refused += 1
    else:
        counts.ok += 1
    return None


def play_one(path: Path, counts: Counts, with_notice: bool = True) -> str | None:
    """What ``migratelab play FILE`` does before the app starts: load, build the world,
    and (``with_notice``) run check for the warning; fuzz_levels skips that when the
    same file has just been through ``check``."""
    from migratelab.scenario.loading import InputError
    from migratelab.tui.cli_play import check_notice
    from migratelab.tui.world import load_play_level

    try:
        level = load_play_level(path)
    except InputError as exc:
        counts.refused += 1
        return None if "\n" not in str(exc) else f"multi-line error {str(exc)[:200]!r}"
    from migratelab.levels.replay import LevelRunError

    try:  # cli_play prints a setup that cannot run as one line, exit 2
        session = level.session()
    except LevelRunError as exc:
        counts.refused += 1
        return None if "\n" not in str(exc) else f"multi-line error {str(exc)[:200]!r}"
    view = getattr(session, "view", None)  # Session.view() (tui-live), when it is there
    if callable(view):
        view()
    if with_notice:
        check_notice(str(path))
    counts.ok += 1
    return None


def run_one(path: Path, profile: str, counts: Counts) -> str | None:
    """``migratelab run --json --kernel P FILE``: every stdout line JSON, one error line."""
    status, out, err = run_cli(["run", "--json", "--kernel", profile, str(path)])
    if status not in (0, 2):
        return f"exit status {status}: {err[:200]!r}"
    for line in out.splitlines():
        try:
            json.loads(line)
        except ValueError:
            return f"not JSON under --json: {line[:200]!r}"
    if status == 2:
        counts.refused += 1
        return _one_error_line(err)
    counts.ok += 1
    return None if not err.strip() else f"stderr on success: {err[:200]!r}"


def _progress(i: int, counts: Counts, label: str) -> None:
    """Every 100 files, one line on stderr (long runs are read while they go)."""
    if i % 100 == 99:
        print(f"{counts.line(label)} after {i + 1} files", file=sys.stderr, flush=True)


def fuzz_levels(n: int, seed: int, modes: tuple[str, ...] = ("check", "play")) -> Counts:
    """``n`` mutated level files, each through check and play."""
    rng = random.Random(seed)
    counts = Counts()
    sources = [p.read_bytes() for p in LEVELS]
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(n):
            data = mutate_level(rng.choice(sources), rng)
            path = Path(tmp) / f"m{i % 50}.toml"
            path.write_bytes(data)
            if "check" in modes:
                _attempt(counts, f"check {path.name} (seed {seed}, #{i})", data,
                         lambda path=path: check_one(path, counts))
            if "play" in modes:
                _attempt(counts, f"play {path.name} (seed {seed}, #{i})", data,
                         lambda path=path: play_one(path, counts, "check" not in modes))
            _progress(i, counts, f"levels seed {seed}")
    return counts


def fuzz_scenarios(n: int, seed: int, profile: str) -> Counts:
    """``n`` mutated scenarios through ``run --json`` on ``profile``."""
    rng = random.Random(seed)
    counts = Counts()
    sources = [p.read_bytes() for p in SCENARIOS]
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(n):
            data = mutate_scenario(rng.choice(sources), rng)
            path = Path(tmp) / f"s{i % 50}.json"
            path.write_bytes(data)
            _attempt(counts, f"run {path.name} on {profile} (seed {seed}, #{i})", data,
                     lambda path=path: run_one(path, profile, counts))
            _progress(i, counts, f"scenarios {profile} seed {seed}")
    return counts


def main(argv: list[str]) -> int:
    """``python -m tests.fuzzing levels N [SEED]`` or ``scenarios N PROFILE [SEED]``."""
    what, n = argv[0], int(argv[1])
    if what == "levels":
        counts = fuzz_levels(n, int(argv[2]) if len(argv) > 2 else 1)
        label = f"levels x{n} through check and play"
    else:
        profile = argv[2]
        counts = fuzz_scenarios(n, int(argv[3]) if len(argv) > 3 else 1, profile)
        label = f"scenarios x{n} through run --json --kernel {profile}"
    print(counts.line(label))
    for failure in counts.failures[:50]:
        print("  FAIL", failure)
    return 1 if counts.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
