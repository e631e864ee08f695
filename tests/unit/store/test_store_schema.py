"""Schema creation from the declarations, and migrations between versions."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from healthgap.errors import MigrationError, StoreError
from healthgap.store import (
    DATA_TABLES,
    LATEST_VERSION,
    MIGRATIONS,
    VALUE_COLUMNS,
    open_store,
)
from healthgap.store.migrations import added_columns


def _columns(path: Path, table: str) -> list[tuple[str, str]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return [
            (r[0], r[1])
            for r in con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = ? ORDER BY ordinal_position",
                [table],
            ).fetchall()
        ]
    finally:
        con.close()


def test_new_store_has_latest_version_and_declared_columns(store_path: Path) -> None:
    """Given no file, when the store is opened, then every table follows the declarations."""
    with open_store(store_path) as s:
        assert s.schema_version == LATEST_VERSION
    for t in DATA_TABLES:
        got = _columns(store_path, t.name)
        assert got[0] == ("release_id", "BIGINT")
        assert got[1:] == [(c.name, c.type) for c in t.columns]
    assert [c for c, _ in _columns(store_path, "indicator_values")][1:] == [
        c.name for c in VALUE_COLUMNS
    ]


def test_migrations_are_numbered_in_order() -> None:
    assert [m.version for m in MIGRATIONS] == list(range(1, LATEST_VERSION + 1))
    assert LATEST_VERSION >= 2
    # No declared column is newer than the schema: each has a step that adds it.
    for t in DATA_TABLES:
        for c in t.columns:
            assert 1 <= c.since <= LATEST_VERSION
    assert added_columns(1)  # version 1 creates; the generator sees its columns


def test_v1_store_with_data_migrates_and_backfills_row_counts(store_path: Path) -> None:
    """Given a version-1 store holding a release, when reopened, it is migrated to latest
    and the release's per-table row counts are counted from the data."""
    s = open_store(store_path, migrate=False)
    assert s.schema_version == 0
    assert s.migrate(to=1) == 1
    s.close()
    con = duckdb.connect(str(store_path))
    con.execute(
        "INSERT INTO releases VALUES (1, 'fingertips', TIMESTAMP '2024-01-02 10:00', "
        "DATE '2024-01-01', NULL, 'test', NULL)"
    )
    con.execute("INSERT INTO release_files VALUES (1, 0, 'le.csv', ?, 3)", ["a" * 64])
    for area in ("E09000001", "E09000002", "E09000003"):
        con.execute(
            "INSERT INTO indicator_values (release_id, series, area_code, area_type, "
            "period_start, period_end, period_label, sex, age_band, breakdown_type, "
            "breakdown_category, suppressed, provisional, revised) VALUES (1, 'fingertips:1', "
            "?, 'ltla', DATE '2021-01-01', DATE '2021-12-31', '2021', 'persons', 'All ages', "
            "'none', '', false, false, false)",
            [area],
        )
    con.close()

    with open_store(store_path) as s:
        assert s.schema_version == LATEST_VERSION
        r = s.release(1)
        assert r.row_counts["values"] == 3
        assert r.row_counts["population"] == 0
        assert r.published_at == date(2024, 1, 1)
        assert s.values().num_rows == 3
    applied = duckdb.connect(str(store_path), read_only=True)
    try:
        versions = [
            v
            for (v,) in applied.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()
        ]
    finally:
        applied.close()
    assert versions == list(range(1, LATEST_VERSION + 1))


def test_newer_store_is_refused(store_path: Path) -> None:
    open_store(store_path).close()
    con = duckdb.connect(str(store_path))
    con.execute("INSERT INTO schema_version VALUES (?, 'from the future', now())", [99])
    con.close()
    with pytest.raises(MigrationError, match="schema version 99, newer"):
        open_store(store_path)
    with pytest.raises(MigrationError, match="newer"):
        open_store(store_path, read_only=True)


def test_read_only_store_must_be_current(store_path: Path) -> None:
    s = open_store(store_path, migrate=False)
    s.migrate(to=1)
    s.close()
    with pytest.raises(MigrationError, match="healthgap init"):
        open_store(store_path, read_only=True)
    # opening for writing migrates it, after which read-only works
    open_store(store_path).close()
    with open_store(store_path, read_only=True) as s:
        assert s.schema_version == LATEST_VERSION


def test_schema_drift_is_detected(store_path: Path) -> None:
    open_store(store_path).close()
    con = duckdb.connect(str(store_path))
    con.execute('ALTER TABLE indicator_values DROP COLUMN "note"')
    con.close()
    with pytest.raises(MigrationError, match="'note'"):
        open_store(store_path)


def test_missing_store_read_only_names_init(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="run `healthgap init`"):
        open_store(tmp_path / "absent.duckdb", read_only=True)


def test_unknown_target_version_is_refused(store_path: Path) -> None:
    with open_store(store_path) as s, pytest.raises(MigrationError, match="no schema version"):
        s.migrate(to=LATEST_VERSION + 1)


def test_default_path_comes_from_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "env" / "store.duckdb"
    monkeypatch.setenv("HEALTHGAP_STORE", str(target))
    with open_store() as s:
        assert s.path == target
    assert target.exists()
