"""The spark-submit entry point writes protected values and provenance that load into a store."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from healthgap.cli.main import app
from healthgap.engine.spark_job import main
from healthgap.store import open_store

# Local Spark on a shared two-core machine: JVM start-up, validation and the run take minutes.
pytestmark = [pytest.mark.spark, pytest.mark.slow, pytest.mark.timeout(900)]


def test_spark_job_output_loads_into_a_store(tmp_path: Path, spark_job_output: Path) -> None:
    """The session's one local Spark run (``main(["--input", …, "--out", …, "--indicator",
    "life_expectancy", "--indicator", "suicide_rate"])``, tests/conftest.py) wrote values of
    the requested indicators (and the SII the catalogue derives from life expectancy) and
    its provenance; they load into a store."""
    out = spark_job_output
    values = pq.read_table(out)
    assert values.num_rows > 0
    assert set(values["indicator_id"].to_pylist()) - {None} == {
        "life_expectancy",
        "sii_life_expectancy",
        "suicide_rate",
    }
    provenance = json.loads(out.with_suffix(".provenance.json").read_text())
    assert provenance["backend"] == "spark"
    with open_store(tmp_path / "s.duckdb"):  # `load` needs an existing store
        pass
    loaded = CliRunner().invoke(
        app, ["load", str(out), "--source", "healthgap", "--store", str(tmp_path / "s.duckdb")]
    )
    assert loaded.exit_code == 0, loaded.output


def test_path_option_prints_the_script_for_spark_submit(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--path"]) == 0
    printed = Path(capsys.readouterr().out.strip())
    assert printed.name == "spark_job.py"
    assert printed.exists()
