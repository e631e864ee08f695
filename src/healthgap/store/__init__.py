"""The DuckDB store: schema and migrations, releases, atomic loads, as-published reads."""

from __future__ import annotations

from healthgap.store.action_entries import ACTION_STATUSES, ActionRecord
from healthgap.store.columns import (
    AREA_TYPES,
    BENCHMARKS,
    BREAKDOWN_NONE,
    COMPARISON_COLUMNS,
    DEATH_COLUMNS,
    DEPRIVATION_COLUMNS,
    POPULATION_COLUMNS,
    SEXES,
    VALUE_COLUMNS,
    Column,
    column_names,
)
from healthgap.store.duckdb_store import Store, open_store
from healthgap.store.migrations import LATEST_VERSION, MIGRATIONS, Migration
from healthgap.store.prepared import PreparedAnswer, Preparer
from healthgap.store.progress import ProgressReturn
from healthgap.store.records import (
    RELEASE_STATUSES,
    ReadFingerprint,
    Release,
    ReleaseStatus,
    SourceSummary,
)
from healthgap.store.release_input import ReleaseInput, SeriesInfo, SourceFile
from healthgap.store.schema import DATA_TABLES, DataTable
from healthgap.store.visibility import Visibility
from healthgap.store.writer import Writer

__all__ = [
    "ACTION_STATUSES",
    "AREA_TYPES",
    "BENCHMARKS",
    "BREAKDOWN_NONE",
    "COMPARISON_COLUMNS",
    "DATA_TABLES",
    "DEATH_COLUMNS",
    "DEPRIVATION_COLUMNS",
    "LATEST_VERSION",
    "MIGRATIONS",
    "POPULATION_COLUMNS",
    "RELEASE_STATUSES",
    "SEXES",
    "VALUE_COLUMNS",
    "ActionRecord",
    "Column",
    "DataTable",
    "Migration",
    "PreparedAnswer",
    "Preparer",
    "ProgressReturn",
    "ReadFingerprint",
    "Release",
    "ReleaseInput",
    "ReleaseStatus",
    "SeriesInfo",
    "SourceFile",
    "SourceSummary",
    "Store",
    "Visibility",
    "Writer",
    "column_names",
    "open_store",
]
