"""Record-level schemas: good files pass, each kind of bad file fails with a precise message."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import ibis
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from healthgap.engine.records import (
    RECORD_SCHEMAS,
    check_records,
    known_lsoa_codes,
    validate_records,
)
from healthgap.engine.synth import generate_synthetic_london
from healthgap.errors import SourceValidationError

HEADER = [
    "record_id",
    "lsoa_code",
    "date_of_death",
    "date_of_registration",
    "age",
    "sex",
    "ethnic_group",
    "underlying_cause",
]
GOOD = [
    ["D1", "E01000001", "2019-03-02", "2019-03-08", "81", "female", "white", "C34.1"],
    ["D2", "E01000002", "2019-07-19", "2019-07-24", "67", "male", "asian", "I219"],
    ["D3", "E01033583", "2019-11-30", "2019-12-03", "0", "male", "unknown", "P07.0"],
]


def _write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def _deaths(tmp_path: Path, row: int, column: str, value: str) -> Path:
    rows = [list(r) for r in GOOD]
    rows[row][HEADER.index(column)] = value
    return _write_csv(tmp_path / "deaths.csv", rows)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "london"
    generate_synthetic_london(out, rows=30_000, seed=11)
    return out


def test_schemas_declare_the_briefed_tables_and_fields() -> None:
    """Given the four schemas, each declares its fields with type and help."""
    assert set(RECORD_SCHEMAS) == {"deaths", "admissions", "registers", "population"}
    assert RECORD_SCHEMAS["deaths"].column_names == tuple(HEADER)
    adm = RECORD_SCHEMAS["admissions"]
    assert adm.field("external_cause").nullable
    assert not adm.field("primary_diagnosis").nullable
    assert adm.field("admission_method").allowed == ("emergency", "elective", "other")
    assert RECORD_SCHEMAS["population"].field("age").maximum == 90
    assert all(f.help for s in RECORD_SCHEMAS.values() for f in s.fields)


def test_known_lsoa_codes_by_vintage() -> None:
    """London has 4,835 LSOAs in 2011 and 4,994 in 2021."""
    assert len(known_lsoa_codes("lsoa11")) == 4835
    assert len(known_lsoa_codes("lsoa21")) == 4994


def test_good_csv_passes(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "deaths.csv", GOOD)
    report = validate_records(path, schema="deaths", lsoa_vintage="lsoa11")
    assert report.ok
    assert report.rows == 3


@pytest.mark.parametrize("table", ["deaths", "admissions", "registers", "population"])
def test_synthetic_output_validates(synthetic: Path, table: str) -> None:
    """Given Synthetic London output, every table passes its schema."""
    report = validate_records(synthetic / table, schema=table, lsoa_vintage="lsoa11")
    assert report.ok
    assert report.rows > 0


@pytest.mark.parametrize(
    ("row", "column", "value", "rule"),
    [
        (1, "lsoa_code", "E01999999", "must be a London LSOA 2011 code"),
        (0, "lsoa_code", "E01012000", "must be a London LSOA 2011 code"),  # Hartlepool
        (2, "age", "-4", "must be between 0 and 120"),
        (0, "age", "34.5", "must be an integer"),
        (1, "sex", "M", "must be one of: male, female"),
        (2, "ethnic_group", "White British", "must be one of: asian"),
        (1, "date_of_death", "2019-02-30", "must be a date (YYYY-MM-DD)"),
        (0, "date_of_registration", "2019-03-01", "must not be before date_of_death"),
        (1, "underlying_cause", "lung cancer", "must be an ICD-10 code"),
        (2, "record_id", "", "must not be empty"),
        (2, "record_id", "D1", "repeats the key (record_id) of an earlier row"),
    ],
)
def test_bad_value_is_named_precisely(
    tmp_path: Path, row: int, column: str, value: str, rule: str
) -> None:
    """Given one bad value, the error names file, line (header = line 1), column, value, rule."""
    path = _deaths(tmp_path, row, column, value)
    with pytest.raises(SourceValidationError) as info:
        validate_records(path, schema="deaths", lsoa_vintage="lsoa11")
    err = info.value
    assert err.file == str(path)
    assert err.row == row + 2
    assert err.column == column
    assert rule in err.rule
    assert f"{path}:{row + 2}: column '{column}'" in str(err)
    if value:
        assert err.value == value


def test_future_date_is_rejected(tmp_path: Path) -> None:
    future = (dt.date.today() + dt.timedelta(days=40)).isoformat()
    path = _deaths(tmp_path, 1, "date_of_registration", future)
    with pytest.raises(SourceValidationError, match="not in the future") as info:
        validate_records(path, schema="deaths", lsoa_vintage="lsoa11")
    assert (info.value.row, info.value.column, info.value.value) == (
        3,
        "date_of_registration",
        future,
    )


def test_missing_column_is_named(tmp_path: Path) -> None:
    header = [h for h in HEADER if h != "ethnic_group"]
    rows = [[v for h, v in zip(HEADER, r, strict=True) if h != "ethnic_group"] for r in GOOD]
    path = _write_csv(tmp_path / "deaths.csv", rows, header)
    with pytest.raises(SourceValidationError, match="missing required column") as info:
        validate_records(path, schema="deaths", lsoa_vintage="lsoa11")
    assert info.value.column == "ethnic_group"
    assert info.value.row is None


def test_first_offending_row_and_count(tmp_path: Path) -> None:
    """Given several bad rows, the earliest is reported and the count is in the message."""
    rows = [list(r) for _ in range(3) for r in GOOD]
    for i, r in enumerate(rows):
        r[0] = f"D{i}"
    rows[4][HEADER.index("sex")] = "x"
    rows[7][HEADER.index("sex")] = "y"
    path = _write_csv(tmp_path / "deaths.csv", rows)
    report = check_records(path, schema="deaths", lsoa_vintage="lsoa11")
    assert len(report.violations) == 1
    v = report.violations[0]
    assert (v.row, v.value, v.count) == (6, "x", 2)
    assert "(2 rows)" in str(v.to_error())


def test_lsoa_vintage_is_enforced(tmp_path: Path) -> None:
    """A 2021-only code is accepted as lsoa21 and rejected as lsoa11."""
    only21 = sorted(known_lsoa_codes("lsoa21") - known_lsoa_codes("lsoa11"))[0]
    rows = [[r[0], only21, *r[2:]] for r in GOOD]
    path = _write_csv(tmp_path / "deaths.csv", rows)
    assert validate_records(path, schema="deaths", lsoa_vintage="lsoa21").ok
    with pytest.raises(SourceValidationError, match="LSOA 2011"):
        validate_records(path, schema="deaths", lsoa_vintage="lsoa11")


def test_parquet_parts_name_the_part_file_and_row(tmp_path: Path) -> None:
    """Given a directory of Parquet parts, the error names the part file and its row."""
    good = pa.table({h: [r[i] for r in GOOD] for i, h in enumerate(HEADER)})
    typed = good.set_column(4, "age", pa.array([81, 67, 0], pa.int64()))
    for col in ("date_of_death", "date_of_registration"):
        idx = typed.schema.get_field_index(col)
        typed = typed.set_column(idx, col, typed[col].cast(pa.date32()))
    d = tmp_path / "deaths"
    d.mkdir()
    pq.write_table(typed, d / "part-00000.parquet")
    bad = typed.set_column(4, "age", pa.array([81, 167, 0], pa.int64()))
    bad = bad.set_column(0, "record_id", pa.array(["D4", "D5", "D6"]))
    pq.write_table(bad, d / "part-00001.parquet")
    with pytest.raises(SourceValidationError) as info:
        validate_records(d, schema="deaths", lsoa_vintage="lsoa11")
    assert info.value.file == str(d / "part-00001.parquet")
    assert (info.value.row, info.value.column, info.value.value) == (2, "age", 167)


def test_parquet_wrong_physical_type(tmp_path: Path) -> None:
    table = pa.table({h: [r[i] for r in GOOD] for i, h in enumerate(HEADER)})
    table = table.set_column(4, "age", pa.array([81.0, 67.5, 0.0]))
    path = tmp_path / "deaths.parquet"
    pq.write_table(table, path)
    with pytest.raises(SourceValidationError, match="must be of type BIGINT, found float64"):
        validate_records(path, schema="deaths", lsoa_vintage="lsoa11")


def test_ibis_table_source() -> None:
    """An Ibis table is checked by the same rules; rows are positions in the table."""
    data = {h: [r[i] for r in GOOD] for i, h in enumerate(HEADER)}
    data["sex"][1] = "unknown"
    t = ibis.memtable(data)
    with pytest.raises(SourceValidationError) as info:
        validate_records(t, schema="deaths", lsoa_vintage="lsoa11", name="deaths_table")
    assert (info.value.file, info.value.row, info.value.column) == ("deaths_table", 2, "sex")


def test_admissions_external_cause_may_be_empty_but_not_malformed(tmp_path: Path) -> None:
    header = list(RECORD_SCHEMAS["admissions"].column_names)
    row = ["A1", "P1", "E01000001", "2019-01-02", "2019-01-05", "70", "female", "black"]
    good = [[*row, "S72.0", "emergency", "W19"], ["A2", *row[1:], "J45.9", "emergency", ""]]
    assert validate_records(
        _write_csv(tmp_path / "a.csv", good, header), schema="admissions", lsoa_vintage="lsoa11"
    ).ok
    bad = [*good, ["A3", *row[1:], "J45.9", "emergency", "fall"]]
    with pytest.raises(SourceValidationError) as info:
        validate_records(
            _write_csv(tmp_path / "b.csv", bad, header), schema="admissions", lsoa_vintage="lsoa11"
        )
    assert (info.value.row, info.value.column) == (4, "external_cause")


def test_unreadable_source_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(SourceValidationError, match="does not exist"):
        validate_records(tmp_path / "nope.csv", schema="deaths", lsoa_vintage="lsoa11")
    (tmp_path / "empty").mkdir()
    with pytest.raises(SourceValidationError, match=r"holds no \.parquet or \.csv"):
        validate_records(tmp_path / "empty", schema="deaths", lsoa_vintage="lsoa11")


# ---------------------------------------------------------------- population by ethnic group

POP_HEADER = ["lsoa_code", "year", "sex", "age", "population"]
POP_ROWS = [
    ["E01000001", "2019", "female", "40", "12"],
    ["E01000001", "2019", "male", "40", "9"],
]


def _with_ethnic(rows: list[list[str]], groups: list[str]) -> list[list[str]]:
    return [[*r[:4], g, r[4]] for r, g in zip(rows, groups, strict=True)]


ETH_HEADER = [*POP_HEADER[:4], "ethnic_group", "population"]


def test_population_ethnic_group_is_optional(tmp_path: Path) -> None:
    """A population file without ethnic_group is valid, and its key is LSOA × year × sex ×
    age; with it, the same cell may repeat once per ethnic group."""
    plain = _write_csv(tmp_path / "plain.csv", POP_ROWS, POP_HEADER)
    assert validate_records(plain, schema="population", lsoa_vintage="lsoa11").ok
    assert RECORD_SCHEMAS["population"].field("ethnic_group").optional
    assert "ethnic_group" not in RECORD_SCHEMAS["population"].required_names
    repeated = _write_csv(tmp_path / "rep.csv", [POP_ROWS[0], POP_ROWS[0]], POP_HEADER)
    with pytest.raises(SourceValidationError) as info:
        validate_records(repeated, schema="population", lsoa_vintage="lsoa11")
    assert "repeats the key (lsoa_code, year, sex, age) of" in info.value.rule
    assert info.value.row == 3
    two_groups = _with_ethnic([POP_ROWS[0], POP_ROWS[0]], ["white", "black"])
    path = _write_csv(tmp_path / "eth.csv", two_groups, ETH_HEADER)
    report = validate_records(path, schema="population", lsoa_vintage="lsoa11")
    assert report.rows == 2


@pytest.mark.parametrize(
    ("groups", "row", "value", "rule"),
    [
        (["white", "unknown"], 3, "unknown", "must be one of: asian, black, mixed, white, other"),
        (["White", "asian"], 2, "White", "must be one of: asian"),
        (["asian", ""], 3, None, "must not be empty"),
        (["asian", "asian"], 3, "E01000001", "repeats the key"),
    ],
)
def test_population_ethnic_group_values_are_checked(
    tmp_path: Path, groups: list[str], row: int, value: str | None, rule: str
) -> None:
    """Given ethnic_group in a population file, 'unknown' (no denominator exists for it) and
    other values outside the five groups are rejected with line and column; so is a repeat
    of the full key."""
    rows = _with_ethnic([POP_ROWS[0], POP_ROWS[0]], groups)
    path = _write_csv(tmp_path / "pop.csv", rows, ETH_HEADER)
    with pytest.raises(SourceValidationError) as info:
        validate_records(path, schema="population", lsoa_vintage="lsoa11")
    err = info.value
    assert rule in err.rule
    assert err.row == row
    assert err.column == ("lsoa_code" if "key" in rule else "ethnic_group")
    assert err.value == value
    if "key" in rule:
        assert "ethnic_group" in err.rule


def test_population_parts_must_agree_on_ethnic_group(tmp_path: Path) -> None:
    """Given Parquet parts where only some have ethnic_group, the part without it is named."""
    d = tmp_path / "population"
    d.mkdir()
    base = {
        "lsoa_code": ["E01000001"],
        "year": pa.array([2019], pa.int64()),
        "sex": ["male"],
        "age": pa.array([3], pa.int64()),
    }
    with_eth = pa.table({**base, "ethnic_group": ["mixed"], "population": pa.array([4])})
    pq.write_table(with_eth, d / "part-00000.parquet")
    pq.write_table(pa.table({**base, "population": pa.array([5])}), d / "part-00001.parquet")
    report = check_records(d, schema="population", lsoa_vintage="lsoa11")
    assert [(v.file, v.column, v.rule) for v in report.violations] == [
        (
            str(d / "part-00001.parquet"),
            "ethnic_group",
            "missing column (other files of this table have it)",
        )
    ]
    assert report.rows == 1


def test_duplicate_keys_exact_behind_the_hash_test(tmp_path: Path) -> None:
    """The cheap hash test passes distinct keys and sends repeats to the exact search: the
    first repeating row (not the first of its key) and every later repeat are counted, keys
    of several columns included."""
    from healthgap.engine.records import _keys_distinct_by_hash

    t = ibis.memtable({"raw__a": ["x", "x", "y"], "raw__b": [1, 2, 1]})
    assert _keys_distinct_by_hash(t, ("a", "b"))
    assert not _keys_distinct_by_hash(t, ("a",))
    rows = [list(GOOD[i % 3]) for i in range(9)]
    for i, r in enumerate(rows):
        r[0] = f"D{i}"
    rows[5][0] = "D1"  # line 7 repeats line 3
    rows[8][0] = "D1"  # line 10 too
    rows[6][0] = "D2"  # line 8 repeats line 4
    path = _write_csv(tmp_path / "deaths.csv", rows)
    report = check_records(path, schema="deaths", lsoa_vintage="lsoa11")
    [v] = report.violations
    assert (v.rule, v.row, v.value, v.count) == (
        "repeats the key (record_id) of an earlier row",
        7,
        "D1",
        3,
    )
