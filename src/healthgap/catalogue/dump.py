"""Write the catalogue back to YAML in its canonical form (load → dump → load is the identity)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import BaseModel

if TYPE_CHECKING:
    from healthgap.catalogue.framework import Catalogue

__all__ = ["COLLECTION_FILES", "dump_catalogue", "to_yaml"]

#: Catalogue attribute → file holding that collection as a YAML list.
COLLECTION_FILES: dict[str, str] = {
    "aims": "aims.yaml",
    "priorities": "priorities.yaml",
    "commitments": "commitments.yaml",
    "focus_areas": "focus_areas.yaml",
    "missions": "missions.yaml",
    "six_tests": "six_tests.yaml",
    "key_figures": "key_figures.yaml",
    "changes": "changes.yaml",
}


def _plain(model: BaseModel) -> dict[str, Any]:
    data: dict[str, Any] = model.model_dump(mode="json", exclude_defaults=True)
    return data


def to_yaml(data: object) -> str:
    """Canonical YAML text: keys in model order, UTF-8, block style, 100 columns."""
    return yaml.safe_dump(
        data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100
    )


def dump_catalogue(catalogue: Catalogue, directory: Path) -> list[Path]:
    """Write every file of ``catalogue`` under ``directory``; returns the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "indicators").mkdir(exist_ok=True)
    written: list[Path] = []
    head = directory / "catalogue.yaml"
    head.write_text(
        to_yaml({"version": catalogue.version, "title": catalogue.title}), encoding="utf-8"
    )
    written.append(head)
    for attr, name in COLLECTION_FILES.items():
        items: tuple[BaseModel, ...] = getattr(catalogue, attr)
        path = directory / name
        path.write_text(to_yaml([_plain(item) for item in items]), encoding="utf-8")
        written.append(path)
    for ind in catalogue.indicators:
        path = directory / "indicators" / f"{ind.id}.yaml"
        path.write_text(to_yaml(_plain(ind)), encoding="utf-8")
        written.append(path)
    return written
