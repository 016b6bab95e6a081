"""migratelab: a terminal game and sandbox about how Linux moves memory between NUMA nodes."""

__version__ = "0.1.0"
