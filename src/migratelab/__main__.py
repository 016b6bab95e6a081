"""Allow ``python -m migratelab``."""

from migratelab.cli import main

raise SystemExit(main())
