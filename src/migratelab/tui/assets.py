"""Package data: .tcss, help text and title art in ``migratelab/assets``."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def asset_path(name: str) -> Path:
    """Filesystem path of an asset (the package is installed unzipped)."""
    return Path(str(resources.files("migratelab").joinpath("assets", name)))


def read_asset(name: str) -> str:
    """Text of an asset."""
    return resources.files("migratelab").joinpath("assets", name).read_text(encoding="utf-8")
