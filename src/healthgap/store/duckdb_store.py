"""The store: one embedded DuckDB file, one ``Store`` object, one writer.

This is the only module that imports ``duckdb``. Every load is a release written in one
transaction; values are never updated in place; reads answer "as published on a date".
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from healthgap.config import default_store_path
from healthgap.errors import MigrationError, StoreError
from healthgap.store.action_entries import ACTION_STATUSES, ActionRecord
from healthgap.store.assessments import assessment_schema
from healthgap.store.columns import BENCHMARKS, COMPARISON_COLUMNS
from healthgap.store.migrations import LATEST_VERSION, MIGRATIONS
from healthgap.store.prepared import PreparedAnswer, Preparer
from healthgap.store.progress import ProgressReturn
from healthgap.store.records import ReadFingerprint, Release, ReleaseStatus, SourceSummary
from healthgap.store.release_input import ReleaseInput, SeriesInfo, SourceFile
from healthgap.store.rules import withhold_suppressed
from healthgap.store.schema import DATA_TABLES, VALUE_KEY, DataTable, data_table, quote
from healthgap.store.validation import conform
from healthgap.store.visibility import Visibility, naive_utc

__all__ = ["CHUNK_ROWS", "FLAT_COMPARISONS", "Progress", "Store", "open_store"]

#: Prepared answers are made for what a public read sees now and at the next this many
#: instants when that changes by the clock alone (embargoes ending, publication dates).
PREPARED_AHEAD = 2

#: Rows written per Arrow batch during a load (progress is reported after each).
CHUNK_ROWS = 250_000

Progress = Callable[[int, int], None]
#: Derives tables from a release inside its load's transaction (see ``Store.load_release``).
Derive = Callable[["Store"], Mapping[str, pa.Table]]

#: When release ``r`` changed what a read sees: published (its date, else its load), its
#: embargo ended, or it was loaded, whichever was latest.
_RELEASE_CHANGED_AT = (
    "greatest(coalesce(CAST(r.published_at AS TIMESTAMP), r.loaded_at), "
    "coalesce(r.embargo_until, r.loaded_at), r.loaded_at)"
)

#: Comparison outcomes: derived from the values of the same release, one row per value key
#: and benchmark. Not one of DATA_TABLES (no row count on ``releases``; see ADR 0420).
COMPARISONS = DataTable("comparisons", "comparisons", COMPARISON_COLUMNS, (*VALUE_KEY, "benchmark"))

#: Flat comparison columns of :meth:`Store.value_records`: name → (benchmark, comparisons
#: column, aggregate).
FLAT_COMPARISONS: dict[str, tuple[str, str, str]] = {
    "compared_to_london": ("region", "c.outcome", "any_value"),
    "london_value": ("region", "c.benchmark_value", "any_value"),
    "compared_to_icb": ("icb", "c.outcome", "any_value"),
    "icb_code": ("icb", "c.benchmark_area_code", "any_value"),
    "icb_value": ("icb", "c.benchmark_value", "any_value"),
    "compared_to_england": ("country", "c.outcome", "any_value"),
    "england_value": ("country", "c.benchmark_value", "any_value"),
    "borough_quintile": ("boroughs", "c.borough_quintile", "any_value"),
    "change_from_previous": ("previous", "c.outcome", "any_value"),
}

#: The order of :meth:`Store.value_records` rows.
_RECORD_ORDER: tuple[str, ...] = (
    "series",
    "area_code",
    "period_start",
    "period_end",
    "sex",
    "age_band",
    "breakdown_type",
    "breakdown_category",
)
#: A current value's "latest period" partition, and the window that ranks it.
_LATEST_PARTITION = frozenset(
    {"series", "area_code", "sex", "age_band", "breakdown_type", "breakdown_category"}
)
_LATEST = (
    'row_number() OVER (PARTITION BY "series", "area_code", "sex", "age_band", '
    '"breakdown_type", "breakdown_category" ORDER BY period_end DESC, period_start DESC)'
)

_SERIES_SCHEMA = pa.schema(
    [
        pa.field("key", pa.string(), nullable=False),
        pa.field("name", pa.string(), nullable=False),
        pa.field("publisher", pa.string(), nullable=False),
        pa.field("unit", pa.string()),
        pa.field("measure", pa.string()),
        pa.field("fingertips_id", pa.int64()),
        pa.field("indicator_id", pa.string()),
        pa.field("release_id", pa.int64(), nullable=False),
    ]
)


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _as_date(day: date) -> date:
    return day.date() if isinstance(day, datetime) else day


def _cols(names: Iterable[str], prefix: str = "") -> str:
    return ", ".join(prefix + quote(n) for n in names)


class Store:
    """The healthgap store. Create with :func:`open_store`; close it (or use ``with``).

    One ``Store`` is the process's single writer: writes are serialised by a lock on its
    connection. Reads take no lock: each runs on a cursor of its own (or the thread's
    :meth:`snapshot`), so they continue, and stay consistent, while a load is written.
    DuckDB's file lock keeps every other process out while a writer has the file open
    (ADR 0800).
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, *, path: Path, read_only: bool) -> None:
        self._con = con
        self._lock = threading.RLock()
        self._local = threading.local()
        # Read cursors are made from their own root connection under a small lock of their
        # own, so a read never waits for the writer's lock (held for a whole load).
        self._cursor_lock = threading.Lock()
        self._readers = con.cursor()
        self._closed = False
        self._current_ok = False
        self._prepared_ok = False
        self._preparer: Preparer | None = None
        self.path = path
        self.read_only = read_only

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        with self._cursor_lock:
            self._closed = True
            self._readers.close()
        with self._lock:
            self._con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _query(self, sql: str, params: object = None) -> list[tuple[Any, ...]]:
        with self._reading() as cur:
            return cur.execute(sql, params).fetchall()

    def _arrow(self, sql: str, params: object = None) -> pa.Table:
        with self._reading() as cur:
            return cur.execute(sql, params).to_arrow_table()

    @contextmanager
    def _reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The cursor a read runs on: the thread's open snapshot, else a fresh cursor.

        Reads never take the writer's lock: each runs on its own cursor (DuckDB MVCC), so
        reads continue while a load's transaction is open and never see it half-done.
        """
        snap: duckdb.DuckDBPyConnection | None = getattr(self._local, "snapshot", None)
        if snap is not None:
            yield snap
            return
        cur = self._cursor()
        try:
            yield cur
        finally:
            cur.close()

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        """A new cursor for one read (its own DuckDB connection to the same database)."""
        with self._cursor_lock:
            if self._closed:
                raise StoreError(f"the store {self.path} is closed")
            return self._readers.cursor()

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Run every read of this thread inside one read transaction (one consistent view).

        Reads made inside ``with store.snapshot():`` all see the store as it was when the
        block began, whatever loads commit meanwhile. Nested blocks share the outer one.
        """
        if getattr(self._local, "snapshot", None) is not None:
            yield
            return
        cur = self._cursor()
        cur.begin()
        self._local.snapshot = cur
        try:
            yield
        finally:
            self._local.snapshot = None
            try:
                cur.rollback()
            finally:
                cur.close()

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Make this thread's writes inside the block one transaction: all or none.

        Writes made inside (``load_release``, ``record_progress``, ``execute_atomically`` …)
        join it instead of committing on their own, and this thread's reads see them. An
        error must leave the block (it rolls everything back); nested blocks share the
        outer one. Used to write an audit record with the write it records.
        """
        self._require_writable("write")
        with self._lock:
            if getattr(self._local, "atomic", False):
                yield
                return
            con = self._con
            con.begin()
            outer_snapshot = getattr(self._local, "snapshot", None)
            self._local.atomic = True
            self._local.snapshot = con
            try:
                yield
                con.commit()
            except BaseException:
                _rollback(con)
                raise
            finally:
                self._local.atomic = False
                self._local.snapshot = outer_snapshot

    def _begin(self, con: duckdb.DuckDBPyConnection) -> bool:
        """Begin a write's transaction, or join this thread's :meth:`atomic` one (True)."""
        if getattr(self._local, "atomic", False):
            return True
        con.begin()
        return False

    @staticmethod
    def _commit(con: duckdb.DuckDBPyConnection, outer: bool) -> None:
        if not outer:
            con.commit()

    @staticmethod
    def _abort(con: duckdb.DuckDBPyConnection, outer: bool) -> None:
        """Roll back a write's own transaction; a joined one is rolled back by its block."""
        if not outer:
            _rollback(con)

    def _require_writable(self, action: str) -> None:
        if self.read_only:
            raise StoreError(f"the store {self.path} is open read-only; cannot {action}")

    def execute_atomically(self, what: str, statements: list[tuple[str, list[object]]]) -> None:
        """Run parameterised ``statements`` in one transaction on the writer's connection:
        all of them, or (on any error or interrupt) none; a database error is a StoreError
        saying nothing was written."""
        self._require_writable(what)
        with self._lock:
            con = self._con
            outer = False
            try:
                outer = self._begin(con)
                for statement, params in statements:
                    con.execute(statement, params)
                self._commit(con, outer)
            except BaseException as exc:
                # The transaction may never have opened, or be gone already.
                with contextlib.suppress(duckdb.Error):
                    if not outer:
                        con.rollback()
                if isinstance(exc, duckdb.Error):
                    raise StoreError(f"{what} failed; nothing was written: {exc}") from exc
                raise

    # ------------------------------------------------------------------ schema
    @property
    def schema_version(self) -> int:
        """The schema version of the open file (0 for an empty file)."""
        exists = self._query(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'main' AND table_name = 'schema_version'"
        )[0][0]
        if not exists:
            return 0
        got = self._query("SELECT max(version) FROM schema_version")[0][0]
        return 0 if got is None else int(got)

    def migrate(self, *, to: int | None = None) -> int:
        """Apply the pending schema steps up to ``to`` (default: latest) in one transaction.

        Returns the version reached. Raises ``MigrationError`` for a store newer than this
        healthgap, or a read-only store that needs migrating.
        """
        target = LATEST_VERSION if to is None else to
        if not 1 <= target <= LATEST_VERSION:
            raise MigrationError(f"no schema version {target}; known: 1 to {LATEST_VERSION}")
        current = self.schema_version
        if current > LATEST_VERSION:
            raise MigrationError(
                f"the store {self.path} has schema version {current}, newer than the "
                f"{LATEST_VERSION} this healthgap knows; upgrade healthgap to use it"
            )
        if current >= target:
            return current
        if self.read_only:
            raise MigrationError(
                f"the store {self.path} has schema version {current}; this healthgap needs "
                f"{LATEST_VERSION}: open it for writing once (run `healthgap init`) to migrate"
            )
        with self._lock:
            con = self._con
            con.begin()
            try:
                con.execute(
                    "CREATE TABLE IF NOT EXISTS schema_version ("
                    "version INTEGER PRIMARY KEY, description VARCHAR NOT NULL, "
                    "applied_at TIMESTAMP NOT NULL)"
                )
                for migration in MIGRATIONS[current:target]:
                    for statement in migration.statements():
                        con.execute(statement)
                    con.execute(
                        "INSERT INTO schema_version VALUES (?, ?, ?)",
                        [migration.version, migration.description, _utcnow()],
                    )
                con.commit()
            except BaseException as exc:
                _rollback(con)
                if isinstance(exc, duckdb.Error):
                    raise MigrationError(
                        f"migrating the store {self.path} from version {current} failed: {exc}"
                    ) from exc
                raise
        return target

    def check_schema(self) -> None:
        """``MigrationError`` unless every data table matches its declared columns."""
        for t in (*DATA_TABLES, COMPARISONS):
            got = [
                r[0]
                for r in self._query(
                    "SELECT column_name FROM information_schema.columns WHERE "
                    "table_schema = 'main' AND table_name = ? ORDER BY ordinal_position",
                    [t.name],
                )
            ]
            want = ["release_id", *t.column_names]
            if got != want:
                diff = next(
                    (w for g, w in zip(got, want, strict=False) if g != w),
                    want[len(got)] if len(got) < len(want) else got[len(want)],
                )
                raise MigrationError(
                    f"table '{t.name}' in the store {self.path} does not match the declared "
                    f"columns (first difference at '{diff}'); a schema step is missing"
                )

    # ------------------------------------------------------------------ writes
    def load_release(
        self,
        release: ReleaseInput,
        *,
        progress: Progress | None = None,
        derive: Derive | None = None,
        refresh_current: bool = True,
    ) -> int:
        """Write ``release`` atomically and return its release id.

        Tables are checked against the declared columns first (``StoreError`` naming the
        table and column); the write is one transaction, so a failure, an interrupt or a
        killed process leaves the store as it was. ``progress(done_rows, total_rows)`` is
        called once the transaction has begun and after each batch written.

        ``derive(store)`` (see ``healthgap.publish``) runs inside the transaction once the
        release is written: reads it makes on this thread see the store as the load leaves
        it. It returns derived tables by name (``"assessments"``: ``assessment_schema()``
        rows), written in the same transaction; if it raises, nothing is written.
        """
        self._require_writable("load a release")
        if not release.source:
            raise StoreError("a release needs a source")
        if not release.files:
            raise StoreError(f"release from '{release.source}': no source files named")
        for f in release.files:
            if len(f.sha256) != 64 or any(ch not in "0123456789abcdef" for ch in f.sha256):
                raise StoreError(
                    f"release from '{release.source}': file '{f.name}': sha256 must be 64 "
                    f"lower-case hex digits, got {f.sha256!r}"
                )
        keys = [s.key for s in release.series]
        dup = next((k for k in keys if keys.count(k) > 1), None)
        if dup is not None:
            raise StoreError(f"release from '{release.source}': series '{dup}' given twice")
        tables: list[tuple[DataTable, pa.Table]] = []
        for spec in DATA_TABLES:
            given = getattr(release, spec.field)
            if given is not None:
                table = conform(given, spec)
                tables.append(
                    (spec, withhold_suppressed(table) if spec.field == "values" else table)
                )
        total = sum(t.num_rows for _, t in tables)
        if total == 0 and not release.series:
            raise StoreError(f"release from '{release.source}' holds no rows and no series")
        comparisons = self._conform_comparisons(release)
        if comparisons is not None:
            total += comparisons.num_rows
        counts = {spec.rows_column: 0 for spec in DATA_TABLES}
        counts.update({spec.rows_column: t.num_rows for spec, t in tables})
        counts["series_rows"] = len(release.series)
        published = None if release.published_at is None else _as_date(release.published_at)
        embargo = None if release.embargo_until is None else naive_utc(release.embargo_until)

        with self._lock:
            con = self._con
            outer = False
            try:
                outer = self._begin(con)
                release_id = int(
                    con.execute("SELECT coalesce(max(release_id), 0) + 1 FROM releases").fetchall()[
                        0
                    ][0]
                )
                names = ["release_id", "source", "loaded_at", "published_at", "embargo_until"]
                names += ["loaded_by", "note", *counts]
                con.execute(
                    f"INSERT INTO releases ({', '.join(names)}) "
                    f"VALUES ({', '.join('?' for _ in names)})",
                    [
                        release_id,
                        release.source,
                        _utcnow(),
                        published,
                        embargo,
                        release.loaded_by,
                        release.note,
                        *counts.values(),
                    ],
                )
                con.executemany(
                    'INSERT INTO release_files (release_id, position, name, sha256, "rows") '
                    "VALUES (?, ?, ?, ?, ?)",
                    [
                        [release_id, i, f.name, f.sha256, f.rows]
                        for i, f in enumerate(release.files)
                    ],
                )
                if release.series:
                    con.executemany(
                        "INSERT INTO series (key, release_id, name, publisher, unit, measure, "
                        "fingertips_id, indicator_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [_series_row(s, release_id) for s in release.series],
                    )
                done = 0
                if progress is not None:
                    progress(done, total)
                for spec, table in tables:
                    target = f"{quote(spec.name)} (release_id, {_cols(spec.column_names)})"
                    select = f"SELECT {release_id}, {_cols(spec.column_names)} FROM _incoming"
                    for batch in table.to_batches(max_chunksize=CHUNK_ROWS):
                        con.register("_incoming", pa.Table.from_batches([batch]))
                        try:
                            con.execute(f"INSERT INTO {target} {select}")
                        finally:
                            con.unregister("_incoming")
                        done += batch.num_rows
                        if progress is not None:
                            progress(done, total)
                    self._check_unique(con, spec, release_id)
                if comparisons is not None:
                    done = self._write_comparisons(
                        con, comparisons, release_id, done, total, progress
                    )
                if derive is not None:
                    self._write_derived(con, derive, release_id)
                if refresh_current and _has_current_records(con):
                    self._refresh_current(con, Visibility.public().fixed())
                self._commit(con, outer)
            except BaseException as exc:
                self._abort(con, outer)
                if isinstance(exc, duckdb.Error):
                    raise StoreError(
                        f"loading a release from '{release.source}' failed; nothing was "
                        f"written: {exc}"
                    ) from exc
                raise
        return release_id

    @staticmethod
    def _conform_comparisons(release: ReleaseInput) -> pa.Table | None:
        """The release's comparisons, conformed, or ``StoreError`` before anything is written."""
        if release.comparisons is None:
            return None
        where = f"release from '{release.source}': table 'comparisons'"
        if release.values is None or release.values.num_rows == 0:
            raise StoreError(
                f"{where}: comparisons describe values of the same release, and it has none"
            )
        table = conform(release.comparisons, COMPARISONS)
        bad = pc.invert(pc.is_in(table["benchmark"], value_set=pa.array(BENCHMARKS)))
        if table.num_rows and pc.any(bad).as_py():
            row = int(pc.index(bad, True).as_py())
            raise StoreError(
                f"{where}: column 'benchmark': row {row + 1}: value "
                f"{table['benchmark'][row].as_py()!r} is not one of {', '.join(BENCHMARKS)}"
            )
        return table

    def _write_comparisons(
        self,
        con: duckdb.DuckDBPyConnection,
        table: pa.Table,
        release_id: int,
        done: int,
        total: int,
        progress: Progress | None,
    ) -> int:
        """Insert the comparisons inside the load's transaction; every row's value must be
        in the same release (``StoreError`` naming the first that is not)."""
        spec = COMPARISONS
        target = f"{quote(spec.name)} (release_id, {_cols(spec.column_names)})"
        select = f"SELECT {release_id}, {_cols(spec.column_names)} FROM _incoming"
        for batch in table.to_batches(max_chunksize=CHUNK_ROWS):
            con.register("_incoming", pa.Table.from_batches([batch]))
            try:
                con.execute(f"INSERT INTO {target} {select}")
            finally:
                con.unregister("_incoming")
            done += batch.num_rows
            if progress is not None:
                progress(done, total)
        self._check_unique(con, spec, release_id)
        on = " AND ".join(f"v.{quote(k)} = c.{quote(k)}" for k in VALUE_KEY)
        orphan = con.execute(
            f"SELECT {_cols(VALUE_KEY, 'c.')} FROM comparisons c WHERE c.release_id = ? "
            f"AND NOT EXISTS (SELECT 1 FROM indicator_values v WHERE v.release_id = c.release_id "
            f"AND {on}) LIMIT 1",
            [release_id],
        ).fetchall()
        if orphan:
            shown = ", ".join(f"{k}={v!r}" for k, v in zip(VALUE_KEY, orphan[0], strict=True))
            raise StoreError(
                f"table 'comparisons': row for ({shown}) has no value in the same release; "
                "comparisons must describe the release's own values"
            )
        return done

    def _write_derived(
        self, con: duckdb.DuckDBPyConnection, derive: Derive, release_id: int
    ) -> None:
        """Run ``derive`` with this thread's reads on the open transaction; write its tables."""
        outer = getattr(self._local, "snapshot", None)
        self._local.snapshot = con
        try:
            derived = derive(self)
        finally:
            self._local.snapshot = outer
        unknown = sorted(set(derived) - {"assessments"})
        if unknown:
            raise StoreError(f"derived table '{unknown[0]}' is not one the store keeps")
        table = derived.get("assessments")
        if table is None or table.num_rows == 0:
            return
        schema = assessment_schema()
        if table.schema.names != schema.names:
            raise StoreError(
                f"derived table 'assessments': columns {table.schema.names} are not {schema.names}"
            )
        names = ", ".join(quote(n) for n in schema.names)
        con.register("_derived", table.cast(schema))
        try:
            con.execute(
                f"INSERT INTO assessments (release_id, {names}) "
                f"SELECT {release_id}, {names} FROM _derived"
            )
        finally:
            con.unregister("_derived")

    def assessments(self, *, visibility: Visibility | None = None) -> pa.Table:
        """The latest stored assessments a read may see: the rows derived with the newest
        visible release that has any (``assessment_schema()`` + ``release_id``, by position).
        Empty when no visible release carries assessments."""
        visible, params = _reader(visibility).releases_sql()
        names = ", ".join(f"a.{quote(n)}" for n in assessment_schema().names)
        return self._arrow(
            f"SELECT {names}, a.release_id FROM assessments a WHERE a.release_id = ("
            f"SELECT max(x.release_id) FROM assessments x JOIN ({visible}) v "
            "ON x.release_id = v.release_id) ORDER BY a.position",
            params,
        )

    def series_of_indicators(self, indicator_ids: Sequence[str]) -> list[str]:
        """Series keys that hold a value of these indicators in any release (a cheap
        look-up that narrows a read before its latest-release-per-key step)."""
        if not indicator_ids:
            raise StoreError("filter on 'indicator_id' is empty; pass None to select all")
        return [
            r[0]
            for r in self._query(
                "SELECT DISTINCT series FROM indicator_values "
                "WHERE indicator_id IN (SELECT unnest($ids)) ORDER BY 1",
                {"ids": list(indicator_ids)},
            )
        ]

    def visible_release_ids(self, *, visibility: Visibility | None = None) -> tuple[int, ...]:
        """Ids of the releases ``visibility`` sees (a cheap look-up, e.g. for an ETag)."""
        visible, params = _reader(visibility).releases_sql()
        return tuple(int(r[0]) for r in self._query(f"{visible} ORDER BY release_id", params))

    def latest_change(self, *, visibility: Visibility | None = None) -> datetime | None:
        """The latest instant at which the values or progress ``visibility`` sees changed: a
        visible release of values published (or its embargo ended, or it was loaded), or a
        progress return recorded."""
        vis = _reader(visibility)
        visible, params = vis.releases_sql()
        got = self._query(
            f"SELECT max({_RELEASE_CHANGED_AT}) FROM releases r "
            f"JOIN ({visible}) v USING (release_id) WHERE r.values_rows > 0",
            params,
        )[0][0]
        returns = self._query("SELECT max(recorded_at) FROM progress_returns")[0][0]
        found = [x for x in (got, returns) if x is not None]
        return max(found) if found else None

    def read_fingerprint(self, *, visibility: Visibility | None = None) -> ReadFingerprint:
        """What ``visibility`` sees, as a read's cache key needs it, in one query: the
        visible release ids (:meth:`visible_release_ids`), the latest change of a visible
        release of values and the latest progress return (together :meth:`latest_change`)
        and the latest action library entry's ``seq``."""
        visible, params = _reader(visibility).releases_where()
        ids, released, returned, seq = self._query(
            "SELECT * FROM (SELECT list(r.release_id ORDER BY r.release_id), "
            f"max({_RELEASE_CHANGED_AT}) FILTER (WHERE r.values_rows > 0) "
            f"FROM releases r WHERE {visible}), "
            "(SELECT max(recorded_at) FROM progress_returns), "
            "(SELECT max(seq) FROM action_entries)",
            params,
        )[0]
        return ReadFingerprint(
            tuple(int(i) for i in ids or ()), released, returned, 0 if seq is None else int(seq)
        )

    @staticmethod
    def _check_unique(con: duckdb.DuckDBPyConnection, spec: DataTable, release_id: int) -> None:
        key = _cols(spec.key)
        dup = con.execute(
            f"SELECT {key}, count(*) FROM {quote(spec.name)} WHERE release_id = ? "
            f"GROUP BY {key} HAVING count(*) > 1 LIMIT 1",
            [release_id],
        ).fetchall()
        if dup:
            row = dup[0]
            shown = ", ".join(f"{k}={v!r}" for k, v in zip(spec.key, row, strict=False))
            raise StoreError(
                f"table '{spec.field}': key ({shown}) appears {row[-1]} times in one release; "
                "each published number must appear once"
            )

    # ------------------------------------------------------------------ progress returns
    def record_progress(
        self,
        commitment_id: str,
        *,
        value: float,
        as_of: date,
        source: str,
        recorded_by: str,
        unit: str | None = None,
        note: str | None = None,
        corrects: int | None = None,
    ) -> ProgressReturn:
        """Append a progress return and return it as stored.

        ``corrects`` names the return this one supersedes: it must exist, belong to the same
        commitment and be current (correct the latest version, not an old one). Nothing is
        ever updated or deleted. ``StoreError`` for bad input; nothing is written then.
        """
        self._require_writable("record a progress return")
        if not commitment_id:
            raise StoreError("a progress return needs a commitment id")
        if not math.isfinite(value):
            raise StoreError(f"progress return for '{commitment_id}': value must be finite")
        if not source.strip():
            raise StoreError(f"progress return for '{commitment_id}': source must not be empty")
        if not recorded_by.strip():
            raise StoreError(f"progress return for '{commitment_id}': recorded_by is empty")
        day = _as_date(as_of)
        with self._lock:
            con = self._con
            outer = False
            try:
                outer = self._begin(con)
                if corrects is not None:
                    found = con.execute(
                        "SELECT p.commitment_id, (SELECT q.return_id FROM progress_returns q "
                        "WHERE q.supersedes = p.return_id) FROM progress_returns p "
                        "WHERE p.return_id = ?",
                        [corrects],
                    ).fetchall()
                    if not found:
                        raise StoreError(f"no progress return {corrects} to correct")
                    if found[0][0] != commitment_id:
                        raise StoreError(
                            f"progress return {corrects} is for '{found[0][0]}', "
                            f"not '{commitment_id}'"
                        )
                    if found[0][1] is not None:
                        raise StoreError(
                            f"progress return {corrects} was already corrected by return "
                            f"{found[0][1]}; correct that one instead"
                        )
                return_id = int(
                    con.execute(
                        "SELECT coalesce(max(return_id), 0) + 1 FROM progress_returns"
                    ).fetchall()[0][0]
                )
                recorded_at = _utcnow()
                con.execute(
                    "INSERT INTO progress_returns (return_id, commitment_id, value, unit, as_of, "
                    "source, note, recorded_by, recorded_at, supersedes) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        return_id,
                        commitment_id,
                        float(value),
                        unit,
                        day,
                        source,
                        note,
                        recorded_by,
                        recorded_at,
                        corrects,
                    ],
                )
                self._commit(con, outer)
            except BaseException as exc:
                self._abort(con, outer)
                if isinstance(exc, duckdb.Error):
                    raise StoreError(
                        f"recording a progress return for '{commitment_id}' failed; nothing "
                        f"was written: {exc}"
                    ) from exc
                raise
        return ProgressReturn(
            return_id=return_id,
            commitment_id=commitment_id,
            value=float(value),
            unit=unit,
            as_of=day,
            source=source,
            note=note,
            recorded_by=recorded_by,
            recorded_at=recorded_at,
            supersedes=corrects,
        )

    def progress_returns(
        self, *, commitment_ids: Sequence[str] | None = None, include_superseded: bool = False
    ) -> list[ProgressReturn]:
        """Progress returns ordered by commitment, as-of date and id; current ones only
        unless ``include_superseded`` (the full history)."""
        where = ["TRUE"]
        params: dict[str, object] = {}
        if commitment_ids is not None:
            if not commitment_ids:
                raise StoreError("filter on 'commitment_id' is empty; pass None to select all")
            where.append("p.commitment_id IN (SELECT unnest($ids))")
            params["ids"] = list(commitment_ids)
        if not include_superseded:
            where.append("s.return_id IS NULL")
        rows = self._query(
            "SELECT p.return_id, p.commitment_id, p.value, p.unit, p.as_of, p.source, p.note, "
            "p.recorded_by, p.recorded_at, p.supersedes, s.return_id FROM progress_returns p "
            "LEFT JOIN progress_returns s ON s.supersedes = p.return_id "
            f"WHERE {' AND '.join(where)} ORDER BY p.commitment_id, p.as_of, p.return_id",
            params,
        )
        return [
            ProgressReturn(
                return_id=int(r[0]),
                commitment_id=r[1],
                value=float(r[2]),
                unit=r[3],
                as_of=r[4],
                source=r[5],
                note=r[6],
                recorded_by=r[7],
                recorded_at=r[8],
                supersedes=None if r[9] is None else int(r[9]),
                superseded_by=None if r[10] is None else int(r[10]),
            )
            for r in rows
        ]

    def progress_history(self, commitment_id: str) -> list[ProgressReturn]:
        """Every return of one commitment, superseded ones included, in the order recorded."""
        found = self.progress_returns(commitment_ids=[commitment_id], include_superseded=True)
        return sorted(found, key=lambda r: r.return_id)

    # ------------------------------------------------------------------ action library
    def record_action_entry(
        self, entry_id: str, *, status: str, body: str, recorded_by: str
    ) -> ActionRecord:
        """Append a version of an editor's action library entry and return it as stored.
        ``StoreError`` for bad input (nothing is written then)."""
        self._require_writable("record an action library entry")
        if not entry_id.strip():
            raise StoreError("an action library entry needs an id")
        if status not in ACTION_STATUSES:
            raise StoreError(
                f"action entry '{entry_id}': status {status!r} must be one of "
                f"{', '.join(ACTION_STATUSES)}"
            )
        if not recorded_by.strip():
            raise StoreError(f"action entry '{entry_id}': recorded_by is empty")
        with self._lock:
            con = self._con
            outer = False
            try:
                outer = self._begin(con)
                seq = int(
                    con.execute("SELECT coalesce(max(seq), 0) + 1 FROM action_entries").fetchall()[
                        0
                    ][0]
                )
                recorded_at = _utcnow()
                con.execute(
                    "INSERT INTO action_entries VALUES (?, ?, ?, ?, ?, ?)",
                    [seq, entry_id, status, body, recorded_by, recorded_at],
                )
                self._commit(con, outer)
            except BaseException as exc:
                self._abort(con, outer)
                if isinstance(exc, duckdb.Error):
                    raise StoreError(
                        f"recording action entry '{entry_id}' failed; nothing was written: {exc}"
                    ) from exc
                raise
        return ActionRecord(seq, entry_id, status, body, recorded_by, recorded_at)

    def action_entries(self, *, history: bool = False) -> list[ActionRecord]:
        """Editors' action library entries: the latest version of each, by id (every version,
        oldest first, with ``history``)."""
        latest = (
            ""
            if history
            else "WHERE seq IN (SELECT max(seq) FROM action_entries GROUP BY entry_id) "
        )
        rows = self._query(
            "SELECT seq, entry_id, status, body, recorded_by, recorded_at FROM action_entries "
            f"{latest}ORDER BY {'seq' if history else 'entry_id'}"
        )
        return [ActionRecord(int(r[0]), r[1], r[2], r[3], r[4], r[5]) for r in rows]

    # ------------------------------------------------------------------ releases
    def releases(self, *, visibility: Visibility | None = None) -> list[Release]:
        """Every release, oldest first, with its status as of now (or ``visibility``'s instant).

        Status and ``current_rows`` are those of the public read at that instant, whoever
        reads: a release still under embargo is listed (as a publication calendar would list
        it) with status ``embargoed`` and no current rows; its values are never shown.
        """
        return self._releases(None, _reader(visibility))

    def release(self, release_id: int, *, visibility: Visibility | None = None) -> Release:
        """One release, or ``StoreError`` if there is none with that id."""
        found = self._releases(release_id, _reader(visibility))
        if not found:
            raise StoreError(f"no release {release_id} in the store {self.path}")
        return found[0]

    def _releases(self, only: int | None, vis: Visibility) -> list[Release]:
        where = "" if only is None else "WHERE release_id = $only"
        count_cols = ["series_rows", *(t.rows_column for t in DATA_TABLES)]
        params: dict[str, object] = {"only": only} if only is not None else {}
        rows = self._query(
            "SELECT release_id, source, loaded_at, published_at, embargo_until, loaded_by, "
            f"note, {', '.join(count_cols)} FROM releases {where} ORDER BY release_id",
            params,
        )
        if not rows:
            return []
        files: dict[int, list[SourceFile]] = {}
        for rid, name, sha, n in self._query(
            f'SELECT release_id, name, sha256, "rows" FROM release_files {where} '
            "ORDER BY release_id, position",
            params,
        ):
            files.setdefault(int(rid), []).append(SourceFile(name, sha, int(n)))
        public = vis.public_view()
        current = self._current_rows_by_release(public)
        out: list[Release] = []
        for row in rows:
            rid, source, loaded_at, published_at, embargo_until, loaded_by, note = row[:7]
            counts = {
                col.removesuffix("_rows"): int(n or 0)
                for col, n in zip(count_cols, row[7:], strict=True)
            }
            data_rows = sum(n for k, n in counts.items() if k != "series")
            cur = current.get(int(rid), 0)
            status: ReleaseStatus
            if not public.sees(
                published_at=published_at, loaded_at=loaded_at, embargo_until=embargo_until
            ):
                status = "embargoed"
            elif data_rows > 0 and cur == 0:
                status = "superseded"
            else:
                status = "published"
            out.append(
                Release(
                    release_id=int(rid),
                    source=source,
                    files=tuple(files.get(int(rid), ())),
                    row_counts=counts,
                    loaded_at=loaded_at,
                    published_at=published_at,
                    embargo_until=embargo_until,
                    loaded_by=loaded_by,
                    note=note,
                    status=status,
                    current_rows=cur,
                )
            )
        return out

    def _require_visible(self, release_id: int, vis: Visibility, what: str) -> None:
        """``StoreError`` unless release ``release_id`` exists and ``vis`` may see it."""
        r = self.release(release_id, visibility=vis)
        if vis.sees(
            published_at=r.published_at, loaded_at=r.loaded_at, embargo_until=r.embargo_until
        ):
            return
        until = r.embargo_until
        if until is not None and until > vis.cutoff() and not vis.include_embargoed:
            why = f"under embargo until {until.isoformat(sep=' ')} UTC"
        elif r.published_at is not None:
            why = f"not published until {r.published_at.isoformat()}"
        else:
            why = f"loaded at {r.loaded_at.isoformat(sep=' ')} UTC"
        raise StoreError(
            f"{what}: release {release_id} is {why}, so {vis.describe()} cannot see it"
        )

    def release_provenance(self) -> dict[int, tuple[str, date | None, datetime]]:
        """Release id → (source, published_at, loaded_at) of every release (a cheap look-up;
        callers decide visibility through the reads that return release ids)."""
        return {
            int(r[0]): (r[1], r[2], r[3])
            for r in self._query(
                "SELECT release_id, source, published_at, loaded_at FROM releases "
                "ORDER BY release_id"
            )
        }

    def has_release(self, source: str, sha256s: Iterable[str]) -> bool:
        """Whether a release of ``source`` read from exactly these file checksums exists."""
        wanted = sorted(set(sha256s))
        if not wanted:
            raise StoreError("has_release needs at least one sha256")
        rows = self._query(
            "SELECT list(DISTINCT f.sha256 ORDER BY f.sha256) FROM releases r "
            "JOIN release_files f USING (release_id) WHERE r.source = ? GROUP BY r.release_id",
            [source],
        )
        return any(list(r[0]) == wanted for r in rows)

    # ------------------------------------------------------------------ as-published reads
    def _current_sql(
        self,
        spec: DataTable,
        *,
        vis: Visibility,
        filters: Sequence[tuple[str, Sequence[object] | None]] = (),
        narrow: Sequence[str] = (),
    ) -> tuple[str, dict[str, object]]:
        """The rows of ``spec`` visible to ``vis``: latest visible release per key.

        ``narrow``: further SQL conditions on ``d``, each keeping every row of a key or none
        (so that the latest row per key is unchanged)."""
        visible, params = vis.releases_sql()
        where = ["TRUE", *narrow]
        for i, (column, allowed) in enumerate(filters):
            if allowed is None:
                continue
            if not allowed:
                raise StoreError(f"filter on '{column}' is empty; pass None to select all")
            where.append(f"d.{quote(column)} IN (SELECT unnest($f{i}))")
            params[f"f{i}"] = list(allowed)
        sql = (
            f"SELECT {_cols(spec.column_names, 'd.')}, d.release_id "
            f"FROM {quote(spec.name)} d JOIN ({visible}) v ON d.release_id = v.release_id "
            f"WHERE {' AND '.join(where)} "
            f"QUALIFY row_number() OVER (PARTITION BY {_cols(spec.key, 'd.')} "
            "ORDER BY v.effective_on DESC, d.release_id DESC) = 1"
        )
        return sql, params

    def _current_table(
        self,
        spec: DataTable,
        *,
        vis: Visibility,
        filters: Sequence[tuple[str, Sequence[object] | None]] = (),
        post: tuple[str, Sequence[object] | None] | None = None,
    ) -> pa.Table:
        outer = ""
        narrow: list[str] = []
        if post is not None and post[1] is not None:
            if not post[1]:
                raise StoreError(f"filter on '{post[0]}' is empty; pass None to select all")
            # ``post`` is not part of the key, so it filters the current rows, after the
            # latest release per key is chosen. Those rows can only come from a key whose
            # first column's value has some row (in any release) matching ``post``: keeping
            # just those leaves every key's rows whole, so the same rows win, from a
            # fraction of the table.
            wanted = f"{quote(post[0])} IN (SELECT unnest($post))"
            first = quote(spec.key[0])
            narrow.append(f"d.{first} IN (SELECT {first} FROM {quote(spec.name)} WHERE {wanted})")
            outer = f"WHERE {wanted}"
        sql, params = self._current_sql(spec, vis=vis, filters=filters, narrow=narrow)
        if post is not None and post[1] is not None:
            params["post"] = list(post[1])
        table = self._arrow(
            f"SELECT * FROM ({sql}) {outer} ORDER BY {_cols(spec.key)}",
            params,
        )
        return _typed(table, spec)

    def values(
        self,
        *,
        as_published_on: date | None = None,
        indicator_ids: Sequence[str] | None = None,
        series: Sequence[str] | None = None,
        area_codes: Sequence[str] | None = None,
        include_embargoed: bool = False,
        visibility: Visibility | None = None,
    ) -> pa.Table:
        """Indicator values public on ``as_published_on`` (default: now), with release_id.

        ``as_published_on`` (a date: the end of that day) and ``include_embargoed`` (an editor
        read) are shorthand for ``visibility`` (:class:`Visibility`; give one or the other).
        A public read is capped at now: it never shows a release whose embargo or publication
        instant is still to come. For each value key the latest visible release wins.
        Columns: VALUE_COLUMNS then ``release_id``; rows sorted by key. An empty table means
        nothing matched.
        """
        table = self._current_table(
            data_table("values"),
            vis=_reader(visibility, as_published_on, include_embargoed),
            filters=[("series", series), ("area_code", area_codes)],
            post=("indicator_id", indicator_ids),
        )
        return withhold_suppressed(table)

    def value_indicator_ids(self, *, visibility: Visibility | None = None) -> list[str]:
        """The indicator ids of the values :meth:`values` would return for ``visibility``
        (default: a public read now), sorted, without reading the values themselves."""
        sql, params = self._current_sql(data_table("values"), vis=_reader(visibility))
        rows = self._query(
            f"SELECT DISTINCT indicator_id FROM ({sql}) WHERE indicator_id IS NOT NULL", params
        )
        return sorted(str(r[0]) for r in rows)

    def value_records(
        self,
        *,
        visibility: Visibility | None = None,
        indicator_ids: Sequence[str] | None = None,
        series: Sequence[str] | None = None,
        area_codes: Sequence[str] | None = None,
        narrow: Sequence[tuple[str, Sequence[str] | None]] = (),
        latest: bool = False,
    ) -> pa.Table:
        """The current values (as :meth:`values`) joined, in one query, with their stored
        comparisons and their release's provenance: what a read layer serves, with no per-row
        work left for Python.

        ``narrow`` filters further value columns (``area_type``, ``period_label``, ``sex``,
        ``age_band``, ``breakdown_type``, ``breakdown_category``); ``latest`` keeps the latest
        period of each series at each area. Columns: VALUE_COLUMNS, ``release_id``,
        ``source``, ``published_at``, ``loaded_at``, ``comparisons`` (a list of structs:
        benchmark, benchmark_area_code, benchmark_area_name, benchmark_value,
        comparison_method, outcome, reason, borough_quintile; sorted by benchmark),
        ``recent_trend``, ``trend_reason`` and one column per benchmark
        (:data:`FLAT_COMPARISONS`). Suppressed values are withheld. Rows sorted by series,
        area, period start, sex, age and breakdown.

        When the read sees exactly the release set the stored current records were derived
        for (:meth:`refresh_current`, run with every load), they are scanned instead of
        joined afresh: the same rows, since which value is current depends only on the
        visible releases.
        """
        vis = _reader(visibility)
        where, params = self._narrowed(indicator_ids, narrow)
        with self.snapshot():
            if self._current_basis() == self.visible_release_ids(visibility=vis):
                narrowed = {c for c, w in narrow if w is not None}
                if indicator_ids is not None:
                    narrowed.add("indicator_id")
                return withhold_suppressed(
                    self._stored_records(series, area_codes, where, params, latest, narrowed)
                )
        sql, params = self._records_sql(vis, series, area_codes, where, params, latest)
        return withhold_suppressed(self._arrow(sql, params))

    @staticmethod
    def _narrowed(
        indicator_ids: Sequence[str] | None, narrow: Sequence[tuple[str, Sequence[str] | None]]
    ) -> tuple[list[str], dict[str, object]]:
        """SQL conditions (and their parameters) of the filters on current value columns."""
        allowed = set(data_table("values").column_names)
        where: list[str] = []
        params: dict[str, object] = {}
        for i, (column, wanted) in enumerate([("indicator_id", indicator_ids), *narrow]):
            if wanted is None:
                continue
            if column not in allowed:
                raise StoreError(f"value_records: '{column}' is not a value column")
            if not wanted:
                raise StoreError(f"filter on '{column}' is empty; pass None to select all")
            where.append(f"{quote(column)} IN (SELECT unnest($n{i}))")
            params[f"n{i}"] = list(wanted)
        return where, params

    def _records_sql(
        self,
        vis: Visibility,
        series: Sequence[str] | None,
        area_codes: Sequence[str] | None,
        where: list[str],
        params: dict[str, object],
        latest: bool,
    ) -> tuple[str, dict[str, object]]:
        """The query joining the current values with their comparisons and provenance."""
        spec = data_table("values")
        current, vparams = self._current_sql(
            spec, vis=vis, filters=[("series", series), ("area_code", area_codes)]
        )
        params = {**params, **vparams}
        picked = f"SELECT * FROM ({current}) WHERE {' AND '.join(['TRUE', *where])}"
        if latest:
            picked += f" QUALIFY {_LATEST} = 1"
        on = " AND ".join(f"c.{quote(k)} = p.{quote(k)}" for k in VALUE_KEY)
        join = " AND ".join(f"k.{quote(k)} = p.{quote(k)}" for k in VALUE_KEY)
        flat = ", ".join(
            f"{agg}({col}) FILTER (WHERE c.benchmark = '{bench}') AS {quote(name)}"
            for name, (bench, col, agg) in FLAT_COMPARISONS.items()
        )
        finite = "CASE WHEN isfinite(c.benchmark_value) THEN c.benchmark_value END"
        # The picked values are computed once; their comparisons (same release, same key)
        # are grouped into one row per value and joined back.
        sql = f"""
            WITH picked AS MATERIALIZED ({picked}),
            compared AS (
                SELECT c.release_id, {_cols(VALUE_KEY, "c.")},
                    list_sort(list(struct_pack(
                        benchmark := c.benchmark,
                        benchmark_area_code := c.benchmark_area_code,
                        benchmark_area_name := CAST(NULL AS VARCHAR),
                        benchmark_value := {finite},
                        comparison_method := c.comparison_method,
                        outcome := c.outcome,
                        reason := c.reason,
                        borough_quintile := c.borough_quintile
                    ))) AS comparisons,
                    arg_min(c.recent_trend, c.benchmark)
                        FILTER (WHERE c.recent_trend IS NOT NULL) AS recent_trend,
                    arg_min(c.trend_reason, c.benchmark)
                        FILTER (WHERE c.recent_trend IS NOT NULL) AS trend_reason,
                    {flat}
                FROM comparisons c SEMI JOIN picked p ON c.release_id = p.release_id AND {on}
                GROUP BY ALL
            )
            SELECT {_cols(spec.column_names, "p.")}, p.release_id, r.source, r.published_at,
                r.loaded_at, coalesce(k.comparisons, []) AS comparisons, k.recent_trend,
                k.trend_reason, {_cols(FLAT_COMPARISONS, "k.")}
            FROM picked p JOIN releases r ON r.release_id = p.release_id
            LEFT JOIN compared k ON k.release_id = p.release_id AND {join}
            ORDER BY {_cols(_RECORD_ORDER, "p.")}
        """
        return sql, params

    def _current_basis(self) -> tuple[int, ...] | None:
        """The release set the stored current records were derived for (None: none, or a
        store not yet at schema v8)."""
        with self._reading() as cur:
            if not self._current_ok:  # once there, the table stays (schemas only go up)
                if not _has_current_records(cur):
                    return None
                self._current_ok = True
            rows = cur.execute("SELECT release_ids FROM current_records_basis").fetchall()
        if len(rows) != 1:
            return None
        text = str(rows[0][0])
        return tuple(int(x) for x in text.split(",")) if text else ()

    def _stored_records(
        self,
        series: Sequence[str] | None,
        area_codes: Sequence[str] | None,
        where: list[str],
        params: dict[str, object],
        latest: bool,
        narrowed: set[str],
    ) -> pa.Table:
        """:meth:`value_records` from the stored current records (a filtered scan);
        ``narrowed`` names the value columns filtered besides series and area."""
        spec = data_table("values")
        params = dict(params)
        cond = ["TRUE", *where]
        for name, given in (("series", series), ("area_code", area_codes)):
            if given is not None:
                if not given:
                    raise StoreError(f"filter on '{name}' is empty; pass None to select all")
                cond.append(f"{quote(name)} IN (SELECT unnest($s_{name}))")
                params[f"s_{name}"] = list(given)
        tail = ""
        if latest:
            # The stored flag is the latest period over all current rows of a partition; a
            # filter on a column outside the partition (indicator, area type, period) can
            # leave a partition's latest row out, so then the latest is taken afresh.
            if narrowed <= _LATEST_PARTITION:
                cond.append("is_latest")
            else:
                tail = f"QUALIFY {_LATEST} = 1"
        flat = _cols(("recent_trend", "trend_reason", *FLAT_COMPARISONS))
        cols = f"{_cols(spec.column_names)}, release_id, comparisons, {flat}, row_order"
        if tail:
            sql = f"SELECT {cols} FROM current_records WHERE {' AND '.join(cond)} {tail}"
            sql += " ORDER BY row_order"
        else:
            # A filtered scan keeps the stored (row_order) order: DuckDB preserves insertion
            # order without ORDER BY; checked below, sorted only if not.
            sql = f"SELECT {cols} FROM current_records WHERE {' AND '.join(cond)}"
        table = self._arrow(sql, params)
        order = table["row_order"].to_numpy()
        if len(order) > 1 and not bool(np.all(order[1:] > order[:-1])):
            table = table.sort_by("row_order")
        table = table.drop_columns(["row_order"])
        # Provenance from the releases table (a few rows), added column-wise.
        releases = self._arrow(
            "SELECT release_id, source, published_at, loaded_at FROM releases ORDER BY 1"
        )
        at = pc.index_in(table["release_id"], value_set=releases["release_id"])
        place = table.schema.get_field_index("comparisons")
        for i, name in enumerate(("source", "published_at", "loaded_at")):
            table = table.add_column(
                place + i, releases.schema.field(name), releases[name].take(at)
            )
        return table

    def current_stale(self) -> bool:
        """Whether the stored current records were derived for another release set than a
        public read sees now (or never derived): :meth:`refresh_current` would change them."""
        with self.snapshot():
            public_now = Visibility.public().fixed()
            return self._current_basis() != self.visible_release_ids(visibility=public_now)

    def refresh_current(self) -> tuple[int, ...]:
        """Derive the stored current records (current values joined with their comparisons)
        for the releases a public read sees now, replacing the previous ones; return that
        release set. Joins this thread's open load or :meth:`atomic` transaction, so a load
        stores them with itself; reads use them only while they see exactly this set. The
        prepared answers are replaced with them (:meth:`prepare_answers_with`, ADR 0812)."""
        self._require_writable("derive the current records")
        vis = Visibility.public().fixed()
        with self._lock:
            con = self._con
            outer = False
            try:
                outer = self._begin(con)
                ids = self._refresh_current(con, vis)
                self._commit(con, outer)
            except BaseException as exc:
                self._abort(con, outer)
                if isinstance(exc, duckdb.Error):
                    raise StoreError(f"deriving the current records failed: {exc}") from exc
                raise
        return ids

    def _refresh_current(self, con: duckdb.DuckDBPyConnection, vis: Visibility) -> tuple[int, ...]:
        visible, vparams = vis.releases_sql()
        ids = tuple(
            int(r[0])
            for r in con.execute(
                f"SELECT release_id FROM ({visible}) ORDER BY release_id", vparams
            ).fetchall()
        )
        sql, params = self._records_sql(vis, None, None, [], {}, False)
        key = _cols(_RECORD_ORDER)
        con.execute("DELETE FROM current_records")
        con.execute(
            "INSERT INTO current_records BY NAME "
            "SELECT * EXCLUDE (source, published_at, loaded_at), "
            f"row_number() OVER (ORDER BY {key}) AS row_order, "
            f"{_LATEST} = 1 AS is_latest FROM ({sql}) ORDER BY row_order",
            params,
        )
        con.execute("DELETE FROM current_records_basis")
        con.execute(
            "INSERT INTO current_records_basis VALUES (?, ?)",
            [",".join(map(str, ids)), _utcnow()],
        )
        if _has_table(con, "prepared_answers"):
            # Made from these records or not at all: never left over from earlier ones.
            con.execute("DELETE FROM prepared_answers")
            if self._preparer is not None:
                self._write_prepared(con, self._preparer, vis)
        return ids

    # ------------------------------------------------------------------ prepared answers
    @property
    def engine_version(self) -> str:
        """The DuckDB version writing this store's JSON (part of a prepared answer's recipe:
        how numbers are written may change with it)."""
        return str(duckdb.__version__)

    def prepare_answers_with(self, preparer: Preparer | None) -> None:
        """Have every refresh of the current records (a load, a publication or an embargo,
        ``init``'s last step) also make ``preparer``'s answers and store them in the same
        transaction, keyed by the release set and provenance a public read then sees (ADR
        0812). ``None`` stops it: refreshes then only clear them. Set by the read layer."""
        self._preparer = preparer

    def _write_prepared(
        self, con: duckdb.DuckDBPyConnection, preparer: Preparer, vis: Visibility
    ) -> None:
        """Run ``preparer`` with this thread's reads on the open transaction; store its
        answers under the basis of ``vis`` (the visibility the records were derived for)."""
        outer = getattr(self._local, "snapshot", None)
        self._local.snapshot = con
        try:
            for view in (vis, *_coming_views(con, vis, PREPARED_AHEAD)):
                answers = list(preparer(self, view))
                if not answers:  # nothing to answer (no values yet): reads refuse afresh
                    continue
                names = [a.name for a in answers]
                if len(set(names)) != len(names):
                    raise StoreError("prepared answers: a name given twice")
                basis = _answer_basis(con, view)
                con.executemany(
                    "INSERT INTO prepared_answers VALUES (?, ?, ?, ?, ?, ?)",
                    [[a.name, basis, a.recipe, a.body_bytes, a.gzip, _utcnow()] for a in answers],
                )
        finally:
            self._local.snapshot = outer

    def prepared_answer(
        self, name: str, *, recipe: str, visibility: Visibility | None = None
    ) -> PreparedAnswer | None:
        """The stored answer ``name`` made by ``recipe``, if it was made for exactly what
        ``visibility`` (default: a public read now) sees — the same releases with the same
        provenance; else None (the caller answers afresh). One snapshot: the check and the
        bytes come from one state of the store."""
        vis = _reader(visibility)
        with self.snapshot(), self._reading() as cur:
            if not self._prepared_ok:  # once there, the table stays (schemas only go up)
                if not _has_table(cur, "prepared_answers"):
                    return None
                self._prepared_ok = True
            rows = cur.execute(
                "SELECT body_bytes, gzip FROM prepared_answers "
                "WHERE name = ? AND recipe = ? AND basis = ?",
                [name, recipe, _answer_basis(cur, vis)],
            ).fetchall()
        if len(rows) != 1:
            return None
        return PreparedAnswer(name, recipe, int(rows[0][0]), bytes(rows[0][1]))

    def prepared_names(self) -> list[tuple[str, int, int]]:
        """The stored prepared answers: (name, JSON bytes, gzip bytes), by name; empty for
        a store before schema v9."""
        with self._reading() as cur:
            if not _has_table(cur, "prepared_answers"):
                return []
            rows = cur.execute(
                "SELECT name, body_bytes, octet_length(gzip) FROM prepared_answers ORDER BY 1"
            ).fetchall()
        return [(str(n), int(b), int(g)) for n, b, g in rows]

    def prepared_stale(self) -> bool:
        """Whether a refresh would change the prepared answers: the current records are
        stale, or a preparer is set and the store holds none made for what a public read
        sees now."""
        if self.current_stale():
            return True
        if self._preparer is None:
            return False
        with self.snapshot(), self._reading() as cur:
            if not _has_table(cur, "prepared_answers"):
                return False
            basis = _answer_basis(cur, Visibility.public().fixed())
            held = cur.execute(
                "SELECT count(*) FROM prepared_answers WHERE basis = ?", [basis]
            ).fetchall()[0][0]
        return not held

    def json_array(self, table: pa.Table) -> bytes:
        """``table`` as a JSON array of objects (one per row, keys in column order), written
        by DuckDB's JSON functions: no Python object per row. Dates are ISO strings; callers
        format timestamps (JSON has none) and non-finite floats become null."""
        if table.num_rows == 0:
            return b"[]"
        names = [n for n in table.schema.names if n != "__row"]
        fields = []
        for name in names:
            col = quote(name)
            if pa.types.is_floating(table.schema.field(name).type):
                col = f"CASE WHEN isfinite({col}) THEN {col} END"
            fields.append(f"{quote(name)} := {col}")
        rows = table.append_column("__row", pa.array(np.arange(table.num_rows, dtype=np.int64)))
        with self._reading() as cur:
            cur.register("_json_rows", rows)
            try:
                # One JSON text per row, each followed by a comma: the string column's data
                # buffer is then the array's body, copied out without a Python object per row.
                got = cur.execute(
                    f"SELECT __row, to_json(struct_pack({', '.join(fields)}))::VARCHAR || ',' "
                    "AS j FROM _json_rows"
                ).to_arrow_table()
            finally:
                cur.unregister("_json_rows")
        order = got.column("__row").to_numpy()
        if len(order) > 1 and not bool(np.all(order[1:] > order[:-1])):
            got = got.sort_by("__row")
        parts = [b"["]
        for chunk in got.column("j").chunks:
            if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
                parts.append("".join(chunk.to_pylist()).encode())
                continue
            _, offset_buffer, data = chunk.buffers()
            width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
            offsets = np.frombuffer(offset_buffer, dtype=width)
            start = int(offsets[chunk.offset])
            end = int(offsets[chunk.offset + len(chunk)])
            parts.append(data.slice(start, end - start).to_pybytes())
        body = b"".join(parts)
        return body[:-1] + b"]"

    def release_values(
        self,
        release_id: int,
        *,
        indicator_ids: Sequence[str] | None = None,
        visibility: Visibility | None = None,
    ) -> pa.Table:
        """The values exactly as one release added them (superseded or not).

        ``StoreError`` if ``visibility`` (default: a public read now) may not see the
        release, e.g. while it is under embargo; an editor read sees any release.
        """
        self._require_visible(release_id, _reader(visibility), "release values")
        spec = data_table("values")
        params: dict[str, object] = {"rid": release_id}
        where = "release_id = $rid"
        if indicator_ids is not None:
            if not indicator_ids:
                raise StoreError("filter on 'indicator_id' is empty; pass None to select all")
            where += " AND indicator_id IN (SELECT unnest($ids))"
            params["ids"] = list(indicator_ids)
        table = self._arrow(
            f"SELECT {_cols(spec.column_names)}, release_id FROM {quote(spec.name)} "
            f"WHERE {where} ORDER BY {_cols(spec.key)}",
            params,
        )
        return withhold_suppressed(_typed(table, spec))

    def comparisons(
        self,
        *,
        indicator_id: str | Sequence[str] | None = None,
        area_code: str | Sequence[str] | None = None,
        series: Sequence[str] | None = None,
        release_id: int | None = None,
        as_published_on: date | None = None,
        include_embargoed: bool = False,
        visibility: Visibility | None = None,
    ) -> pa.Table:
        """Comparison outcomes (COMPARISON_COLUMNS + release_id) of the current values.

        A row is shown when the value it describes is the one ``values`` shows for the same
        read (same :class:`Visibility`, supersession and embargo rules) and both came in the
        same release: a newer release of a value hides the older release's comparisons of it,
        even if the newer release brought none. ``release_id`` instead gives one release's
        rows exactly as loaded, superseded or not (it cannot be combined with
        ``as_published_on``; ``StoreError`` if the read may not see that release). Rows
        sorted by value key and benchmark.
        """
        spec = COMPARISONS
        ids = _names("indicator_id", indicator_id)
        areas = _names("area_code", area_code)
        keys = _names("series", series)
        params: dict[str, object] = {}
        where = ["TRUE"]
        if ids is not None:
            where.append("c.indicator_id IN (SELECT unnest($ids))")
            params["ids"] = ids
        if areas is not None:
            where.append("c.area_code IN (SELECT unnest($areas))")
            params["areas"] = areas
        if keys is not None:
            where.append("c.series IN (SELECT unnest($keys))")
            params["keys"] = keys
        if release_id is not None and as_published_on is not None:
            raise StoreError(
                "comparisons: give release_id (one release as loaded) or as_published_on "
                "(what was current on a day), not both"
            )
        vis = _reader(visibility, as_published_on, include_embargoed)
        if release_id is not None:
            self._require_visible(release_id, vis, "comparisons")
            where.append("c.release_id = $rid")
            params["rid"] = release_id
            source = "comparisons c"
        else:
            current, vparams = self._current_sql(
                data_table("values"), vis=vis, filters=[("area_code", areas), ("series", keys)]
            )
            params.update(vparams)
            on = " AND ".join(f"v.{quote(k)} = c.{quote(k)}" for k in VALUE_KEY)
            source = f"comparisons c JOIN ({current}) v ON v.release_id = c.release_id AND {on}"
        table = self._arrow(
            f"SELECT {_cols(spec.column_names, 'c.')}, c.release_id FROM {source} "
            f"WHERE {' AND '.join(where)} ORDER BY {_cols(spec.key, 'c.')}",
            params,
        )
        return _typed(table, spec)

    def population(
        self,
        *,
        area_codes: Sequence[str] | None = None,
        years: Sequence[int] | None = None,
        sexes: Sequence[str] | None = None,
        as_published_on: date | None = None,
        include_embargoed: bool = False,
        visibility: Visibility | None = None,
    ) -> pa.Table:
        """Population denominators (POPULATION_COLUMNS + release_id), latest release per key."""
        return self._current_table(
            data_table("population"),
            vis=_reader(visibility, as_published_on, include_embargoed),
            filters=[("area_code", area_codes), ("year", years), ("sex", sexes)],
        )

    def deaths(
        self,
        *,
        area_codes: Sequence[str] | None = None,
        years: Sequence[int] | None = None,
        sexes: Sequence[str] | None = None,
        as_published_on: date | None = None,
        include_embargoed: bool = False,
        visibility: Visibility | None = None,
    ) -> pa.Table:
        """Registered deaths (DEATH_COLUMNS + release_id), latest release per key."""
        return self._current_table(
            data_table("deaths"),
            vis=_reader(visibility, as_published_on, include_embargoed),
            filters=[("area_code", area_codes), ("year", years), ("sex", sexes)],
        )

    def deprivation(
        self,
        edition: str,
        *,
        lsoa_codes: Sequence[str] | None = None,
        as_published_on: date | None = None,
        include_embargoed: bool = False,
        visibility: Visibility | None = None,
    ) -> pa.Table:
        """One IMD edition (DEPRIVATION_COLUMNS + release_id); ``StoreError`` if not held."""
        vis = _reader(visibility, as_published_on, include_embargoed)
        table = self._current_table(
            data_table("deprivation"),
            vis=vis,
            filters=[("edition", [edition]), ("lsoa_code", lsoa_codes)],
        )
        if table.num_rows == 0 and lsoa_codes is None:
            held = [
                r[0]
                for r in self._query(
                    "SELECT DISTINCT d.edition FROM deprivation d JOIN "
                    f"({vis.releases_sql()[0]}) v USING (release_id) ORDER BY 1",
                    vis.releases_sql()[1],
                )
            ]
            raise StoreError(
                f"deprivation edition '{edition}' is not in the store; held: "
                f"{', '.join(held) or 'none'}"
            )
        return table

    def series(
        self,
        *,
        as_published_on: date | None = None,
        include_embargoed: bool = False,
        visibility: Visibility | None = None,
    ) -> pa.Table:
        """Series metadata, the latest visible release's description per key."""
        visible, params = _reader(visibility, as_published_on, include_embargoed).releases_sql()
        table = self._arrow(
            "SELECT s.key, s.name, s.publisher, s.unit, s.measure, s.fingertips_id, "
            f"s.indicator_id, s.release_id FROM series s JOIN ({visible}) v "
            "ON s.release_id = v.release_id QUALIFY row_number() OVER (PARTITION BY s.key "
            "ORDER BY v.effective_on DESC, s.release_id DESC) = 1 ORDER BY s.key",
            params,
        )
        return table.cast(_SERIES_SCHEMA)

    def series_summary(
        self,
        *,
        as_published_on: date | None = None,
        include_embargoed: bool = False,
        visibility: Visibility | None = None,
    ) -> dict[str, tuple[str, str, int]]:
        """Series key → (first period label, last period label, rows) of the current values."""
        sql, params = self._current_sql(
            data_table("values"), vis=_reader(visibility, as_published_on, include_embargoed)
        )
        rows = self._query(
            "SELECT series, arg_min(period_label, period_start), "
            f"arg_max(period_label, period_end), count(*) FROM ({sql}) GROUP BY series "
            "ORDER BY series",
            params,
        )
        return {r[0]: (r[1], r[2], int(r[3])) for r in rows}

    def summary(self) -> list[SourceSummary]:
        """Per source: releases, stored rows, series and the periods held."""
        values, pop, deaths = (
            quote(data_table(f).name) for f in ("values", "population", "deaths")
        )
        data_rows = " + ".join(t.rows_column for t in DATA_TABLES)
        rows = self._query(
            f"""
            WITH periods AS (
                SELECT release_id, period_start AS first, period_end AS last FROM {values}
                UNION ALL SELECT release_id, make_date(year::INTEGER, 1, 1),
                    make_date(year::INTEGER, 12, 31) FROM {pop}
                UNION ALL SELECT release_id, make_date(year::INTEGER, 1, 1),
                    make_date(year::INTEGER, 12, 31) FROM {deaths}
            ),
            per_release AS (
                SELECT release_id, min(first) AS first, max(last) AS last
                FROM periods GROUP BY release_id
            ),
            series_per_source AS (
                SELECT r.source, count(DISTINCT v.series) AS n
                FROM {values} v JOIN releases r USING (release_id) GROUP BY r.source
            )
            SELECT r.source, count(*), sum({data_rows}), sum(values_rows),
                   coalesce(any_value(s.n), 0), min(p.first), max(p.last), max(r.loaded_at)
            FROM releases r
            LEFT JOIN per_release p USING (release_id)
            LEFT JOIN series_per_source s USING (source)
            GROUP BY r.source ORDER BY r.source
            """
        )
        return [
            SourceSummary(
                source=r[0],
                releases=int(r[1]),
                rows=int(r[2] or 0),
                value_rows=int(r[3] or 0),
                series=int(r[4]),
                first_period=r[5],
                last_period=r[6],
                last_loaded_at=r[7],
            )
            for r in rows
        ]

    def _current_rows_by_release(self, vis: Visibility) -> dict[int, int]:
        counts: dict[int, int] = {}
        for spec in DATA_TABLES:
            sql, params = self._current_sql(spec, vis=vis)
            for rid, n in self._query(
                f"SELECT release_id, count(*) FROM ({sql}) GROUP BY release_id", params
            ):
                counts[int(rid)] = counts.get(int(rid), 0) + int(n)
        return counts


def _has_current_records(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the store has the current records (schema v8); older ones are migrated on
    open, but a test or a tool may hold one at an earlier version."""
    found = con.execute(
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_schema = 'main' AND table_name = 'current_records_basis'"
    ).fetchall()
    return bool(found[0][0])


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    found = con.execute(
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_schema = 'main' AND table_name = ?",
        [name],
    ).fetchall()
    return bool(found[0][0])


def _coming_views(con: duckdb.DuckDBPyConnection, vis: Visibility, limit: int) -> list[Visibility]:
    """Public reads at the next ``limit`` instants after ``vis`` when what a public read
    sees will change by the clock alone (a release's publication date or embargo reached):
    answers prepared for them are served when that instant has passed, with no write."""
    rows = con.execute(
        "SELECT DISTINCT greatest(coalesce(CAST(published_at AS TIMESTAMP), loaded_at), "
        "coalesce(embargo_until, TIMESTAMP '0001-01-01')) AS t FROM releases "
        "WHERE t > ? ORDER BY t LIMIT ?",
        [vis.cutoff(), limit],
    ).fetchall()
    return [Visibility.public(now=r[0]) for r in rows]


def _answer_basis(con: duckdb.DuckDBPyConnection, vis: Visibility) -> str:
    """What a prepared answer depends on in the store: the releases ``vis`` sees, each with
    the provenance an answer carries (source, publication date, load time), hashed. Values,
    comparisons and series of a release are never updated, so equal bases mean equal
    current values, comparisons and provenance."""
    visible, params = vis.releases_sql()
    rows = con.execute(
        "SELECT r.release_id, r.source, r.published_at, r.loaded_at FROM releases r "
        f"JOIN ({visible}) v ON v.release_id = r.release_id ORDER BY r.release_id",
        params,
    ).fetchall()
    text = "\n".join("|".join("" if x is None else str(x) for x in row) for row in rows)
    return hashlib.sha256(text.encode()).hexdigest()


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back the open transaction; a failed commit has already ended it."""
    try:
        con.rollback()
    except duckdb.TransactionException as exc:
        if "no transaction is active" not in str(exc):
            raise


def _series_row(s: SeriesInfo, release_id: int) -> list[object]:
    return [
        s.key,
        release_id,
        s.name,
        s.publisher,
        s.unit,
        s.measure,
        s.fingertips_id,
        s.indicator_id,
    ]


def _reader(
    visibility: Visibility | None,
    as_published_on: date | None = None,
    include_embargoed: bool = False,
) -> Visibility:
    """The read's :class:`Visibility`, its clock read once; the shorthand arguments
    (``as_published_on``, ``include_embargoed``) build one and cannot be mixed with it."""
    if visibility is None:
        if include_embargoed:
            return Visibility.editor(as_published_on).fixed()
        return Visibility.public(as_published_on).fixed()
    if as_published_on is not None or include_embargoed:
        raise StoreError("give visibility, or as_published_on/include_embargoed, not both")
    return visibility.fixed()


def _names(column: str, given: str | Sequence[str] | None) -> list[str] | None:
    if given is None:
        return None
    names = [given] if isinstance(given, str) else list(given)
    if not names:
        raise StoreError(f"filter on '{column}' is empty; pass None to select all")
    return names


def _typed(table: pa.Table, spec: DataTable) -> pa.Table:
    schema = spec.arrow_schema().append(pa.field("release_id", pa.int64(), nullable=False))
    return table.cast(schema)


def open_store(path: Path | None = None, *, read_only: bool = False, migrate: bool = True) -> Store:
    """Open (creating if needed) the store at ``path`` (default: ``default_store_path()``).

    A writable store is migrated to the current schema; ``migrate=False`` leaves it as it
    is (to inspect or step it with ``Store.migrate``). Read-only opening needs an existing,
    current store. Raises ``StoreError`` when the file is missing (read-only), unreadable
    or in use by another process; ``MigrationError`` when its schema cannot be used.
    """
    target = Path(path) if path is not None else default_store_path()
    if read_only and not target.exists():
        raise StoreError(f"no store at {target}; run `healthgap init` to build it")
    if not read_only:
        target.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(target), read_only=read_only)
    except (duckdb.IOException, duckdb.ConnectionException) as exc:
        text = str(exc)
        if "lock" in text.lower() or "different configuration" in text:
            raise StoreError(
                f"the store {target} is in use by another process; try again when it has "
                f"finished ({text.splitlines()[0]})"
            ) from exc
        raise StoreError(f"cannot open the store {target}: {text}") from exc
    except duckdb.Error as exc:
        raise StoreError(f"cannot open the store {target}: {exc}") from exc
    # A library never draws DuckDB's progress bar on its caller's terminal (or pipe).
    con.execute("SET enable_progress_bar = false")
    store = Store(con, path=target, read_only=read_only)
    try:
        version = store.schema_version
        if version > LATEST_VERSION or (read_only and version < LATEST_VERSION):
            store.migrate()  # raises the explanatory MigrationError
        if migrate and not read_only:
            store.migrate()
        if store.schema_version == LATEST_VERSION:
            store.check_schema()
    except BaseException:
        store.close()
        raise
    return store
