"""``levels/README.md`` maps every shipped level to its source, teaching point, LTP
tests and whether it runs on a real kernel, and says only true things about them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from migratelab.levels import Level, load_level, shipped_levels, shipped_tests

README = Path(__file__).resolve().parent.parent / "src" / "migratelab" / "levels" / "README.md"

#: Columns the table must have (matched case-insensitively at the start of a header).
COLUMNS = ("level", "chapter", "source", "teaching point", "ltp", "real kernel")


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def table_rows(text: str) -> tuple[dict[str, int], list[list[str]]]:
    """The first Markdown table whose header has every column: (column index, rows)."""
    lines = text.splitlines()
    for i, line in enumerate(lines[:-1]):
        if not line.lstrip().startswith("|") or not re.match(r"^\s*\|[\s:|-]+\|\s*$",
                                                             lines[i + 1]):
            continue
        header = [h.lower() for h in _cells(line)]
        index = {}
        for col in COLUMNS:
            found = [j for j, h in enumerate(header) if h.startswith(col)]
            if found:
                index[col] = found[0]
        if len(index) < len(COLUMNS):
            continue
        rows = []
        for row in lines[i + 2:]:
            if not row.lstrip().startswith("|"):
                break
            rows.append(_cells(row))
        return index, rows
    raise AssertionError(f"no table with the columns {', '.join(COLUMNS)} in {README}")


def problems(text: str, levels: dict[str, Level], required: set[str]) -> list[str]:
    """Everything the README says wrong about ``levels`` (file name -> level), and the
    ``required`` file names it has no row for."""
    index, rows = table_rows(text)
    out: list[str] = []
    seen: dict[str, int] = {}
    for n, row in enumerate(rows, 1):
        if len(row) <= max(index.values()):
            out.append(f"row {n}: {len(row)} cells")
            continue
        names = re.findall(r"`([^`]+\.toml)`", row[index["level"]])
        if len(names) != 1:
            out.append(f"row {n}: the level column names no single `FILE.toml`")
            continue
        name = Path(names[0]).name
        seen[name] = seen.get(name, 0) + 1
        level = levels.get(name)
        if level is None:
            out.append(f"row {n}: {name} is not a shipped level or test case")
            continue
        chapter = re.match(r"\s*(\d+)", row[index["chapter"]])
        if chapter is None or int(chapter.group(1)) != level.level.chapter:
            out.append(f"{name}: chapter column says {row[index['chapter']]!r}, the file "
                       f"says {level.level.chapter}")
        real = row[index["real kernel"]].lower()
        if real not in ("yes", "no") or (real == "yes") != level.level.real_kernel:
            out.append(f"{name}: real kernel column says {real!r}, the file says "
                       f"real_kernel = {str(level.level.real_kernel).lower()}")
        for col in ("source", "teaching point"):
            if not row[index[col]].strip():
                out.append(f"{name}: empty {col}")
    out.extend(f"{name}: no row" for name in sorted(required - set(seen)))
    out.extend(f"{name}: {count} rows" for name, count in seen.items() if count > 1)
    return out


def _shipped() -> dict[str, Level]:
    return {p.name: load_level(p) for p in [*shipped_levels(), *shipped_tests()]}


def _playable() -> set[str]:
    return {p.name for p in shipped_levels()}


def test_every_shipped_level_has_a_true_row() -> None:
    assert problems(README.read_text(encoding="utf-8"), _shipped(), _playable()) == []


def test_the_check_catches_a_missing_or_wrong_row() -> None:
    levels = _shipped()
    text = README.read_text(encoding="utf-8")
    first = shipped_levels()[0].name
    without = "\n".join(line for line in text.splitlines() if f"`{first}`" not in line)
    assert f"{first}: no row" in problems(without, levels, _playable())
    index, _ = table_rows(text)

    def flip(line: str) -> str:
        cells = _cells(line)
        cells[index["real kernel"]] = "no" if levels[first].level.real_kernel else "yes"
        return "| " + " | ".join(cells) + " |"

    flipped = "\n".join(flip(line) if f"`{first}`" in line else line
                         for line in text.splitlines())
    found = problems(flipped, levels, _playable())
    assert any(p.startswith(f"{first}: real kernel column") for p in found)


@pytest.mark.parametrize("text", ["no table here\n", "| a | b |\n|---|---|\n| 1 | 2 |\n"])
def test_a_readme_without_the_table_fails(text: str) -> None:
    with pytest.raises(AssertionError, match="no table"):
        table_rows(text)
