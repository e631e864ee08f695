"""Settings, declared once: name, default and help. Read from ``HEALTHGAP_*`` variables."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

__all__ = ["SETTINGS", "Setting", "default_store_path", "package_data_dir"]


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "store",
        "HEALTHGAP_STORE",
        "Path of the DuckDB store file (default: healthgap.duckdb in the user data directory).",
    ),
)


def default_store_path() -> Path:
    """The store file: ``$HEALTHGAP_STORE`` if set, else the user's data directory."""
    env = os.environ.get("HEALTHGAP_STORE")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("healthgap")) / "healthgap.duckdb"


def package_data_dir() -> Path:
    """The bundled real data shipped inside the package (see ``data/PROVENANCE.md``)."""
    return Path(__file__).resolve().parent / "data"
