"""What one served browser tab runs: ``migratelab`` with a data directory of its own.

``python -m migratelab.tui.served ROOT COMMAND...`` makes a fresh directory under
ROOT (the server's temporary root), points ``MIGRATELAB_DATA_DIR`` (and the
export folder) at it and runs
``migratelab COMMAND...``. Progress made in a tab stays in that tab's directory:
never the presenter's own file, never another tab's.
"""

from __future__ import annotations

import os
import sys
import tempfile


def main(argv: list[str] | None = None) -> int:
    """Run one tab's game; 2 when the server's root is gone."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m migratelab.tui.served ROOT COMMAND...", file=sys.stderr)
        return 2
    try:
        tab = tempfile.mkdtemp(prefix="tab-", dir=args[0])
    except OSError as exc:
        print(f"migratelab serve: no session directory: {exc}", file=sys.stderr)
        return 2
    os.environ["MIGRATELAB_DATA_DIR"] = tab
    # exports are delivered to the browser as a zip; their folder stays with the tab
    os.environ["MIGRATELAB_EXPORT_DIR"] = os.path.join(tab, "runs")
    from migratelab.cli import main as cli_main

    return cli_main(args[1:])


if __name__ == "__main__":
    sys.exit(main())
