"""The core layers import no UI code and run headless."""

from __future__ import annotations

import subprocess
import sys


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
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""


def test_kernel_uses_only_the_standard_library() -> None:
    code = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "import migratelab.kernel.move_pages, migratelab.kernel.invariants\n"
        "new = {m.split('.')[0] for m in set(sys.modules) - before}\n"
        "print(','.join(sorted(new - set(sys.stdlib_module_names) - {'migratelab'})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""
