"""Versioned schema steps, applied in order; the store records each in ``schema_version``.

To change the schema, write one function returning its SQL and decorate it with
``@step(<next version>, "<what it does>")``. A column appended to a declaration in
``columns.py`` carries ``since=<that version>``; ``added_columns(version)`` gives the
``ALTER TABLE`` statements for it, so the step can be one line. Version 1 builds the
tables from the declarations with ``since == 1``, so a fresh store and a migrated one
end with the same schema (the store checks that after migrating).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from healthgap.store.assessments import ASSESSMENT_COLUMNS_ADDED, ASSESSMENT_COLUMNS_V5
from healthgap.store.columns import COMPARISON_COLUMNS
from healthgap.store.schema import DATA_TABLES, quote

__all__ = ["LATEST_VERSION", "MIGRATIONS", "Migration", "added_columns", "step"]


@dataclass(frozen=True)
class Migration:
    """One schema step: its version, a one-line description and its SQL statements."""

    version: int
    description: str
    statements: Callable[[], tuple[str, ...]]


_STEPS: list[Migration] = []


def step(
    version: int, description: str
) -> Callable[[Callable[[], tuple[str, ...]]], Callable[[], tuple[str, ...]]]:
    """Register a function returning the SQL of schema version ``version``."""

    def register(fn: Callable[[], tuple[str, ...]]) -> Callable[[], tuple[str, ...]]:
        expected = len(_STEPS) + 1
        if version != expected:
            raise ValueError(f"migration {fn.__name__}: version {version}, expected {expected}")
        _STEPS.append(Migration(version, description, fn))
        return fn

    return register


def _column_sql(name: str, type_: str, nullable: bool) -> str:
    return f"{quote(name)} {type_}" + ("" if nullable else " NOT NULL")


def added_columns(version: int) -> tuple[str, ...]:
    """``ALTER TABLE … ADD COLUMN`` for every declared column with ``since == version``."""
    return tuple(
        f"ALTER TABLE {quote(t.name)} ADD COLUMN {quote(c.name)} {c.type}"
        for t in DATA_TABLES
        for c in t.columns
        if c.since == version
    )


@step(1, "releases, files, series and the four data tables")
def _v1() -> tuple[str, ...]:
    statements = [
        """CREATE TABLE releases (
            release_id BIGINT PRIMARY KEY,
            source VARCHAR NOT NULL,
            loaded_at TIMESTAMP NOT NULL,
            published_at DATE,
            embargo_until TIMESTAMP,
            loaded_by VARCHAR NOT NULL,
            note VARCHAR
        )""",
        """CREATE TABLE release_files (
            release_id BIGINT NOT NULL,
            position INTEGER NOT NULL,
            name VARCHAR NOT NULL,
            sha256 VARCHAR NOT NULL,
            "rows" BIGINT NOT NULL,
            PRIMARY KEY (release_id, position)
        )""",
        """CREATE TABLE series (
            key VARCHAR NOT NULL,
            release_id BIGINT NOT NULL,
            name VARCHAR NOT NULL,
            publisher VARCHAR NOT NULL,
            unit VARCHAR,
            measure VARCHAR,
            fingertips_id BIGINT,
            indicator_id VARCHAR,
            PRIMARY KEY (key, release_id)
        )""",
    ]
    for t in DATA_TABLES:
        cols = ", ".join(
            ["release_id BIGINT NOT NULL"]
            + [_column_sql(c.name, c.type, c.nullable) for c in t.columns if c.since == 1]
        )
        statements.append(f"CREATE TABLE {quote(t.name)} ({cols})")
    return tuple(statements)


@step(2, "row counts per table recorded on each release (backfilled by counting)")
def _v2() -> tuple[str, ...]:
    # DuckDB cannot ALTER and then UPDATE one table in a single transaction, so the
    # table is rebuilt: copy with the counts, drop, rename.
    counted = [("series", "series_rows"), *((t.name, t.rows_column) for t in DATA_TABLES)]
    base = "release_id, source, loaded_at, published_at, embargo_until, loaded_by, note"
    return (
        f"""CREATE TABLE releases_v2 (
            release_id BIGINT PRIMARY KEY,
            source VARCHAR NOT NULL,
            loaded_at TIMESTAMP NOT NULL,
            published_at DATE,
            embargo_until TIMESTAMP,
            loaded_by VARCHAR NOT NULL,
            note VARCHAR,
            {", ".join(f"{column} BIGINT NOT NULL" for _, column in counted)}
        )""",
        f"INSERT INTO releases_v2 SELECT {base}, "
        + ", ".join(
            f"(SELECT count(*) FROM {quote(table)} d WHERE d.release_id = r.release_id)"
            for table, _ in counted
        )
        + " FROM releases r",
        "DROP TABLE releases",
        "ALTER TABLE releases_v2 RENAME TO releases",
        *added_columns(2),
    )


@step(3, "progress returns: append-only values recorded for commitments")
def _v3() -> tuple[str, ...]:
    # Append-only: a correction is a new row naming the row it supersedes (never UPDATE).
    return (
        """CREATE TABLE progress_returns (
            return_id BIGINT PRIMARY KEY,
            commitment_id VARCHAR NOT NULL,
            value DOUBLE NOT NULL,
            unit VARCHAR,
            as_of DATE NOT NULL,
            source VARCHAR NOT NULL,
            note VARCHAR,
            recorded_by VARCHAR NOT NULL,
            recorded_at TIMESTAMP NOT NULL,
            supersedes BIGINT UNIQUE
        )""",
    )


@step(4, "comparison outcomes per release")
def _v4() -> tuple[str, ...]:
    # Derived from the values of the same release (never updated; a new release replaces).
    cols = ", ".join(
        ["release_id BIGINT NOT NULL"]
        + [_column_sql(c.name, c.type, c.nullable) for c in COMPARISON_COLUMNS]
    )
    return (f"CREATE TABLE comparisons ({cols})",)


@step(5, "commitment assessments derived with each release")
def _v5() -> tuple[str, ...]:
    # Derived in the load's transaction (ADR 0800); never updated, a new load adds rows.
    cols = ", ".join(
        ["release_id BIGINT NOT NULL"]
        + [_column_sql(name, type_, nullable) for name, type_, nullable in ASSESSMENT_COLUMNS_V5]
    )
    return (f"CREATE TABLE assessments ({cols})",)


@step(6, "editors' entries in the local action library (append-only versions)")
def _v6() -> tuple[str, ...]:
    return (
        """CREATE TABLE action_entries (
            seq BIGINT NOT NULL PRIMARY KEY,
            entry_id VARCHAR NOT NULL,
            status VARCHAR NOT NULL,
            body VARCHAR NOT NULL,
            recorded_by VARCHAR NOT NULL,
            recorded_at TIMESTAMP NOT NULL
        )""",
    )


@step(7, "API tokens (hashed) and the audit log of writes")
def _v7() -> tuple[str, ...]:
    # Tokens are stored as their SHA-256 only: the token itself is shown once, never kept.
    return (
        """CREATE TABLE api_tokens (
            token_id BIGINT PRIMARY KEY,
            name VARCHAR NOT NULL,
            role VARCHAR NOT NULL,
            token_sha256 VARCHAR NOT NULL UNIQUE,
            created_at TIMESTAMP NOT NULL,
            revoked_at TIMESTAMP
        )""",
        """CREATE TABLE audit_log (
            audit_id BIGINT PRIMARY KEY,
            recorded_at TIMESTAMP NOT NULL,
            who VARCHAR NOT NULL,
            action VARCHAR NOT NULL,
            detail VARCHAR NOT NULL
        )""",
    )


#: The comparisons of a current value, as one list column (``Store.value_records``).
COMPARISON_LIST_TYPE = (
    "STRUCT(benchmark VARCHAR, benchmark_area_code VARCHAR, benchmark_area_name VARCHAR, "
    "benchmark_value DOUBLE, comparison_method BIGINT, outcome VARCHAR, reason VARCHAR, "
    "borough_quintile BIGINT)[]"
)


@step(8, "current values with their comparisons, derived at load for one release set")
def _v8() -> tuple[str, ...]:
    # Derived in a load's transaction (ADR 0811): the current values of the releases listed
    # in current_records_basis, joined with their comparisons; reads use it only when they
    # see exactly that release set (the visibility rule is still applied at read).
    values = next(t for t in DATA_TABLES if t.name == "indicator_values")
    cols = ", ".join(
        [_column_sql(c.name, c.type, c.nullable) for c in values.columns]
        + [
            "release_id BIGINT NOT NULL",
            f"comparisons {COMPARISON_LIST_TYPE} NOT NULL",
            "recent_trend VARCHAR",
            "trend_reason VARCHAR",
            "compared_to_london VARCHAR",
            "london_value DOUBLE",
            "compared_to_icb VARCHAR",
            "icb_code VARCHAR",
            "icb_value DOUBLE",
            "compared_to_england VARCHAR",
            "england_value DOUBLE",
            "borough_quintile BIGINT",
            "change_from_previous VARCHAR",
            "is_latest BOOLEAN NOT NULL",
            "row_order BIGINT NOT NULL",
        ]
    )
    return (
        f"CREATE TABLE current_records ({cols})",
        "CREATE TABLE current_records_basis ("
        "release_ids VARCHAR NOT NULL, derived_at TIMESTAMP NOT NULL)",
    )


@step(9, "prepared answers: whole API answers derived with the current records, gzipped")
def _v9() -> tuple[str, ...]:
    # Derived in the same transaction as current_records (ADR 0812), keyed by the visible
    # release set (with its provenance) and by the recipe (catalogue, geography, code) they
    # were made for; a read serves one only when both match, so a stale one is never served.
    return (
        """CREATE TABLE prepared_answers (
            name VARCHAR NOT NULL,
            basis VARCHAR NOT NULL,
            recipe VARCHAR NOT NULL,
            body_bytes BIGINT NOT NULL,
            gzip BLOB NOT NULL,
            derived_at TIMESTAMP NOT NULL
        )""",
    )


@step(10, "the rules (code and catalogue) each stored assessment was made under")
def _v10() -> tuple[str, ...]:
    # Rows made before have none, so they are never served as the running rules' (ADR 0700).
    return tuple(
        f"ALTER TABLE assessments ADD COLUMN {quote(name)} {type_}"
        for name, type_, _ in ASSESSMENT_COLUMNS_ADDED[10]
    )


MIGRATIONS: tuple[Migration, ...] = tuple(_STEPS)
LATEST_VERSION: int = MIGRATIONS[-1].version
