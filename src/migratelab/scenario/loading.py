"""Read scenario files and turn every decoding problem into one clear line."""

from __future__ import annotations

import re
from pathlib import Path

import msgspec

from migratelab.inputfile import InputFileError, read_bounded
from migratelab.scenario.limits import scenario_problem
from migratelab.scenario.ops import Scenario

MAX_SCENARIO_BYTES = 4 * 1024 * 1024
#: What any input file may weigh when the caller names no smaller limit.
MAX_INPUT_BYTES = MAX_SCENARIO_BYTES


class InputError(InputFileError):
    """A file that cannot be used: the message is the whole one-line report."""


_PATH = re.compile(r" - at `(\$[^`]*)`$")


def split_msgspec_error(text: str) -> tuple[str, str]:
    """("$.ops[3].pages", "expected ...") from a msgspec error message."""
    m = _PATH.search(text)
    path = m.group(1) if m else "$"
    message = text[: m.start()] if m else text
    if message[:1].isupper():
        message = message[0].lower() + message[1:]
    return path, message.replace("`", "")


def json_line_of(raw: bytes, path: str) -> int | None:
    """Best-effort line of a JSON path like ``$.ops[3].pages`` in the raw text."""
    text = raw.decode("utf-8", "replace")
    pos = 0
    for part in re.findall(r"\.([A-Za-z_][\w-]*)|\[(\d+)\]", path):
        key, idx = part
        if key:
            found = text.find(f'"{key}"', pos)
            if found < 0:
                return None
            pos = found
        else:
            # the n-th op object after the current position
            want = int(idx)
            count = -1
            for m in re.finditer(r'\{\s*"op"', text[pos:]):
                count += 1
                if count == want:
                    pos += m.start()
                    break
            else:
                return None
    return text.count("\n", 0, pos) + 1


def read_input(path: Path, limit: int | None = None) -> bytes:
    """A regular file's bytes (at most ``limit``, default :data:`MAX_INPUT_BYTES`),
    or :class:`InputError` saying why they cannot be had (FIFOs, devices and
    symlinks to them are refused without blocking; see :mod:`migratelab.inputfile`).
    """
    try:
        return read_bounded(path, MAX_INPUT_BYTES if limit is None else limit)
    except InputFileError as exc:
        raise InputError(str(exc), missing=exc.missing) from None


def load_scenario(path: str | Path) -> Scenario:
    """Decode a scenario file and check its bounds (:mod:`migratelab.scenario.limits`);
    raises :class:`InputError`."""
    p = Path(path)
    raw = read_input(p, MAX_SCENARIO_BYTES)
    try:
        scenario = msgspec.json.decode(raw, type=Scenario)
    except msgspec.ValidationError as exc:
        raise _at(p, raw, *split_msgspec_error(str(exc))) from None
    except msgspec.DecodeError as exc:
        raise InputError(f"{p}: not valid JSON: {exc}") from None
    except RecursionError:
        raise InputError(f"{p}: nested too deeply") from None
    problem = scenario_problem(scenario)
    if problem is not None:
        raise _at(p, raw, *problem)
    return scenario


def _at(p: Path, raw: bytes, where: str, message: str) -> InputError:
    line = json_line_of(raw, where)
    loc = f"{p}:{line}" if line else str(p)
    return InputError(f"{loc}: {where}: {message}")
