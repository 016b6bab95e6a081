"""The core layers import no UI code and run headless."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys


def _run_python(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return out.stdout.strip()


def test_core_layers_do_not_import_the_ui() -> None:
    code = (
        "import sys\n"
        "import migratelab.kernel, migratelab.kernel.move_pages, migratelab.kernel.migrate\n"
        "import migratelab.scenario.runner\n"
        "try:\n"
        "    import migratelab.game\n"
        "except ModuleNotFoundError:\n"
        "    pass\n"
        "bad = [m for m in ('textual', 'rich') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    assert _run_python(code) == ""


def test_kernel_uses_only_the_standard_library() -> None:
    code = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "import migratelab.kernel.move_pages, migratelab.kernel.invariants\n"
        "new = {m.split('.')[0] for m in set(sys.modules) - before}\n"
        "print(','.join(sorted(new - set(sys.stdlib_module_names) - {'migratelab'})))\n"
    )
    assert _run_python(code) == ""


#: Names that reach past Session.view() into the engine: the runner, the kernel,
#: its page tables, LRU vectors, frames and in-flight lists.
ENGINE_ATTRIBUTES = frozenset({
    "runner", "_runner", "k", "proc", "mm", "pt", "vmas", "vecs", "mem",
    "block_kind", "used_in_block", "pool_free", "migration_lists", "pagevec", "cpus",
    "_pending", "call_events",
})
#: Kernel names the UI may import: constants, not objects.
ALLOWED_KERNEL_IMPORTS = {("migratelab.kernel", "errno"), ("migratelab.kernel.mm", "PAGE_SIZE")}


def engine_reaches(source: str, name: str) -> list[str]:
    """Where ``source`` touches engine internals (attribute access or an import)."""
    out: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in ENGINE_ATTRIBUTES:
            out.append(f"{name}:{node.lineno}: .{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module is not None \
                and node.module.startswith(("migratelab.kernel", "migratelab.scenario.runner")):
            for alias in node.names:
                if (node.module, alias.name) not in ALLOWED_KERNEL_IMPORTS:
                    out.append(f"{name}:{node.lineno}: from {node.module} import {alias.name}")
        elif isinstance(node, ast.Import):
            out.extend(f"{name}:{node.lineno}: import {alias.name}" for alias in node.names
                       if alias.name.startswith("migratelab.kernel"))
    return out


def test_the_boundary_check_catches_a_reach_into_the_engine() -> None:
    bad = ("from migratelab.kernel.lru import LruVec\n"
           "def f(session):\n    return session.runner.k.lru.vecs[0]\n")
    found = engine_reaches(bad, "bad.py")
    assert {f.split(": ", 1)[1] for f in found} == {
        "from migratelab.kernel.lru import LruVec", ".runner", ".k", ".vecs"}
    assert engine_reaches("def f(session):\n    return session.view().lru[0]\n", "ok") == []


def test_the_tui_reads_the_machine_only_through_session_view() -> None:
    """Widgets and screens read Session.view() and typed records, never engine objects.

    ``tui/world.py`` builds worlds for the session (it names ScenarioRunner as a
    type) and is held to the attribute rule only.
    """
    tui = pathlib.Path(__file__).parents[1] / "src" / "migratelab" / "tui"
    offenders = []
    for path in sorted(tui.rglob("*.py")):
        found = engine_reaches(path.read_text(), str(path.relative_to(tui)))
        if path.name == "world.py":
            found = [f for f in found if ": from " not in f]
        offenders.extend(found)
    assert offenders == []


#: The layers, bottom up: a module may import its own layer and the ones below it.
LAYERS = ["kernel", "scenario", "levels", "game", "tui"]


def _migratelab_imports(path: pathlib.Path) -> list[tuple[int, str]]:
    """Every ``migratelab.*`` module a file imports, at any depth (lazy imports too)."""
    out: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
            if node.module == "migratelab":  # from migratelab import levels
                out.extend((node.lineno, f"migratelab.{a.name}") for a in node.names)
    return [(line, name) for line, name in out if name.startswith("migratelab.")]


def test_layers_point_down() -> None:
    """kernel <- scenario <- levels <- game <- tui, checked on the source of each layer."""
    src = pathlib.Path(__file__).parents[1] / "src" / "migratelab"
    offenders = []
    for rank, layer in enumerate(LAYERS):
        for path in sorted((src / layer).rglob("*.py")):
            for line, name in _migratelab_imports(path):
                target = name.split(".")[1]
                if target in LAYERS and LAYERS.index(target) > rank:
                    offenders.append(f"{path.relative_to(src)}:{line}: imports {name}")
    assert offenders == []


def test_levels_import_neither_game_nor_ui() -> None:
    """Loading and checking levels (check, the pytest plugin) needs no game and no UI."""
    code = (
        "import sys\n"
        "import migratelab.levels, migratelab.levels.cli_check, "
        "migratelab.levels.pytest_plugin, migratelab.levels.schema\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')\n"
        "       or m.startswith(('migratelab.game', 'migratelab.tui'))]\n"
        "print(','.join(sorted(bad)))\n"
    )
    assert _run_python(code) == ""
