"""Map a msgspec error path (``$.setup[3].pages``) back to a line of a TOML file.

tomllib returns plain dicts and lists without positions, so after a file has parsed
we scan its text once more, only to learn where each key and array element starts.
The scanner trusts that the text is valid TOML (tomllib has already said so); on
anything it does not understand it stops and reports what it has, since a line
number is a convenience and never worth an exception.
"""

from __future__ import annotations

import contextlib
import re

#: One step of a path: a table key or an array index.
Seg = str | int
Path = tuple[Seg, ...]

_BARE = re.compile(r"[A-Za-z0-9_-]+")
#: A bare scalar (number, bool, date; a date-time may hold one space).
_SCALAR = re.compile(r"[^,\]}\s#]+(?: [0-9:.+Z-]+)?")
_PATH_PART = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")


def parse_error_path(path: str) -> Path:
    """``"$.setup[3].pages"`` -> ``("setup", 3, "pages")``."""
    out: list[Seg] = []
    for key, idx in _PATH_PART.findall(path[1:] if path.startswith("$") else path):
        out.append(int(idx) if idx else key)
    return tuple(out)


class _Scanner:
    """Record the line where every key and array element of a TOML text starts."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.lines: dict[Path, int] = {}
        #: Concrete path of each array of tables -> number of tables seen so far.
        self.aot: dict[Path, int] = {}

    # -- low level -------------------------------------------------------------
    def line(self) -> int:
        return self.text.count("\n", 0, self.pos) + 1

    def peek(self) -> str:
        return self.text[self.pos : self.pos + 1]

    def skip_ws(self, newlines: bool = False) -> None:
        """Skip blanks and comments (and newlines when inside arrays)."""
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch in " \t\r" or (newlines and ch == "\n"):
                self.pos += 1
            elif ch == "#":
                end = self.text.find("\n", self.pos)
                self.pos = len(self.text) if end < 0 else end
            else:
                return

    def key(self) -> list[str]:
        """A dotted key: bare, "basic" or 'literal' parts."""
        parts: list[str] = []
        while True:
            self.skip_ws()
            ch = self.peek()
            if ch in ('"', "'"):
                parts.append(self.string())
            else:
                m = _BARE.match(self.text, self.pos)
                if not m:
                    raise ValueError("key expected")
                parts.append(m.group(0))
                self.pos = m.end()
            self.skip_ws()
            if self.peek() != ".":
                return parts
            self.pos += 1

    def string(self) -> str:
        """Skip a string of any of the four kinds; return its raw contents."""
        t = self.text
        for quote in ('"""', "'''"):
            if t.startswith(quote, self.pos):
                end = _closing(t, self.pos + 3, quote)
                # up to two extra quotes may belong to the content
                while t.startswith(quote[0], end + 3):
                    end += 1
                raw = t[self.pos + 3 : end]
                self.pos = end + 3
                return raw
        quote = t[self.pos]
        end = _closing(t, self.pos + 1, quote)
        raw = t[self.pos + 1 : end]
        self.pos = end + 1
        return raw

    def key_value(self, base: Path, line: int, depth: int) -> None:
        """``key = value`` under ``base``: record the key's line, then skip the value."""
        sub = (*base, *self.key())
        self.lines.setdefault(sub, line)
        self.skip_ws()
        if self.peek() != "=":
            raise ValueError("= expected")
        self.pos += 1
        self.skip_ws()
        self.value(sub, depth)

    # -- values ----------------------------------------------------------------
    def value(self, path: Path, depth: int) -> None:
        """Skip one value, recording the start line of nested keys and elements."""
        if depth > 200:
            raise ValueError("too deep")
        ch = self.peek()
        if ch == "[":
            self.pos += 1
            index = 0
            while True:
                self.skip_ws(newlines=True)
                if self.peek() == "]":
                    self.pos += 1
                    return
                self.lines.setdefault((*path, index), self.line())
                self.value((*path, index), depth + 1)
                index += 1
                self.skip_ws(newlines=True)
                if self.peek() == ",":
                    self.pos += 1
        elif ch == "{":
            self.pos += 1
            while True:
                self.skip_ws()
                if self.peek() == "}":
                    self.pos += 1
                    return
                self.key_value(path, self.line(), depth + 1)
                self.skip_ws()
                if self.peek() == ",":
                    self.pos += 1
        elif ch in ('"', "'"):
            self.string()
        else:
            m = _SCALAR.match(self.text, self.pos)
            if not m:
                raise ValueError("value expected")
            self.pos = m.end()

    # -- documents ---------------------------------------------------------------
    def resolve(self, parts: list[str]) -> Path:
        """Turn a header's keys into a concrete path (arrays of tables get an index)."""
        out: list[Seg] = []
        for part in parts:
            out.append(part)
            count = self.aot.get(tuple(out))
            if count:
                out.append(count - 1)
        return tuple(out)

    def document(self) -> None:
        current: Path = ()
        while self.pos < len(self.text):
            self.skip_ws(newlines=True)
            if self.pos >= len(self.text):
                return
            line = self.line()
            if self.text.startswith("[[", self.pos):
                self.pos += 2
                parts = self.key()
                parent = self.resolve(parts[:-1])
                table = (*parent, parts[-1])
                count = self.aot.get(table, 0) + 1
                self.aot[table] = count
                current = (*table, count - 1)
                self.lines.setdefault(table, line)
                self.lines.setdefault(current, line)
                self.pos = self.text.index("]]", self.pos) + 2
            elif self.peek() == "[":
                self.pos += 1
                current = self.resolve(self.key())
                self.lines.setdefault(current, line)
                self.pos = self.text.index("]", self.pos) + 1
            else:
                self.key_value(current, line, 0)


def _closing(text: str, start: int, quote: str) -> int:
    """Index of the quote that closes a string opened just before ``start``;
    basic strings (double quotes) honour backslash escapes, literal ones do not."""
    end = start
    while True:
        end = text.find(quote, end)
        if end < 0:
            raise ValueError("unterminated string")
        if quote[0] == '"' and _escaped(text, end):
            end += 1
            continue
        return end


def _escaped(text: str, quote_pos: int) -> bool:
    """True when the quote at ``quote_pos`` is preceded by an odd run of backslashes."""
    n = 0
    i = quote_pos - 1
    while i >= 0 and text[i] == "\\":
        n += 1
        i -= 1
    return n % 2 == 1


def key_lines(text: str) -> dict[Path, int]:
    """Line of every key, table and array element of a (valid) TOML text."""
    scanner = _Scanner(text)
    # keep what was found on a surprise: a line number is best effort
    with contextlib.suppress(ValueError, IndexError, RecursionError):
        scanner.document()
    return scanner.lines


def line_of(text: str, path: str | Path) -> int | None:
    """Line of the longest prefix of ``path`` that the text spells out, if any."""
    want = parse_error_path(path) if isinstance(path, str) else path
    lines = key_lines(text)
    for end in range(len(want), 0, -1):
        found = lines.get(want[:end])
        if found is not None:
            return found
    return None
