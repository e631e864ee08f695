"""Releases: metadata, atomicity, validation, supersession, as-published and embargo reads."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from healthgap.errors import StoreError
from healthgap.store import (
    DEPRIVATION_COLUMNS,
    POPULATION_COLUMNS,
    VALUE_COLUMNS,
    ReleaseInput,
    SeriesInfo,
    SourceFile,
    Store,
    Visibility,
    open_store,
)

MakeValues = Callable[..., pa.Table]
MakeRelease = Callable[..., ReleaseInput]


def _population(years: tuple[int, ...] = (2020,), *, scale: float = 1.0) -> pa.Table:
    rows = [
        ("E09000001", "ltla", y, sex, a, a + 4, (1000.0 + a) * scale)
        for y in years
        for sex in ("male", "female")
        for a in (0, 5)
    ]
    return pa.table({c.name: [r[i] for r in rows] for i, c in enumerate(POPULATION_COLUMNS)})


def _snapshot(s: Store) -> tuple[int, int]:
    return len(s.releases()), s.values(include_embargoed=True).num_rows


# ------------------------------------------------------------------ metadata
def test_release_metadata_is_recorded(
    store: Store, make_values: MakeValues, make_release: MakeRelease
) -> None:
    values = make_values()
    rel = make_release(values, published_at=date(2024, 3, 1), note="first")
    before = datetime.now(UTC).replace(tzinfo=None)
    rid = store.load_release(rel)
    r = store.release(rid)
    assert r.release_id == rid == 1
    assert r.source == "fingertips"
    assert r.files == rel.files
    assert r.row_counts == {
        "series": 1,
        "values": values.num_rows,
        "population": 0,
        "deaths": 0,
        "deprivation": 0,
    }
    assert r.rows == values.num_rows
    assert before - timedelta(seconds=1) <= r.loaded_at <= datetime.now(UTC).replace(tzinfo=None)
    assert r.published_at == date(2024, 3, 1)
    assert r.embargo_until is None
    assert r.loaded_by == "healthgap"
    assert r.note == "first"
    assert r.status == "published"
    assert r.current_rows == values.num_rows
    assert r.to_dict()["files"] == [
        {"name": "le.csv", "sha256": rel.files[0].sha256, "rows": values.num_rows}
    ]
    assert store.load_release(make_release(make_values(series="ons:x"))) == 2
    assert [x.release_id for x in store.releases()] == [1, 2]
    with pytest.raises(StoreError, match="no release 9"):
        store.release(9)


def test_has_release_matches_source_and_exact_checksums(
    store: Store, make_values: MakeValues, make_release: MakeRelease
) -> None:
    rel = make_release(make_values())
    shas = [f.sha256 for f in rel.files]
    assert not store.has_release("fingertips", shas)
    store.load_release(rel)
    assert store.has_release("fingertips", shas)
    assert not store.has_release("ons", shas)
    assert not store.has_release("fingertips", [*shas, "f" * 64])


def test_values_come_back_typed_with_release_id(
    store: Store, make_values: MakeValues, make_release: MakeRelease
) -> None:
    values = make_values()
    rid = store.load_release(make_release(values))
    got = store.values()
    assert got.column_names == [*(c.name for c in VALUE_COLUMNS), "release_id"]
    assert got.schema.field("period_start").type == pa.date32()
    assert got.num_rows == values.num_rows
    assert set(got["release_id"].to_pylist()) == {rid}
    key = ["area_code", "period_start"]
    assert (
        got.select(["area_code", "period_start", "value"])
        .sort_by([(k, "ascending") for k in key])
        .to_pylist()
        == values.select(["area_code", "period_start", "value"])
        .sort_by([(k, "ascending") for k in key])
        .to_pylist()
    )


# ------------------------------------------------------------------ atomicity
def test_exception_mid_load_rolls_back(
    store: Store, make_values: MakeValues, make_release: MakeRelease
) -> None:
    """Given a store with one release, when a load fails after writing rows, then the store
    is as it was and accepts the next load."""
    store.load_release(make_release(make_values()))
    before = _snapshot(store)
    calls: list[tuple[int, int]] = []

    def failing(done: int, total: int) -> None:
        calls.append((done, total))
        if done > 0:  # rows of the first table are written, the transaction is open
            raise RuntimeError("disk on fire")

    rel = make_release(make_values(series="ons:y"), population=_population(), file="y.csv")
    with pytest.raises(RuntimeError, match="disk on fire"):
        store.load_release(rel, progress=failing)
    assert calls[0] == (0, rel.values.num_rows + 4)  # type: ignore[union-attr]
    assert _snapshot(store) == before
    assert store.population().num_rows == 0
    assert not store.has_release("fingertips", [rel.files[0].sha256])
    assert store.load_release(rel) == 2
    assert store.population().num_rows == 4


def test_keyboard_interrupt_mid_load_rolls_back(
    store: Store, make_values: MakeValues, make_release: MakeRelease
) -> None:
    def interrupt(done: int, total: int) -> None:
        if done:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        store.load_release(make_release(make_values()), progress=interrupt)
    assert store.releases() == []
    assert store.values(include_embargoed=True).num_rows == 0


# ------------------------------------------------------------------ validation
@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.drop_columns(["unit"]), "table 'values': column 'unit' is missing"),
        (
            lambda t: t.append_column("colour", pa.array(["x"] * t.num_rows)),
            "column 'colour' is not a declared column",
        ),
        (
            lambda t: t.select(["series", "indicator_id", *t.column_names[2:]]),
            "column 'series' is at position 1; expected 'indicator_id'",
        ),
        (
            lambda t: t.set_column(
                t.column_names.index("period_start"),
                "period_start",
                pa.array(["not a date"] * t.num_rows),
            ),
            "column 'period_start' of type string cannot be cast to DATE",
        ),
        (
            lambda t: t.set_column(
                t.column_names.index("area_code"),
                "area_code",
                pa.array([None, *t["area_code"].to_pylist()[1:]], pa.string()),
            ),
            "column 'area_code': row 1 is null",
        ),
        (
            lambda t: t.set_column(
                t.column_names.index("sex"), "sex", pa.array(["persons", "both"] * 3)
            ),
            "column 'sex': row 2: value 'both' is not one of persons, male, female",
        ),
        (
            lambda t: t.set_column(
                t.column_names.index("period_end"),
                "period_end",
                pa.array([date(2000, 1, 1)] * t.num_rows),
            ),
            "row 1: period_start is after period_end",
        ),
    ],
)
def test_bad_table_is_rejected_naming_the_column_and_nothing_is_written(
    store: Store,
    make_values: MakeValues,
    make_release: MakeRelease,
    change: Callable[[pa.Table], pa.Table],
    message: str,
) -> None:
    store.load_release(make_release(make_values(series="ons:keep")))
    before = _snapshot(store)
    with pytest.raises(StoreError, match=message.replace("(", r"\(").replace(")", r"\)")):
        store.load_release(make_release(change(make_values())))
    assert _snapshot(store) == before


def test_castable_types_are_accepted(
    store: Store, make_values: MakeValues, make_release: MakeRelease
) -> None:
    t = make_values()
    i = t.column_names.index("period_start")
    t = t.set_column(i, "period_start", pc.cast(t["period_start"], pa.string()))
    i = t.column_names.index("count")
    t = t.set_column(i, "count", pa.array([3] * t.num_rows, pa.int32()))
    store.load_release(make_release(t))
    got = store.values()
    assert got["period_start"][0].as_py() == date(2021, 1, 1)
    assert got["count"].to_pylist() == [3.0] * t.num_rows


def test_duplicate_key_in_one_release_is_rejected(
    store: Store, make_values: MakeValues, make_release: MakeRelease
) -> None:
    t = make_values()
    with pytest.raises(StoreError, match=r"key \(series='fingertips:90366'.*appears 2 times"):
        store.load_release(make_release(pa.concat_tables([t, t.slice(0, 1)])))
    assert store.releases() == []


def test_release_without_rows_or_files_is_rejected(
    store: Store, make_values: MakeValues, make_release: MakeRelease
) -> None:
    with pytest.raises(StoreError, match="holds no rows and no series"):
        store.load_release(make_release(None))
    rel = make_release(make_values())
    with pytest.raises(StoreError, match="no source files"):
        store.load_release(ReleaseInput(source="x", files=(), values=rel.values))
    assert store.releases() == []


def test_read_only_store_refuses_loads(
    store_path: Path, make_values: MakeValues, make_release: MakeRelease
) -> None:
    open_store(store_path).close()
    with (
        open_store(store_path, read_only=True) as s,
        pytest.raises(StoreError, match="read-only"),
    ):
        s.load_release(make_release(make_values()))


# ------------------------------------------------------------------ supersession
def test_as_published_on_picks_the_latest_release_public_that_day(
    store: Store, make_values: MakeValues, make_release: MakeRelease
) -> None:
    """Given three releases of one series published 2022, 2023 and 2024 (loaded out of
    order), when read as published before, between and after, then each day sees its own."""
    r2023 = store.load_release(make_release(make_values(base=75), published_at=date(2023, 1, 1)))
    r2024 = store.load_release(
        make_release(
            make_values(base=80, areas=("E09000001", "E09000002")), published_at=date(2024, 1, 1)
        )
    )
    r2022 = store.load_release(make_release(make_values(base=70), published_at=date(2022, 1, 1)))

    assert store.values(as_published_on=date(2021, 12, 31)).num_rows == 0

    def by_area(day: date | None) -> dict[tuple[str, int], tuple[float, int]]:
        t = store.values(as_published_on=day)
        return {
            (r["area_code"], r["period_start"].year): (r["value"], r["release_id"])
            for r in t.to_pylist()
        }

    on_2022 = by_area(date(2022, 1, 1))
    assert len(on_2022) == 6
    assert {rid for _, rid in on_2022.values()} == {r2022}
    assert on_2022[("E09000001", 2021)][0] == pytest.approx(72.1)

    on_2023 = by_area(date(2023, 6, 30))
    assert {rid for _, rid in on_2023.values()} == {r2023}
    assert on_2023[("E09000003", 2022)][0] == pytest.approx(79.2)

    for day in (date(2024, 1, 1), None):
        now = by_area(day)
        assert len(now) == 6
        assert now[("E09000001", 2021)] == (pytest.approx(82.1), r2024)
        # the 2024 release did not cover E09000003: its 2023 values still stand
        assert now[("E09000003", 2021)] == (pytest.approx(79.1), r2023)

    status = {r.release_id: (r.status, r.current_rows) for r in store.releases()}
    assert status == {r2023: ("published", 2), r2024: ("published", 4), r2022: ("superseded", 0)}


def test_release_without_published_date_counts_from_its_load_date(
    store: Store, make_values: MakeValues, make_release: MakeRelease
) -> None:
    store.load_release(make_release(make_values(base=60), published_at=date(2020, 1, 1)))
    newer = store.load_release(make_release(make_values(base=90)))
    today = datetime.now(UTC).date()
    assert set(store.values()["release_id"].to_pylist()) == {newer}
    assert set(store.values(as_published_on=today)["release_id"].to_pylist()) == {newer}
    assert newer not in store.values(as_published_on=today - timedelta(days=1))["release_id"]


def test_filters_select_indicator_series_and_area(
    store: Store, make_values: MakeValues, make_release: MakeRelease
) -> None:
    store.load_release(make_release(make_values(series="a:1", indicator_id="le")))
    store.load_release(make_release(make_values(series="b:2", indicator_id="hle"), file="b"))
    assert set(store.values(indicator_ids=["hle"])["series"].to_pylist()) == {"b:2"}
    assert set(store.values(series=["a:1"])["indicator_id"].to_pylist()) == {"le"}
    t = store.values(area_codes=["E09000002"])
    assert t.num_rows == 4
    assert set(t["area_code"].to_pylist()) == {"E09000002"}
    assert store.values(indicator_ids=["nothing"]).num_rows == 0
    with pytest.raises(StoreError, match="filter on 'series' is empty"):
        store.values(series=[])


def test_a_remapped_series_is_filtered_on_its_current_indicator(
    store: Store, make_values: MakeValues, make_release: MakeRelease
) -> None:
    """A later release mapping a series to another indicator hides it from the old one."""
    store.load_release(make_release(make_values(indicator_id="old"), published_at=date(2022, 1, 1)))
    store.load_release(make_release(make_values(indicator_id="new"), published_at=date(2023, 1, 1)))
    assert store.values(indicator_ids=["old"]).num_rows == 0
    assert store.values(indicator_ids=["old"], as_published_on=date(2022, 6, 1)).num_rows == 6
    assert store.values(indicator_ids=["new"]).num_rows == 6


# ------------------------------------------------------------------ embargo
def test_embargoed_release_is_hidden_until_its_time(
    store: Store, make_values: MakeValues, make_release: MakeRelease
) -> None:
    public = store.load_release(make_release(make_values(base=70), published_at=date(2023, 1, 1)))
    embargo = datetime(2024, 5, 10, 9, 30)
    held = store.load_release(
        make_release(make_values(base=80), published_at=date(2024, 5, 10), embargo_until=embargo)
    )
    assert set(store.values(as_published_on=date(2024, 5, 9))["release_id"].to_pylist()) == {public}
    assert set(store.values(as_published_on=date(2024, 5, 10))["release_id"].to_pylist()) == {held}
    future = datetime.now(UTC) + timedelta(days=2)
    later = store.load_release(
        make_release(make_values(base=90), published_at=date(2024, 6, 1), embargo_until=future)
    )
    assert set(store.values()["release_id"].to_pylist()) == {held}
    assert set(store.values(include_embargoed=True)["release_id"].to_pylist()) == {later}
    assert store.release(later).status == "embargoed"
    assert store.release(held).status == "published"
    assert store.release(public).status == "superseded"
    after = (future + timedelta(days=1)).date()
    # a public read of a future date is capped at now: the embargo still holds
    assert set(store.values(as_published_on=after)["release_id"].to_pylist()) == {held}
    once_lifted = Visibility.public(after, now=future + timedelta(minutes=1))
    assert set(store.values(visibility=once_lifted)["release_id"].to_pylist()) == {later}


def test_aware_embargo_time_is_stored_in_utc(
    store: Store, make_values: MakeValues, make_release: MakeRelease
) -> None:
    bst = timezone(timedelta(hours=1))
    rid = store.load_release(
        make_release(make_values(), embargo_until=datetime(2024, 5, 10, 9, 30, tzinfo=bst))
    )
    assert store.release(rid).embargo_until == datetime(2024, 5, 10, 8, 30)


def test_future_publication_date_is_not_yet_public(
    store: Store, make_values: MakeValues, make_release: MakeRelease
) -> None:
    soon = datetime.now(UTC).date() + timedelta(days=3)
    rid = store.load_release(make_release(make_values(), published_at=soon))
    assert store.values().num_rows == 0
    assert store.release(rid).status == "embargoed"
    # asking for that future day is capped at now: still nothing
    assert store.values(as_published_on=soon).num_rows == 0
    then = Visibility.public(soon, now=datetime.combine(soon, datetime.min.time()))
    assert store.values(visibility=then).num_rows == 6


# ------------------------------------------------------------------ reference tables, summaries
def test_reference_tables_supersede_per_key(store: Store, make_release: MakeRelease) -> None:
    store.load_release(
        make_release(
            None,
            source="ons",
            file="p19",
            population=_population((2019, 2020)),
            published_at=date(2021, 6, 1),
            series=(),
        )
    )
    revised = store.load_release(
        make_release(
            None,
            source="ons",
            file="p20",
            population=_population((2020,), scale=2.0),
            published_at=date(2022, 6, 1),
            series=(),
        )
    )
    pop = store.population()
    assert pop.column_names == [*(c.name for c in POPULATION_COLUMNS), "release_id"]
    assert pop.num_rows == 8
    p2020 = store.population(years=[2020], sexes=["male"])
    assert p2020.num_rows == 2
    assert set(p2020["release_id"].to_pylist()) == {revised}
    assert sorted(p2020["population"].to_pylist()) == [2000.0, 2010.0]
    assert store.population(as_published_on=date(2021, 12, 1), years=[2020])[
        "population"
    ].to_pylist() == [1000.0, 1005.0, 1000.0, 1005.0]
    assert store.deaths().num_rows == 0


def test_deprivation_reads_one_edition(store: Store) -> None:
    imd = pa.table(
        {
            c.name: col
            for c, col in zip(
                DEPRIVATION_COLUMNS,
                [["E01000001", "E01000002"], ["imd2019"] * 2, [10.5, None], [100, 32000], [1, 10]],
                strict=True,
            )
        }
    )
    imd_file = SourceFile("imd.csv", hashlib.sha256(b"imd").hexdigest(), 2)
    store.load_release(ReleaseInput(source="imd", files=(imd_file,), deprivation=imd))
    got = store.deprivation("imd2019")
    assert got["decile"].to_pylist() == [1, 10]
    assert got["score"].to_pylist() == [10.5, None]
    with pytest.raises(StoreError, match="edition 'imd2025' is not in the store; held: imd2019"):
        store.deprivation("imd2025")


def test_summaries(store: Store, make_values: MakeValues, make_release: MakeRelease) -> None:
    store.load_release(
        make_release(make_values(series="f:1", years=(2019, 2020)), published_at=date(2022, 1, 1))
    )
    store.load_release(
        make_release(
            make_values(series="f:1", years=(2021,)), file="2", published_at=date(2023, 1, 1)
        )
    )
    store.load_release(make_release(make_values(series="f:2", years=(2018,)), file="3"))
    store.load_release(
        make_release(None, source="ons", file="pop", population=_population((2015,)), series=())
    )
    assert store.series_summary() == {"f:1": ("2019", "2021", 9), "f:2": ("2018", "2018", 3)}
    summary = {s.source: s for s in store.summary()}
    f = summary["fingertips"]
    assert (f.releases, f.rows, f.value_rows, f.series) == (3, 12, 12, 2)
    assert (f.first_period, f.last_period) == (date(2018, 1, 1), date(2021, 12, 31))
    o = summary["ons"]
    assert (o.releases, o.rows, o.value_rows, o.series) == (1, 4, 0, 0)
    assert (o.first_period, o.last_period) == (date(2015, 1, 1), date(2015, 12, 31))
    series = store.series()
    assert series["key"].to_pylist() == ["f:1", "f:2"]
    assert series["name"].to_pylist() == ["Series f:1", "Series f:2"]


def test_series_metadata_latest_release_wins(
    store: Store, make_values: MakeValues, make_release: MakeRelease
) -> None:
    first = (SeriesInfo("f:1", "Old name", "OHID"),)
    second = (SeriesInfo("f:1", "New name", "OHID", unit="%", indicator_id="x"),)
    store.load_release(
        make_release(make_values(series="f:1"), series=first, published_at=date(2022, 1, 1))
    )
    rid = store.load_release(
        make_release(make_values(series="f:1"), series=second, published_at=date(2023, 1, 1))
    )
    row = store.series().to_pylist()[0]
    assert (row["name"], row["unit"], row["indicator_id"], row["release_id"]) == (
        "New name",
        "%",
        "x",
        rid,
    )
    old = store.series(as_published_on=date(2022, 6, 1)).to_pylist()[0]
    assert old["name"] == "Old name"


def test_a_suppressed_value_never_shows_its_count_or_limits(
    store: Store, store_path: Path, make_values: MakeValues, make_release: MakeRelease
) -> None:
    """Loaded by any path, or already stored by an older healthgap: never read back."""
    t = make_values()
    flag = [i == 0 for i in range(t.num_rows)]
    t = t.set_column(t.schema.get_field_index("suppressed"), "suppressed", pa.array(flag))
    rid = store.load_release(make_release(t))
    withheld = ("value", "lower95_0cl", "upper95_0cl", "lower99_8cl", "upper99_8cl", "count")
    for table in (store.values(), store.release_values(rid)):
        first = table.filter(table["suppressed"]).to_pylist()
        assert len(first) == 1
        assert all(first[0][c] is None for c in withheld)
        assert first[0]["denominator"] == 1000.0
        assert table.filter(pc.invert(table["suppressed"]))["count"].null_count == 0
    store.close()
    con = duckdb.connect(str(store_path))
    con.execute("UPDATE indicator_values SET count = 3, lower95_0cl = 1 WHERE suppressed")
    con.close()
    with open_store(store_path, read_only=True) as s:
        row = s.values().filter(s.values()["suppressed"]).to_pylist()[0]
        assert (row["count"], row["lower95_0cl"]) == (None, None)
