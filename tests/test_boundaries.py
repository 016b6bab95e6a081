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


def test_the_tui_reads_the_machine_only_through_game_view() -> None:
    """Widgets and screens import kernel constants at most, never kernel objects."""
    import pathlib

    tui = pathlib.Path(__file__).parents[1] / "src" / "migratelab" / "tui"
    allowed = {"from migratelab.kernel import errno as E",
               "from migratelab.kernel.mm import PAGE_SIZE"}
    offenders = []
    for path in tui.rglob("*.py"):
        for line in path.read_text().splitlines():
            text = line.strip()
            if text.startswith(("from migratelab.kernel", "import migratelab.kernel")) \
                    and text not in allowed:
                offenders.append(f"{path.name}: {text}")
            if ".lru." in text or ".mem." in text or "block_kind" in text or ".pt[" in text:
                offenders.append(f"{path.name}: {text}")
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
