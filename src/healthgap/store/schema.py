"""The store's tables, derived from the column declarations in ``columns.py``.

Pure declarations: no database access here (``duckdb_store`` is the only module that
talks to DuckDB).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from healthgap.store.columns import (
    DEATH_COLUMNS,
    DEPRIVATION_COLUMNS,
    POPULATION_COLUMNS,
    VALUE_COLUMNS,
    Column,
)

__all__ = [
    "ARROW_TYPES",
    "DATA_TABLES",
    "DataTable",
    "data_table",
    "quote",
]

#: The Arrow type each declared column type is cast to before it is written.
ARROW_TYPES: dict[str, pa.DataType] = {
    "VARCHAR": pa.string(),
    "DOUBLE": pa.float64(),
    "DATE": pa.date32(),
    "BOOLEAN": pa.bool_(),
    "BIGINT": pa.int64(),
}


@dataclass(frozen=True)
class DataTable:
    """A release-scoped data table.

    ``field`` is the ``ReleaseInput`` attribute that feeds it, ``key`` the columns that
    identify one published number: a later release supersedes an earlier one per key.
    The SQL table holds ``release_id`` first, then ``columns`` in declared order.
    """

    name: str
    field: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def rows_column(self) -> str:
        """The ``releases`` column that records how many rows a release added here."""
        return f"{self.field}_rows"

    def arrow_schema(self) -> pa.Schema:
        return pa.schema(
            [pa.field(c.name, ARROW_TYPES[c.type], nullable=c.nullable) for c in self.columns]
        )


VALUE_KEY: tuple[str, ...] = (
    "series",
    "area_code",
    "period_start",
    "period_end",
    "sex",
    "age_band",
    "breakdown_type",
    "breakdown_category",
)

DATA_TABLES: tuple[DataTable, ...] = (
    DataTable("indicator_values", "values", VALUE_COLUMNS, VALUE_KEY),
    DataTable(
        "population",
        "population",
        POPULATION_COLUMNS,
        ("area_code", "year", "sex", "age_start", "age_end"),
    ),
    DataTable(
        "deaths", "deaths", DEATH_COLUMNS, ("area_code", "year", "sex", "age_start", "age_end")
    ),
    DataTable("deprivation", "deprivation", DEPRIVATION_COLUMNS, ("lsoa_code", "edition")),
)


def data_table(field: str) -> DataTable:
    """The data table fed by ``ReleaseInput.<field>``."""
    for t in DATA_TABLES:
        if t.field == field:
            return t
    raise KeyError(field)


def quote(identifier: str) -> str:
    """A SQL identifier, double-quoted (``count``, ``rank`` and ``values`` are keywords)."""
    return '"' + identifier.replace('"', '""') + '"'
