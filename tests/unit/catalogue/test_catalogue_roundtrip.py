"""YAML round-trips through the models unchanged."""

from __future__ import annotations

from pathlib import Path

from healthgap.catalogue import DEFAULT_PATH, Catalogue, dump_catalogue, load_catalogue


def _texts(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text(encoding="utf-8") for p in root.rglob("*.yaml")}


def test_load_dump_load_is_equal(cat: Catalogue, tmp_path: Path) -> None:
    dump_catalogue(cat, tmp_path)
    again = load_catalogue(tmp_path)
    assert again == cat
    assert again is not cat


def test_dump_text_is_stable(cat: Catalogue, tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    dump_catalogue(cat, first)
    dump_catalogue(load_catalogue(first), second)
    assert _texts(first) == _texts(second)


def test_shipped_files_are_in_canonical_form(cat: Catalogue, tmp_path: Path) -> None:
    """The bundled YAML is exactly what the dumper writes, so diffs stay meaningful."""
    dump_catalogue(cat, tmp_path)
    assert _texts(tmp_path) == _texts(DEFAULT_PATH)


def test_default_catalogue_is_cached() -> None:
    assert load_catalogue() is load_catalogue()
    assert load_catalogue(DEFAULT_PATH) is not load_catalogue()
