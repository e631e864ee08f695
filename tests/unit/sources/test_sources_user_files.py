"""User files of each kind round-trip into releases; the public API is pinned."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import healthgap.sources as sources
from healthgap.sources import SOURCE_KINDS, read_file
from healthgap.store.columns import column_names

TIDY = (
    "series,area_code,period_start,period_end,period_label,sex,value,lower95_0cl,"
    "upper95_0cl,count,denominator,unit,suppressed\n"
    "local:smoking,E09000001,2019-01-01,2019-12-31,2019,persons,12.5,10.1,15.2,25,200,%,false\n"
    "local:smoking,E09000002,2019-01-01,2019-12-31,2019,Female,,,,,,%,true\n"
)


def _mapping(key: str) -> str | None:
    return {"local:smoking": "adult_smoking", "fingertips:90366": "life_expectancy"}.get(key)


def test_public_api_is_pinned() -> None:
    def isort_style(name: str) -> tuple[int, str]:
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert sources.__all__ == sorted(sources.__all__, key=isort_style)
    assert {"SOURCE_KINDS", "bundled_release_count", "bundled_releases", "read_file"} <= set(
        sources.__all__
    )
    assert SOURCE_KINDS == ("healthgap", "fingertips", "trafford", "ons_explore")


def test_file_sha256_is_the_checksum_read_csv_file_records(tmp_path: Path) -> None:
    from healthgap.errors import SourceValidationError
    from healthgap.sources.csvfile import file_sha256, read_csv_file

    path = tmp_path / "mine.csv"
    path.write_text(TIDY, encoding="utf-8")
    assert file_sha256(path) == read_csv_file(path, allow_extra=True).sha256
    with pytest.raises(SourceValidationError, match=r"gone\.csv: cannot read the file"):
        file_sha256(tmp_path / "gone.csv")


def _check_schema(table: pa.Table) -> None:
    assert table.column_names == column_names()


def test_tidy_csv_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text(TIDY, encoding="utf-8")
    release = read_file(path, kind="healthgap", resolve_indicator=_mapping)
    table = release.values
    assert table is not None
    _check_schema(table)
    rows = table.to_pylist()
    assert len(rows) == 2
    assert rows[0]["indicator_id"] == "adult_smoking"
    assert rows[0]["value"] == 12.5
    assert rows[0]["count"] == 25
    assert rows[0]["area_type"] == "ltla"
    assert rows[0]["age_band"] == "All ages"
    assert rows[0]["breakdown_type"] == "none"
    assert rows[0]["period_start"] == date(2019, 1, 1)
    assert rows[1]["sex"] == "female"
    assert rows[1]["value"] is None
    assert rows[1]["suppressed"] is True
    assert release.files[0].rows == 2
    assert len(release.files[0].sha256) == 64
    assert [s.key for s in release.series] == ["local:smoking"]


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + TIDY.encode())
    release = read_file(path, kind="healthgap", resolve_indicator=_mapping)
    assert release.values is not None
    assert release.values.num_rows == 2


def test_tidy_parquet_round_trip(tmp_path: Path) -> None:
    csv_path = tmp_path / "mine.csv"
    csv_path.write_text(TIDY, encoding="utf-8")
    first = read_file(csv_path, kind="healthgap", resolve_indicator=_mapping).values
    assert first is not None
    keep = ["series", "area_code", "period_start", "period_end", "period_label", "sex", "value"]
    path = tmp_path / "mine.parquet"
    pq.write_table(first.select(keep), path)
    again = read_file(path, kind="healthgap", resolve_indicator=_mapping).values
    assert again is not None
    _check_schema(again)
    assert again.select(keep).to_pylist() == first.select(keep).to_pylist()


FINGERTIPS = (
    "Indicator ID,Indicator Name,Parent Code,Parent Name,Area Code,Area Name,Area Type,Sex,"
    "Age,Category Type,Category,Time period,Value,Lower CI 95.0 limit,Upper CI 95.0 limit,"
    "Lower CI 99.8 limit,Upper CI 99.8 limit,Count,Denominator,Value note,Recent Trend,"
    "Compared to England value or percentiles,Compared to Region value or percentiles,"
    "Time period Sortable,New data,Compared to goal,Time period range\n"
    "90366,Life expectancy at birth,,,E92000001,England,England,Male,All ages,,,2015 - 17,"
    "79.5,79.4,79.6,79.3,79.7,,,,,Not compared,Not compared,20150000,,,3y\n"
    "90366,Life expectancy at birth,E92000001,England,E92000001,England,England,Male,"
    "All ages,County & UA deprivation deciles in England (IMD2019),Most deprived decile "
    "(IMD2019),2015 - 17,74.0,73.8,74.2,73.7,74.3,,,,,Not compared,Not compared,20150000,,,3y\n"
    "90319,Reception obesity,,,E09000002,Barking and Dagenham,UA,Persons,4-5 yrs,,,2014/15,"
    "12.0,11.0,13.0,10.5,13.5,360,3000,Provisional,,Worse,Worse,20140000,,,1y\n"
)


def test_fingertips_export(tmp_path: Path) -> None:
    path = tmp_path / "indicators-export.data.csv"
    path.write_text(FINGERTIPS, encoding="utf-8")
    release = read_file(path, kind="fingertips", resolve_indicator=_mapping)
    table = release.values
    assert table is not None
    _check_schema(table)
    rows = table.to_pylist()
    assert [r["series"] for r in rows] == ["fingertips:90366"] * 2 + ["fingertips:90319"]
    assert rows[0]["indicator_id"] == "life_expectancy"
    assert (rows[0]["lower99_8cl"], rows[0]["upper99_8cl"]) == (79.3, 79.7)
    assert rows[1]["breakdown_type"] == "imd2019_decile"
    assert rows[1]["breakdown_category"] == "Most deprived decile (IMD2019)"
    # NCMP data are academic years
    assert (rows[2]["period_start"], rows[2]["period_end"]) == (date(2014, 9, 1), date(2015, 8, 31))
    assert rows[2]["provisional"] is True
    assert rows[2]["age_band"] == "4-5 yrs"
    assert {s.fingertips_id for s in release.series} == {90366, 90319}


def test_trafford_file_uses_declared_spec(tmp_path: Path) -> None:
    path = tmp_path / "life_expectancy.csv"
    path.write_text(
        "area_code,area_name,area_type,period,indicator,measure,unit,value,"
        "compared_to_England,inequality\n"
        "E09000001,City of London,UA,2015 - 17,Life expectancy at birth,Life expectancy,"
        "Years,82.1,Better,Male\n",
        encoding="utf-8",
    )
    rows = read_file(path, kind="trafford", resolve_indicator=_mapping).values
    assert rows is not None
    row = rows.to_pylist()[0]
    assert (row["series"], row["sex"], row["unit"]) == ("fingertips:90366", "male", "years")


def test_ons_explore_file(tmp_path: Path) -> None:
    path = tmp_path / "healthy-life-expectancy.csv"
    path.write_text(
        "areacd,areanm,geography,indicator,period,observation,measure,unit,lci_95,uci_95,"
        "status,notes\n"
        "E12000007,London,Region,Female healthy life expectancy,2020-01-01/P3Y,63.2,Years,"
        "yrs,62.5,63.9,,\n"
        "E09000002,Barking and Dagenham,Local Authority District,Male healthy life "
        "expectancy,2020-01-01/P3Y,,Years,yrs,,,u,\n",
        encoding="utf-8",
    )
    table = read_file(path, kind="ons_explore", resolve_indicator=_mapping).values
    assert table is not None
    first, second = table.to_pylist()
    assert first["series"] == second["series"] == "ons_explore:healthy-life-expectancy"
    assert (first["sex"], first["period_label"], first["area_type"]) == (
        "female",
        "2020 - 22",
        "region",
    )
    assert second["suppressed"] is True
    assert second["note"] == "low reliability"
    assert math.isclose(first["upper95_0cl"], 63.9)


def test_unknown_kind_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(TIDY, encoding="utf-8")
    with pytest.raises(ValueError, match="unknown source kind 'excel'"):
        read_file(path, kind="excel")


# ------------------------------------------------------------------ impossible and implausible
ISSUE_11 = (
    "series,area_code,period_start,period_end,period_label,sex,value,lower95_0cl,"
    "upper95_0cl,count,denominator,unit,suppressed,note\n"
    "local:smoking,E09000001,2019-01-01,2019-12-31,2019,persons,12.5,10.1,15.2,12.5,200,%,false,\n"
    "local:smoking,E09000002,2019-01-01,2019-12-31,2019,persons,,10.1,15.2,4,200,%,true,small\n"
    "local:smoking,E09000003,2019-01-01,2019-12-31,2019,persons,11.0,9.0,13.0,22,200,%,false,\n"
)


def test_implausible_rows_are_kept_flagged_and_suppressed_numbers_withheld(
    tmp_path: Path,
) -> None:
    path = tmp_path / "issue.csv"
    path.write_text(ISSUE_11, encoding="utf-8")
    flags: list[sources.values.Flag] = []
    release = read_file(path, kind="healthgap", resolve_indicator=_mapping, flags=flags)
    assert [(f.line, f.column, f.value, f.rule) for f in flags] == [
        (2, "count", 12.5, "count is not a whole number"),
        (3, "suppressed", True, "suppressed, yet value, limits or count given: withheld"),
    ]
    assert str(flags[0]) == "issue.csv:2: column 'count': value 12.5: count is not a whole number"
    assert release.note is not None
    assert "2 row(s) flagged" in release.note
    assert release.values is not None
    rows = release.values.to_pylist()
    assert rows[0]["count"] == 12.5
    assert rows[0]["note"] == "flagged: count is not a whole number"
    withheld = rows[1]
    assert withheld["suppressed"] is True
    for column in ("value", "lower95_0cl", "upper95_0cl", "lower99_8cl", "upper99_8cl", "count"):
        assert withheld[column] is None, column
    assert withheld["denominator"] == 200
    assert (
        withheld["note"] == "small; flagged: suppressed, yet value, limits or count given: withheld"
    )
    assert rows[2]["note"] is None


def test_an_indicator_id_the_catalogue_knows_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "ok.csv"
    path.write_text(
        "series,area_code,period_start,period_end,period_label,sex,value,indicator_id\n"
        "local:le,E09000001,2019-01-01,2019-12-31,2019,persons,80.1,life_expectancy\n",
        encoding="utf-8",
    )
    release = read_file(path, kind="healthgap", resolve_indicator=lambda _: None)
    assert release.values is not None
    assert release.values["indicator_id"].to_pylist() == ["life_expectancy"]
