"""The core layers import no UI code and run headless."""

from __future__ import annotations

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
