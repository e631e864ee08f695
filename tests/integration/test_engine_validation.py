"""``healthgap compute`` validates every input table before computing: bad records stop the
run with the report (file, row, column, rule) and nothing is written — on DuckDB and Spark."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from healthgap.cli.main import app
from healthgap.engine import spark_job
from healthgap.engine.pipeline import run_engine
from healthgap.engine.records import RecordValidationError
from healthgap.engine.synth import SCHEMAS
from healthgap.store import open_store

pytestmark = pytest.mark.slow

LSOA = "E01000001"  # City of London


def _population(directory: Path) -> None:
    rows = [(LSOA, year, sex, age, 100) for year in (2019, 2020) for sex in ("male", "female")
            for age in range(91)]  # fmt: skip
    table = pa.table(
        {
            "lsoa_code": [r[0] for r in rows],
            "year": pa.array([r[1] for r in rows], pa.int64()),
            "sex": [r[2] for r in rows],
            "age": pa.array([r[3] for r in rows], pa.int64()),
            "population": pa.array([r[4] for r in rows], pa.int64()),
        }
    )
    (directory / "population").mkdir(parents=True)
    pq.write_table(table, directory / "population" / "part-00000.parquet")


def _death(record_id: str, sex: str = "female", registered: dt.date | None = None) -> dict:
    return {
        "record_id": record_id,
        "lsoa_code": LSOA,
        "date_of_death": dt.date(2020, 3, 1),
        "date_of_registration": registered or dt.date(2020, 3, 5),
        "age": 80,
        "sex": sex,
        "ethnic_group": "white",
        "underlying_cause": "I21.9",
    }


@pytest.fixture(params=["parquet"])
def bad_input(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """Deaths whose part file repeats a record id (row 3), holds an invalid sex (row 4) and
    a registration date in the future (row 5); as Parquet, or as ``deaths.csv`` (rows are
    then lines: one more, for the header)."""
    directory = tmp_path / "records"
    _population(directory)
    deaths = [
        _death("D1"),
        _death("D2"),
        _death("D1"),
        _death("D4", sex="M"),
        _death("D5", registered=dt.date.today() + dt.timedelta(days=400)),
    ]
    table = pa.Table.from_pylist(deaths, schema=SCHEMAS["deaths"])
    if request.param == "csv":
        pacsv.write_csv(table, directory / "deaths.csv")
    else:
        (directory / "deaths").mkdir()
        pq.write_table(table, directory / "deaths" / "part-00000.parquet")
    return directory


def _deaths_file(directory: Path) -> tuple[Path, int]:
    """The deaths file and how far its row numbers are from the record's position."""
    csv = directory / "deaths.csv"
    return (csv, 1) if csv.exists() else (directory / "deaths" / "part-00000.parquet", 0)


EXPECTED = {
    ("record_id", 3, "repeats the key (record_id) of an earlier row"),
    ("sex", 4, "must be one of: male, female"),
    ("date_of_registration", 5, "not in the future"),
}


def _check_message(message: str, directory: Path, backend: str) -> None:
    """The report as printed: every broken rule (and no other) at its file and row, and the
    backend that checked the records."""
    path, shift = _deaths_file(directory)
    assert f"the input records break {len(EXPECTED)} rules (checked on {backend}; " in message
    for column, row, rule in EXPECTED:
        assert f"deaths: {path}:{row + shift}: column '{column}'" in message  # local path
        assert rule in message
    assert "nothing was computed or written" in message


def _check_report(error: RecordValidationError, directory: Path, backend: str) -> None:
    path, shift = _deaths_file(directory)
    found = {(v.column, v.row) for v in error.violations}
    assert found == {(c, r + shift) for c, r, _ in EXPECTED}
    assert {v.file for v in error.violations} == {str(path)}
    assert error.backend == backend
    _check_message(str(error), directory, backend)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _assert_cli_fails_and_writes_nothing(
    directory: Path, tmp_path: Path, backend: str, *, fresh_store: bool = True
) -> None:
    """The CLI exits 2 with the report, checked on ``backend``, and an existing store is
    unchanged byte for byte; a store that does not exist is refused before the records are
    read, and not created."""
    fresh = tmp_path / "fresh.duckdb"
    existing = tmp_path / "existing.duckdb"
    with open_store(existing):
        pass
    before = _digest(existing)
    if fresh_store:
        result = CliRunner().invoke(
            app, ["compute", "--input", str(directory), "--store", str(fresh), "--backend", backend]
        )
        assert result.exit_code == 2, result.output
        assert "no such store" in result.output
    for store in (existing,):
        result = CliRunner().invoke(
            app,
            ["compute", "--input", str(directory), "--store", str(store), "--backend", backend],
        )
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
        _check_message(" ".join(result.output.split()), directory, backend)
    assert not fresh.exists()
    assert _digest(existing) == before


@pytest.mark.parametrize("bad_input", ["parquet", "csv"], indirect=True)
def test_bad_records_stop_compute_on_duckdb(bad_input: Path, tmp_path: Path) -> None:
    """Given deaths with a repeated id, an invalid sex and a future date, compute fails on
    DuckDB with every broken rule's first row, and the CLI writes nothing to any store."""
    with pytest.raises(RecordValidationError) as caught:
        run_engine(bad_input, checksums=False)
    _check_report(caught.value, bad_input, "duckdb")
    _assert_cli_fails_and_writes_nothing(bad_input, tmp_path, "duckdb")


@pytest.mark.spark
@pytest.mark.timeout(900)  # local Spark start-up and two validations
def test_bad_records_stop_compute_on_spark(
    bad_input: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same input on local Spark: ``compute --backend spark`` runs the checks as Spark
    aggregations (the report says they were checked on spark) and prints the same report,
    every broken rule with its file and row, and no other; the CLI writes nothing. (The
    report's fields are checked on DuckDB above; each Spark validation costs seconds, so the
    engine is not called a third time here.)"""
    pytest.importorskip("pyspark", reason="the spark extra is not installed")
    _assert_cli_fails_and_writes_nothing(bad_input, tmp_path, "spark", fresh_store=False)
    # the cluster entry point too: exit status 2, the report, no output file
    out = tmp_path / "out" / "values.parquet"
    assert spark_job.main(["--input", str(bad_input), "--out", str(out)]) == 2
    assert not out.exists()
    _check_message(capsys.readouterr().err, bad_input, "spark")


def test_valid_input_reports_rows_checked(
    synthetic_london_deaths: Path, synthetic_london_computed
) -> None:
    """A valid input runs, and the provenance says how many rows of each table were checked
    and how long validation took. Every published limit brackets its value: HEAT's
    simulation limits that do not are left out, with the note saying so — the store refused
    the whole release for them (whether a release holds such limits depends on what
    disclosure control withholds: the unit test
    ``test_heat_simulation_limits_that_miss_the_value_are_not_published`` checks the rule).
    (The run is the session's shared one on this input: suicide and life expectancy,
    tests/conftest.py.)"""
    result = synthetic_london_computed
    assert "suicide_rate" in result.computed
    v = result.values
    for lower, upper in (("lower95_0cl", "upper95_0cl"), ("lower99_8cl", "upper99_8cl")):
        outside = pc.or_(pc.greater(v[lower], v["value"]), pc.less(v[upper], v["value"]))
        assert not pc.any(outside).as_py()
    checked = result.provenance["validated_rows"]
    assert isinstance(checked, dict)
    assert set(checked) == {"deaths", "population"}
    parts = (synthetic_london_deaths / "deaths").glob("*.parquet")
    assert checked["deaths"] == sum(pq.read_metadata(p).num_rows for p in parts)
    stages = result.provenance["stage_seconds"]
    assert isinstance(stages, dict)
    assert stages["validation"] > 0
