"""The read layer joins metadata, names, comparisons and provenance to values, and never
answers with an empty result."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from healthgap.publish import load_release
from healthgap.query import (
    BULK_COLUMNS,
    NoData,
    ReadLayer,
    UnknownParameter,
    editor,
    public,
)

from .conftest import BOROUGHS, ENGLAND, LONDON, SERIES, release, values


def test_a_value_carries_catalogue_geography_and_provenance(reader: ReadLayer) -> None:
    rows = reader.values(public(), indicator="life_expectancy", area="E09000001", period="2021")
    assert len(rows) == 1
    r = rows[0]
    assert r.indicator_name == reader.catalogue.indicator("life_expectancy").name
    assert (r.unit, r.polarity, r.statistic, r.comparison_method) == (
        "years",
        "high_is_good",
        "life_expectancy",
        1,
    )
    assert (r.area_name, r.area_type) == ("City of London", "ltla")
    assert r.parent_code == "E54000029"
    assert r.parent_name is not None
    assert r.value == pytest.approx(70.2)
    assert r.lower95_0cl == pytest.approx(69.7)
    assert r.upper99_8cl == pytest.approx(71.2)
    assert r.provenance.release_id == 1
    assert r.provenance.source == "fingertips"
    assert r.provenance.published_at == date(2024, 1, 10)


def test_comparisons_are_stored_at_load_and_read_back(reader: ReadLayer) -> None:
    rows = {r.area_code: r for r in reader.latest(public(), indicator="life_expectancy")}
    assert {c.benchmark for c in rows["E09000003"].comparisons} >= {"region", "country"}
    england = rows["E09000001"].comparison("country")
    assert england is not None
    assert england.benchmark_area_code == ENGLAND
    assert england.benchmark_value == pytest.approx(80.2)
    assert england.outcome == "Worse"
    assert rows["E09000002"].comparison("region").outcome == "Similar"  # type: ignore[union-attr]
    assert rows["E09000003"].comparison("region").outcome == "Better"  # type: ignore[union-attr]
    # The store holds them: a look-up, not a computation at read time.
    stored = reader.store.comparisons(indicator_id="life_expectancy", area_code="E09000001")
    assert stored.num_rows > 0


def test_latest_keeps_the_last_period_of_each_series(reader: ReadLayer) -> None:
    rows = reader.latest(public(), indicator="life_expectancy")
    assert {r.period_label for r in rows} == {"2021"}
    assert len(rows) == 5
    series = reader.series(public(), indicator="life_expectancy", area="E09000002")
    assert [r.period_label for r in series] == ["2019", "2020", "2021"]


def test_series_key_and_parent_filters(reader: ReadLayer) -> None:
    rows = reader.values(public(), indicator=SERIES, parent=LONDON, period="2020")
    assert sorted(r.area_code for r in rows) == list(BOROUGHS)
    icb = reader.values(public(), indicator=SERIES, parent="E54000029", period="2020")
    assert [r.area_code for r in icb] == ["E09000001", "E09000002"]  # both North East London


def test_bulk_is_flat_arrow_with_comparisons(reader: ReadLayer) -> None:
    table = reader.bulk(public(), indicator="life_expectancy", period="2021")
    assert tuple(table.column_names) == BULK_COLUMNS
    assert table.num_rows == 5
    row = {r["area_code"]: r for r in table.to_pylist()}["E09000001"]
    assert row["england_value"] == pytest.approx(80.2)
    assert row["compared_to_england"] == "Worse"
    assert row["area_name"] == "City of London"


@pytest.mark.parametrize(
    ("filters", "parameter", "suggestion"),
    [
        ({"indicator": "life_expectancey"}, "indicator", "life_expectancy"),
        ({"area": "E0900001"}, "area", "E09000019"),
        ({"sex": "mal"}, "sex", "male"),
        ({"area_type": "borough"}, "area_type", None),
    ],
)
def test_unknown_values_name_the_parameter_and_the_closest(
    reader: ReadLayer, filters: dict[str, str], parameter: str, suggestion: str | None
) -> None:
    with pytest.raises(UnknownParameter) as err:
        reader.values(public(), **filters)  # type: ignore[arg-type]
    assert err.value.parameter == parameter
    if suggestion is not None:
        assert suggestion in err.value.suggestions
    assert parameter in str(err.value)


def test_no_data_lists_what_exists(reader: ReadLayer) -> None:
    with pytest.raises(NoData) as err:
        reader.values(public(), indicator="life_expectancy", period="1999")
    assert err.value.available["periods"] == ("2019", "2020", "2021")
    assert err.value.available["sexes"] == ("persons",)
    assert "2019" in str(err.value)
    with pytest.raises(NoData) as err2:
        reader.values(public(), indicator="life_expectancy", sex="female")
    assert err2.value.available["sexes"] == ("persons",)


def test_no_data_for_an_area_says_where_the_indicator_is_held(reader: ReadLayer) -> None:
    """Brent is a known area but holds no life expectancy here: the answer lists the areas
    and area types that do, not "nothing is held for this query"."""
    with pytest.raises(NoData) as err:
        reader.values(public(), indicator="life_expectancy", area="E09000005", period="2020")
    assert err.value.available == {
        "area_types": ("country", "ltla", "region"),
        "areas": ("E09000001", "E09000002", "E09000003", "E12000007", "E92000001"),
    }
    assert "nothing is held" not in str(err.value)
    assert "areas: E09000001, E09000002" in str(err.value)
    with pytest.raises(NoData) as err2:  # the same through the inequality measures
        reader.inequality(
            public(), indicator="life_expectancy", area="E09000005", period="2020", breakdown="x"
        )
    assert err2.value.available["areas"][0] == "E09000001"


def test_an_unknown_parent_is_named_as_the_parent(reader: ReadLayer) -> None:
    with pytest.raises(UnknownParameter) as err:
        reader.values(public(), indicator="life_expectancy", parent="E0900000X")
    assert err.value.parameter == "parent"  # it was named 'area', a parameter not given
    with pytest.raises(UnknownParameter) as err2:
        reader.areas(parent="E0900000X")
    assert err2.value.parameter == "parent"


def test_a_known_indicator_with_nothing_held_is_no_data(reader: ReadLayer) -> None:
    with pytest.raises(NoData):
        reader.values(public(), indicator="healthy_life_expectancy")


def test_embargo_is_the_stores_rule_public_never_sees_it(store_path, reader) -> None:  # type: ignore[no-untyped-def]
    later = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=2)
    load_release(
        reader.store,
        release(values((2022,), shift=1.0), name="le2.csv", published_at=None, embargo_until=later),
    )
    with pytest.raises(NoData) as err:
        reader.values(public(), indicator="life_expectancy", period="2022")
    assert "2022" not in err.value.available["periods"]
    # Asking about a future date is capped at now.
    with pytest.raises(NoData):
        reader.values(public(later + timedelta(days=1)), indicator="life_expectancy", period="2022")
    seen = reader.values(editor(), indicator="life_expectancy", period="2022")
    assert len(seen) == 5
    assert seen[0].provenance.release_id == 2
    # Once the embargo has passed (a fixed clock), a public read sees it.
    after = reader.values(
        public(now=later + timedelta(hours=1)), indicator="life_expectancy", period="2022"
    )
    assert len(after) == 5


def test_catalogue_and_area_reads(reader: ReadLayer) -> None:
    assert len(reader.aims()) == 5
    assert reader.indicator("life_expectancy").id == "life_expectancy"
    with pytest.raises(UnknownParameter) as err:
        reader.indicator("life_expectanc")
    assert "life_expectancy" in err.value.suggestions
    assert reader.search("life expectancy")
    assert reader.area("e09000001").name == "City of London"
    assert len(reader.areas(area_type="ltla", parent=LONDON)) == 33
    hits = reader.search_areas("Camden")
    assert hits[0].name == "Camden"
    with pytest.raises(UnknownParameter):
        reader.search_areas("zzzzqqqq")
    assert reader.boundaries("ltla")["type"] == "FeatureCollection"


def test_an_area_held_but_not_in_the_geography_is_readable(reader: ReadLayer) -> None:
    with pytest.raises(UnknownParameter):
        reader.area("E54000052")
    table = values((2021,)).slice(0, 1).to_pylist()[0]
    row = {**table, "area_code": "E54000052", "area_type": "icb"}
    load_release(reader.store, release(pa.Table.from_pylist([row]), name="old-icb.csv"))
    (got,) = reader.values(public(), indicator="life_expectancy", area="E54000052")
    assert (got.area_name, got.area_type, got.parent_code) == ("E54000052", "icb", None)


def test_version_changes_with_what_the_viewer_sees(reader: ReadLayer) -> None:
    later = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=2)
    before = reader.version(public())
    assert reader.version(public()) == before
    load_release(
        reader.store,
        release(values((2022,)), name="emb.csv", published_at=None, embargo_until=later),
    )
    assert reader.version(public()) == before  # still under embargo: same public answers
    assert reader.version(editor()) != before
    assert reader.version(public(now=later + timedelta(hours=1))) != before


def test_trends_are_the_stored_recent_trend_of_each_latest_period(reader: ReadLayer) -> None:
    rows = reader.trends(public(), indicator="life_expectancy")
    assert {r.area_code for r in rows} == {ENGLAND, LONDON, *BOROUGHS}
    assert {r.period_label for r in rows} == {"2021"}
    stored = reader.store.comparisons(indicator_id="life_expectancy", area_code="E09000001")
    latest = [t for t in stored.to_pylist() if t["recent_trend"] is not None]
    (mine,) = [r for r in rows if r.area_code == "E09000001"]
    assert mine.recent_trend == latest[0]["recent_trend"]
    assert mine.trend_reason == latest[0]["trend_reason"]


def test_lineage_links_lsoas_across_editions(reader: ReadLayer) -> None:
    lsoa11 = reader.areas(area_type="lsoa11")[0].code
    links = reader.lineage(lsoa11)
    assert links
    assert all(link.lsoa11_code == lsoa11 for link in links)
    assert reader.lineage(links[0].lsoa21_code)
    with pytest.raises(NoData):
        reader.lineage("E09000001")


def test_answers_are_remembered_until_what_the_viewer_sees_changes(reader: ReadLayer) -> None:
    first = reader.latest(public(), indicator="life_expectancy")
    again = reader.latest(public(), indicator="life_expectancy")
    assert again == first
    assert again is not first  # a copy: callers cannot change the remembered answer
    assert len(reader._cache) == 1
    load_release(reader.store, release(values((2022,)), name="le-2022.csv"))
    fresh = reader.latest(public(), indicator="life_expectancy")
    assert {r.period_label for r in fresh} == {"2022"}
    later = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=2)
    load_release(
        reader.store,
        release(values((2023,)), name="le-2023.csv", published_at=None, embargo_until=later),
    )
    assert {r.period_label for r in reader.latest(public(), indicator="life_expectancy")} == {
        "2022"
    }
    assert {r.period_label for r in reader.latest(editor(), indicator="life_expectancy")} == {
        "2023"
    }


def test_values_loaded_without_derivation_say_so(tmp_path: Path) -> None:
    from healthgap.store import open_store

    with open_store(tmp_path / "old.duckdb") as s:
        s.load_release(release(values()))  # a store written before load-time derivation
        q = ReadLayer(s)
        assert q.values(public(), indicator="life_expectancy")[0].comparisons == ()
        with pytest.raises(NoData) as err:
            q.comparisons(public(), indicator="life_expectancy")
        assert err.value.available["releases_without_comparisons"] == ("1",)


def test_reads_narrow_to_the_indicators_series_without_changing_the_answer(
    reader: ReadLayer,
) -> None:
    s = reader.store
    assert s.series_of_indicators(["life_expectancy"]) == [SERIES]
    assert s.series_of_indicators(["healthy_life_expectancy"]) == []
    narrowed = s.comparisons(indicator_id="life_expectancy", series=[SERIES])
    assert narrowed.to_pylist() == s.comparisons(indicator_id="life_expectancy").to_pylist()
    assert s.comparisons(series=["fingertips:0"]).num_rows == 0
