"""The store's public surface is pinned, sorted and importable; only one module uses duckdb."""

from __future__ import annotations

import ast
from pathlib import Path

import healthgap.store as store


def test_all_is_sorted_and_exported() -> None:
    # isort-style, as ruff's RUF022 sorts it: CONSTANTS, then Classes, then functions
    def kind(name: str) -> tuple[int, str]:
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert list(store.__all__) == sorted(store.__all__, key=kind)
    assert [name for name in store.__all__ if not hasattr(store, name)] == []
    for name in ("Store", "open_store", "ReleaseInput", "Release", "SourceSummary"):
        assert name in store.__all__


def test_only_duckdb_store_imports_duckdb() -> None:
    src = Path(store.__file__).resolve().parents[1]
    importers = []
    for path in src.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "duckdb" or n.startswith("duckdb.") for n in names):
                importers.append(path.relative_to(src).as_posix())
    assert importers == ["store/duckdb_store.py"]
