"""The annotated example in docs/level-format.md loads and passes every check."""

from __future__ import annotations

import re
from pathlib import Path

from migratelab.levels.check import check_level

DOC = Path(__file__).resolve().parent.parent / "docs" / "level-format.md"


def test_doc_example_checks(tmp_path: Path) -> None:
    blocks = re.findall(r"```toml\n(.*?)```", DOC.read_text(), re.S)
    assert len(blocks) == 1
    path = tmp_path / "example.toml"
    path.write_text(blocks[0])
    report = check_level(path)
    failed = [(i.name, i.message, i.diff) for i in report.items if not i.ok]
    assert report.ok, failed
    assert [i.name for i in report.items] == [
        "schema", "solution", "expect[0]-v6.1", "expect[0]-v6.12", "expect[1]-v6.12"]


def test_doc_example_uses_the_presenter_and_explanation_fields(tmp_path: Path) -> None:
    from migratelab.levels import parse_level

    block = re.findall(r"```toml\n(.*?)```", DOC.read_text(), re.S)[0]
    level = parse_level(block.encode(), "example.toml")
    assert "migrate_pages()" in level.level.explanation
    assert level.level.real_kernel is True
    assert level.solution is not None
    assert [(m.after, m.text[:8]) for m in level.solution.marks] == [(0, "One call")]
