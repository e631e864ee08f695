"""Execution backends for the engine's aggregation stage, registered by name and loaded lazily.

The same Ibis expressions run on every backend. DuckDB is embedded and always present; Spark
needs the ``spark`` extra (``pip install healthgap[spark]``) and Java. Nothing imports PySpark
unless the Spark backend is chosen.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from healthgap.errors import ConfigurationError

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pyarrow as pa

__all__ = ["BACKEND_NAMES", "DEFAULT_DUCKDB_MEMORY", "Backend", "connect"]


@dataclass
class Backend:
    """An Ibis connection with the few operations the engine needs."""

    name: str
    con: Any
    _close: Callable[[], None] | None = None

    def read(self, path: Path, *, table_name: str) -> ir.Table:
        """A CSV file, a Parquet file or a directory of Parquet files, as an Ibis table."""
        path = Path(path)
        if path.is_dir():
            parts = sorted(str(p) for p in path.rglob("*.parquet"))
            if not parts:
                raise ConfigurationError(f"{path}: no Parquet files in this directory")
            return self.con.read_parquet(
                parts if self.name == "duckdb" else str(path), table_name=table_name
            )
        if path.suffix.lower() == ".parquet":
            return self.con.read_parquet(str(path), table_name=table_name)
        if path.suffix.lower() == ".csv":
            return self.con.read_csv(str(path), table_name=table_name)
        raise ConfigurationError(f"{path}: expected a .csv or .parquet file, or a directory")

    def table(self, data: pa.Table, *, table_name: str) -> ir.Table:
        """A small in-memory Arrow table (reference data) made available to the backend."""
        import ibis

        # A view over an in-memory table: Ibis 12's create_table(overwrite=True) emits SQL
        # DuckDB 1.5 cannot parse, and a view needs no copy.
        return self.con.create_view(table_name, ibis.memtable(data), overwrite=True)

    def to_arrow(self, expr: ir.Table) -> pa.Table:
        """Execute an expression and return its result as Arrow."""
        return expr.to_pyarrow()

    def close(self) -> None:
        if self._close is not None:
            self._close()


#: DuckDB's memory cap for the engine unless HEALTHGAP_DUCKDB_MEMORY says otherwise. DuckDB's
#: own default (80% of RAM) lets one large group-by take the machine; under a cap it spills
#: to its temporary directory instead.
DEFAULT_DUCKDB_MEMORY = "1GB"


def _duckdb(*, threads: int | None = None, memory_limit: str | None = None) -> Backend:
    import ibis

    limit = memory_limit or os.environ.get("HEALTHGAP_DUCKDB_MEMORY") or DEFAULT_DUCKDB_MEMORY
    if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", limit.strip(), re.I):
        raise ConfigurationError(f"DuckDB memory limit {limit!r}: expected e.g. '2GB' or '512MB'")
    con = ibis.duckdb.connect(**({"threads": threads} if threads else {}))
    # No progress bar: the engine is a library, and the bar's redraws cost time on long scans.
    con.raw_sql("SET enable_progress_bar = false")
    con.raw_sql(f"SET memory_limit = '{limit.strip()}'")
    # Group-by results need no particular order; not keeping it saves memory.
    con.raw_sql("SET preserve_insertion_order = false")
    return Backend("duckdb", con, con.disconnect)


def _spark(*, master: str = "local[2]") -> Backend:
    try:
        import ibis
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise ConfigurationError(
            "the Spark backend needs the spark extra: pip install 'healthgap[spark]'"
        ) from exc
    session = SparkSession.getActiveSession()
    if session is None:
        session = (
            SparkSession.builder.master(master)
            .appName("healthgap")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "8")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.session.timeZone", "UTC")
            .getOrCreate()
        )
    return Backend("spark", ibis.pyspark.connect(session))


_FACTORIES: dict[str, Callable[..., Backend]] = {"duckdb": _duckdb, "spark": _spark}
BACKEND_NAMES: tuple[str, ...] = tuple(_FACTORIES)


def connect(name: str = "duckdb", **options: Any) -> Backend:
    """Connect to the named backend ('duckdb' or 'spark')."""
    try:
        factory = _FACTORIES[name]
    except KeyError:
        raise ConfigurationError(
            f"unknown backend {name!r}; choose one of {', '.join(BACKEND_NAMES)}"
        ) from None
    return factory(**options)
