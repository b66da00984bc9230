"""Where the package's own data lives: templates, fonts, catalogs, tables."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def package_dir(name: str) -> Path:
    """A folder shipped inside the package (templates, fonts, data)."""
    return Path(str(files("appeal_letters") / name))
