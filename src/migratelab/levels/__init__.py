"""Levels: the file format, its validation, goals, and running levels as tests.

This package sits above :mod:`migratelab.scenario` (whose ops and runner it uses)
and below :mod:`migratelab.game`. The same directory holds the shipped level files
(``*.toml``, the top-level ``levels/`` symlink points here), the pure test cases
(``tests/*.toml``) and ``chapters.json``.

Modules: ``base`` (shared Struct base, request kinds), ``rules`` (limits and
single-value checks), ``goals`` (a subpackage: one class per goal kind), ``format`` (the level
Structs), ``validate`` (meaning and limits), ``locate`` (error path to TOML line),
``loading`` (read and find levels), ``schema`` (the JSON Schema), ``compare`` and
``replay`` (running levels), ``check`` (the items ``migratelab check`` and the
pytest plugin run), ``cli_check`` and ``pytest_plugin``.

The names a caller needs are re-exported here:
``from migratelab.levels import Level, LevelError, load_level, shipped_levels``.
"""

from __future__ import annotations

from migratelab.levels.base import (
    SCHEMA_VERSION,
    SYSCALL_OPS,
    PlayerOp,
    Request,
    request_text,
)
from migratelab.levels.compare import compare_result, record_as_result, status_diff
from migratelab.levels.format import (
    Expect,
    ExpectResult,
    Hint,
    Level,
    LevelMeta,
    MachineSection,
    Mark,
    Solution,
    iter_requests,
)
from migratelab.levels.goals import (
    Avoid,
    Goal,
    GoalPart,
    GoalResult,
    MigrateCallLimit,
    Outcome,
    PartResult,
    Placement,
    Played,
    Predict,
    PredictField,
    Prediction,
    Provoke,
    SyscallLimit,
    compare_prediction,
    evaluate,
    outcome_text,
    page_folio,
)
from migratelab.levels.loading import (
    LevelError,
    chapter_titles,
    is_level_file,
    load_level,
    parse_level,
    shipped_dir,
    shipped_levels,
    shipped_tests,
    shipped_tests_dir,
)
from migratelab.levels.replay import (
    LevelRunError,
    build_world,
    play,
    replay_solution,
    result_for,
    run_expect,
)

__all__ = [
    "SCHEMA_VERSION", "SYSCALL_OPS", "Avoid", "Expect", "ExpectResult", "Goal", "GoalPart",
    "GoalResult", "Hint", "Level", "LevelError", "LevelMeta", "LevelRunError",
    "MachineSection", "Mark", "MigrateCallLimit", "Outcome", "PartResult", "Placement",
    "Played", "PlayerOp", "Predict", "PredictField", "Prediction", "Provoke", "Request",
    "Solution", "SyscallLimit", "build_world", "chapter_titles", "compare_prediction",
    "compare_result", "evaluate", "is_level_file", "iter_requests", "load_level",
    "outcome_text", "page_folio", "parse_level", "play", "record_as_result",
    "replay_solution", "request_text", "result_for", "run_expect", "shipped_dir", "shipped_levels",
    "shipped_tests", "shipped_tests_dir", "status_diff",
]
