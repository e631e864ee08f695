"""Comparison outcomes stored with their release: migration, atomic loads, visibility."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from healthgap.engine.comparisons import comparison_outcomes
from healthgap.errors import MigrationError, StoreError
from healthgap.store import (
    COMPARISON_COLUMNS,
    LATEST_VERSION,
    ReleaseInput,
    SeriesInfo,
    Store,
    open_store,
)

MakeValues = Callable[..., pa.Table]
MakeRelease = Callable[..., ReleaseInput]
ICB_OF = {"E09000001": "E54000027", "E09000002": "E54000029", "E09000003": "E54000028"}


def _compare(values: pa.Table) -> pa.Table:
    return comparison_outcomes(values, polarity="high_is_good", icb_of=ICB_OF)


def _with(release: ReleaseInput, comparisons: pa.Table | None) -> ReleaseInput:
    return replace(release, comparisons=comparisons)


def _set(table: pa.Table, column: str, row: int, value: object) -> pa.Table:
    data = table.column(column).to_pylist()
    data[row] = value
    i = table.schema.get_field_index(column)
    return table.set_column(i, table.schema.field(i), pa.array(data, table.schema.field(i).type))


def _state(s: Store) -> tuple[int, int, int]:
    return (
        len(s.releases()),
        s.values(include_embargoed=True).num_rows,
        s.comparisons(include_embargoed=True).num_rows,
    )


def test_latest_version_adds_the_comparisons_table() -> None:
    assert LATEST_VERSION >= 4
    assert all(c.since == 4 for c in COMPARISON_COLUMNS)


def test_v3_store_with_a_release_migrates_to_4(
    store_path: Path, make_values: MakeValues, make_release: MakeRelease
) -> None:
    s = open_store(store_path, migrate=False)
    assert s.migrate(to=3) == 3
    s.load_release(make_release(make_values()))
    s.close()
    con = duckdb.connect(str(store_path), read_only=True)
    tables = {
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    con.close()
    assert "comparisons" not in tables

    with open_store(store_path) as s:
        assert s.schema_version == LATEST_VERSION
        assert s.values().num_rows == 6
        assert s.comparisons().num_rows == 0
        values = make_values(series="engine:le")
        rid = s.load_release(_with(make_release(values, file="engine"), _compare(values)))
        assert s.comparisons().num_rows == _compare(values).num_rows
        assert set(s.comparisons()["release_id"].to_pylist()) == {rid}
    con = duckdb.connect(str(store_path), read_only=True)
    try:
        cols = [
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'comparisons' ORDER BY ordinal_position"
            ).fetchall()
        ]
        versions = [
            r[0] for r in con.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()
        ]
    finally:
        con.close()
    assert cols == ["release_id", *(c.name for c in COMPARISON_COLUMNS)]
    assert versions == list(range(1, LATEST_VERSION + 1))


def test_comparisons_are_stored_and_read_back_with_filters(
    store: Store, make_values: MakeValues, make_release: MakeRelease
) -> None:
    values = make_values()
    comps = _compare(values)
    rid = store.load_release(_with(make_release(values), comps))
    got = store.comparisons()
    assert got.column_names == [*(c.name for c in COMPARISON_COLUMNS), "release_id"]
    assert got.num_rows == comps.num_rows
    assert set(got["release_id"].to_pylist()) == {rid}
    # content survives the round trip (order aside)
    key = ["area_code", "period_label", "benchmark"]
    stored = sorted(got.select([*key, "outcome", "reason"]).to_pylist(), key=str)
    given = sorted(comps.select([*key, "outcome", "reason"]).to_pylist(), key=str)
    assert stored == given
    one = store.comparisons(area_code="E09000002")
    assert set(one["area_code"].to_pylist()) == {"E09000002"}
    assert one.num_rows == pc.sum(pc.equal(comps["area_code"], "E09000002")).as_py()
    assert store.comparisons(indicator_id="life_expectancy").num_rows == comps.num_rows
    assert store.comparisons(indicator_id=["other"]).num_rows == 0
    with pytest.raises(StoreError, match="empty"):
        store.comparisons(area_code=[])


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda c: _set(c, "benchmark", 2, "moon"), "'benchmark': row 3"),
        (lambda c: _set(c, "outcome", 0, None), "'outcome': row 1 is null"),
        (lambda c: c.drop_columns(["reason"]), "column 'reason' is missing"),
        (lambda c: _set(c, "area_code", 1, "E09000033"), "has no value in the same release"),
        (lambda c: pa.concat_tables([c, c.slice(0, 1)]), "appears 2 times"),
    ],
)
def test_a_bad_comparisons_table_writes_nothing(
    store: Store,
    make_values: MakeValues,
    make_release: MakeRelease,
    spoil: Callable[[pa.Table], pa.Table],
    message: str,
) -> None:
    store.load_release(make_release(make_values(series="ons:x")))
    before = _state(store)
    values = make_values()
    with pytest.raises(StoreError, match=message):
        store.load_release(_with(make_release(values), spoil(_compare(values))))
    assert _state(store) == before


def test_comparisons_need_values_in_the_same_release(
    store: Store, make_values: MakeValues, make_release: MakeRelease
) -> None:
    values = make_values()
    store.load_release(make_release(values))
    info = SeriesInfo(key="fingertips:90366", name="Life expectancy", publisher="OHID")
    with pytest.raises(StoreError, match="has none"):
        store.load_release(_with(make_release(None, series=(info,)), _compare(values)))
    assert _state(store) == (1, values.num_rows, 0)


def test_a_newer_release_of_the_values_hides_older_comparisons(
    store: Store, make_values: MakeValues, make_release: MakeRelease
) -> None:
    first = make_values()
    r1 = store.load_release(
        _with(make_release(first, published_at=date(2024, 1, 1)), _compare(first))
    )
    assert set(store.comparisons()["release_id"].to_pylist()) == {r1}
    # a revision of one borough's values, without comparisons: that borough's old ones go
    revised = make_values(areas=("E09000002",), base=70.0)
    r2 = store.load_release(make_release(revised, file="rev.csv", published_at=date(2024, 2, 1)))
    shown = store.comparisons()
    assert "E09000002" not in shown["area_code"].to_pylist()
    assert set(shown["release_id"].to_pylist()) == {r1}
    # the superseded release's rows are still there, as loaded
    assert store.comparisons(release_id=r1).num_rows == _compare(first).num_rows
    assert store.comparisons(release_id=r2).num_rows == 0
    # a full new release with comparisons replaces everything
    third = make_values(base=90.0)
    r3 = store.load_release(
        _with(make_release(third, file="v3.csv", published_at=date(2024, 3, 1)), _compare(third))
    )
    now = store.comparisons()
    assert set(now["release_id"].to_pylist()) == {r3}
    assert now.num_rows == _compare(third).num_rows
    assert store.release(r1).status == "superseded"
    with pytest.raises(StoreError, match="not both"):
        store.comparisons(release_id=r1, as_published_on=date(2024, 1, 5))
    with pytest.raises(StoreError, match="no release 99"):
        store.comparisons(release_id=99)


def test_as_published_on_and_embargo(
    store: Store, make_values: MakeValues, make_release: MakeRelease
) -> None:
    first = make_values()
    r1 = store.load_release(
        _with(make_release(first, published_at=date(2024, 1, 1)), _compare(first))
    )
    second = make_values(base=60.0)
    r2 = store.load_release(
        _with(make_release(second, file="b.csv", published_at=date(2024, 6, 1)), _compare(second))
    )
    assert store.comparisons(as_published_on=date(2023, 12, 31)).num_rows == 0
    on_march = store.comparisons(as_published_on=date(2024, 3, 1))
    assert set(on_march["release_id"].to_pylist()) == {r1}
    on_july = store.comparisons(as_published_on=date(2024, 7, 1))
    assert set(on_july["release_id"].to_pylist()) == {r2}
    previous_values = {
        r["benchmark_value"] for r in on_july.to_pylist() if r["benchmark"] == "previous"
    }
    assert min(v for v in previous_values if v is not None) < 70.0

    embargoed = make_values(base=50.0)
    later = datetime.now() + timedelta(days=30)
    r3 = store.load_release(
        _with(make_release(embargoed, file="c.csv", embargo_until=later), _compare(embargoed))
    )
    assert set(store.comparisons()["release_id"].to_pylist()) == {r2}
    assert set(store.comparisons(include_embargoed=True)["release_id"].to_pylist()) == {r3}


def test_schema_drift_in_comparisons_is_detected(store_path: Path) -> None:
    open_store(store_path).close()
    con = duckdb.connect(str(store_path))
    con.execute("ALTER TABLE comparisons DROP COLUMN trend_reason")
    con.close()
    with pytest.raises(MigrationError, match="'trend_reason'"):
        open_store(store_path)
