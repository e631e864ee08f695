"""What the assessments read from the store: values as published on the as-of date, the
baseline by period end, London from the geography's boroughs, returns recorded by then."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest
import typer
from typer.testing import CliRunner

from healthgap.catalogue import Catalogue, load_catalogue
from healthgap.cli.assess import register as register_assess
from healthgap.cli.progress import register as register_progress
from healthgap.geography import LONDON_BOROUGHS
from healthgap.store import VALUE_COLUMNS, ReleaseInput, SeriesInfo, SourceFile, Store, open_store
from healthgap.tracking import (
    ENGLAND,
    LONDON,
    Status,
    assess_commitment,
    assess_equity,
    assess_indicator,
)
from healthgap.tracking.assessment import indicator_observations
from healthgap.tracking.progress import record_return

SERIES = "fingertips:20601"  # reception_overweight_obese: a proportion, low is good
INDICATOR = "reception_overweight_obese"
TENTH_LESS = "reception_overweight_10pct_2023_24"  # 10 % relative reduction by 2023/24


def _rows(
    points: Sequence[tuple[str, date, date, float, float | None, float | None]],
    *,
    series: str = SERIES,
    indicator: str = INDICATOR,
) -> pa.Table:
    """Value rows from (area, period start, period end, value, count, denominator)."""
    cols: dict[str, list[object]] = {c.name: [] for c in VALUE_COLUMNS}
    for area, start, end, value, count, denominator in points:
        row: dict[str, object] = {
            "indicator_id": indicator,
            "series": series,
            "area_code": area,
            "area_type": "ltla" if area.startswith("E09") else "country",
            "period_start": start,
            "period_end": end,
            "period_label": f"{start.year}-{end.year}",
            "sex": "persons",
            "age_band": "4-5 yrs",
            "breakdown_type": "none",
            "breakdown_category": "",
            "value": value,
            "lower95_0cl": None,
            "upper95_0cl": None,
            "lower99_8cl": None,
            "upper99_8cl": None,
            "count": count,
            "denominator": denominator,
            "unit": "%",
            "suppressed": False,
            "provisional": False,
            "revised": False,
            "note": None,
        }
        for k, v in row.items():
            cols[k].append(v)
    return pa.table(cols)


def _load(
    store: Store, table: pa.Table, *, published: date, name: str, series: str = SERIES
) -> None:
    digest = hashlib.sha256(f"{name}:{published}".encode()).hexdigest()
    store.load_release(
        ReleaseInput(
            source="fingertips",
            files=(SourceFile(name, digest, table.num_rows),),
            series=(SeriesInfo(key=series, name=f"Series {series}", publisher="OHID"),),
            values=table,
            published_at=published,
        )
    )


def _years(area: str, values: dict[int, float]) -> list[tuple[str, date, date, float, None, None]]:
    return [(area, date(y, 1, 1), date(y, 12, 31), v, None, None) for y, v in values.items()]


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "hg.duckdb")
    yield s
    s.close()


def test_as_of_reads_the_values_published_on_that_date(
    store: Store, catalogue: Catalogue, tmp_path: Path
) -> None:
    first = {2012 + i: 22.0 - 0.1 * i for i in range(6)}  # 2012 … 2017, published mid-2019
    revised = {y: v + 3.0 for y, v in first.items()} | {2018: 25.0, 2019: 25.5}
    _load(store, _rows(_years(ENGLAND, first)), published=date(2019, 6, 1), name="a.csv")
    _load(store, _rows(_years(ENGLAND, revised)), published=date(2024, 6, 1), name="b.csv")
    (then,) = [
        r
        for r in assess_indicator(
            catalogue, store, INDICATOR, area_codes=[ENGLAND], as_of=date(2020, 1, 1)
        )
        if r.commitment_id == TENTH_LESS
    ]
    assert then.assessment is not None
    assert then.assessment.latest is not None
    # what was public on 1 Jan 2020: the first release (2017 = 21.5), not the 2024 revision
    assert then.assessment.latest.value == pytest.approx(21.5)
    assert then.assessment.latest.label == "2017-2017"
    (now,) = [
        r
        for r in assess_indicator(catalogue, store, INDICATOR, area_codes=[ENGLAND])
        if r.commitment_id == TENTH_LESS
    ]
    assert now.assessment is not None
    assert now.assessment.latest is not None
    assert now.assessment.latest.value == pytest.approx(25.5)
    store.close()
    # the CLI's --as-of reads the same
    app = typer.Typer()
    register_assess(app)
    register_progress(app)  # two commands: typer then expects the command's name
    path = str(tmp_path / "hg.duckdb")
    args = ["assess", "--indicator", INDICATOR, "--store", path, "--json"]
    out = CliRunner().invoke(app, [*args, "--as-of", "2020-01-01"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert doc["as_of"] == "2020-01-01"
    (row,) = [
        r
        for r in doc["assessments"]
        if r["area_code"] == ENGLAND and r["commitment_id"] == TENTH_LESS
    ]
    assert row["latest"]["value"] == pytest.approx(21.5)
    bad = CliRunner().invoke(app, [*args, "--as-of", "2020-13-01"])
    assert bad.exit_code == 2
    assert "--as-of" in bad.output
    future = (datetime.now(UTC).date() + timedelta(days=2)).isoformat()
    later = CliRunner().invoke(app, [*args, "--as-of", future])
    assert later.exit_code == 2
    assert "must not be after today" in later.output


def test_baseline_is_the_last_period_ending_by_2018(store: Store, catalogue: Catalogue) -> None:
    # 3-year rolling periods: 2017-19 has its mid-point in 2018 but ends in 2019
    rolling = [
        (ENGLAND, date(y, 1, 1), date(y + 2, 12, 31), 24.0 - 0.5 * (y - 2013), None, None)
        for y in range(2013, 2019)
    ]
    _load(store, _rows(rolling), published=date(2022, 6, 1), name="r.csv")
    (a,) = [
        r
        for r in assess_indicator(
            catalogue, store, INDICATOR, area_codes=[ENGLAND], as_of=date(2023, 1, 1)
        )
        if r.commitment_id == TENTH_LESS
    ]
    assert a.assessment is not None
    assert a.assessment.target is not None
    # 2016-18 (22.5) is the last period ending by 31 Dec 2018; 2017-19 (22.0) is not
    assert a.assessment.target.baseline_value == pytest.approx(22.5)
    assert a.assessment.target.value == pytest.approx(0.9 * 22.5)
    assert "(2016-2018) from the series" in a.notes[0]


def _borough_rows(
    codes: Sequence[str], year: int
) -> list[tuple[str, date, date, float, float, float]]:
    out = []
    for i, code in enumerate(codes):
        count, denominator = 200.0 + i, 1000.0
        out.append(
            (
                code,
                date(year, 1, 1),
                date(year, 12, 31),
                100 * count / denominator,
                count,
                denominator,
            )
        )
    return out


def test_london_is_summed_over_the_geography_boroughs_only(
    store: Store, catalogue: Catalogue
) -> None:
    ind = catalogue.indicator(INDICATOR)
    # 2015: all 33 London local authorities; 2016: 32 of them plus a code that is not one
    # (33 'E09' codes, but not London's 33)
    impostor = [*LONDON_BOROUGHS[:-1], "E09000034"]
    rows = _borough_rows(LONDON_BOROUGHS, 2015) + _borough_rows(impostor, 2016)
    _load(store, _rows(rows), published=date(2017, 6, 1), name="boroughs.csv")
    obs, why = indicator_observations(store, ind, area_code=LONDON)
    assert [o.label for o in obs] == ["2015-2015"]
    counts = [200.0 + i for i in range(33)]
    assert obs[0].value == pytest.approx(100 * sum(counts) / (33 * 1000.0))
    assert "33 boroughs" in why


def test_returns_recorded_after_the_as_of_date_are_not_read(
    store: Store, catalogue: Catalogue
) -> None:
    cid = "wellbeing_ambassadors_2025"
    for i, v in enumerate([60_000.0, 120_000.0, 180_000.0]):
        record_return(
            store,
            catalogue,
            cid,
            value=v,
            as_of=date(2022 + i, 1, 1),
            source="Thrive LDN",
            recorded_by="analyst",
        )
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    then = assess_commitment(catalogue, store, catalogue.commitment(cid), as_of=yesterday)
    # nothing had been recorded by the end of yesterday
    assert then.status is Status.NOT_ASSESSABLE
    assert "no progress returns recorded" in then.reason
    known = assess_commitment(
        catalogue,
        store,
        catalogue.commitment(cid),
        as_of=date(2024, 6, 1),
        published_on=datetime.now(UTC).date(),
    )
    assert known.status is not Status.NOT_ASSESSABLE


def test_equity_as_of_reads_the_values_published_then(store: Store, catalogue: Catalogue) -> None:
    sii = "fingertips:92901"  # SII in life expectancy
    first = _years(ENGLAND, {y: 9.0 + 0.1 * (y - 2010) for y in range(2010, 2015)})
    more = _years(ENGLAND, {y: 9.0 + 0.1 * (y - 2010) for y in range(2015, 2020)})
    _load(
        store,
        _rows(first, series=sii, indicator="sii_life_expectancy"),
        published=date(2016, 6, 1),
        name="a.csv",
        series=sii,
    )
    _load(
        store,
        _rows(more, series=sii, indicator="sii_life_expectancy"),
        published=date(2021, 6, 1),
        name="b.csv",
        series=sii,
    )

    def points(as_of: date | None) -> int:
        (row,) = assess_equity(catalogue, store, indicator_ids=["sii_life_expectancy"], as_of=as_of)
        assert row.gap is not None
        return row.gap.points

    assert points(date(2020, 1, 1)) == 5
    assert points(None) == 10
